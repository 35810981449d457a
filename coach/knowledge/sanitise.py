"""Normalise document text before anything reads it: hidden text out, look-alikes folded.

What a reader of the rendered document cannot see must not reach the index: HTML
comments (also multi-line), elements hidden with ``hidden``, ``display:none`` and the like,
invisible and zero-width characters. Letters from other scripts that imitate Latin ones
inside Latin words (a Cyrillic ``а`` in ``pаssword``) and compatibility forms (fullwidth or
mathematical letters) are folded to plain Latin. Every change is recorded as a
``Removal`` so a coordinator can see what a document carried.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Characters that render as nothing: zero-width spaces and joiners, bidirectional controls,
#: the soft hyphen, word joiners, the byte-order mark, tag characters and variation selectors.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
_HIDING = (
    r"(?:\bhidden\b(?!\s*=\s*[\"']?false)|aria-hidden\s*=\s*[\"']?true|display\s*:\s*none|visibility\s*:\s*hidden|"
    r"font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*[;\"']|opacity\s*:\s*0(?:\.0+)?\s*[;\"']|"
    r"class\s*=\s*[\"'][^\"']*\b(?:sr-only|visually-hidden|hidden)\b)"
)
HIDDEN_ELEMENT = re.compile(
    rf"<(?P<tag>[a-zA-Z][a-zA-Z0-9]*)\b(?=[^>]*{_HIDING})[^>]*>(?P<body>.*?)</(?P=tag)\s*>", re.DOTALL | re.IGNORECASE
)
HIDING_ATTRIBUTES = re.compile(_HIDING, re.IGNORECASE)
IMAGE_ALT = re.compile(r"!\[([^\]]*)\]\([^)]*\)")

#: Letters of other scripts drawn like Latin ones (Cyrillic, Greek, Armenian and a few others).
CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "с": "c",
        "е": "e",
        "һ": "h",
        "і": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "ԛ": "q",
        "г": "r",
        "ѕ": "s",
        "т": "t",
        "ц": "u",
        "ԝ": "w",
        "х": "x",
        "у": "y",
        "А": "A",
        "В": "B",
        "С": "C",
        "Е": "E",
        "Н": "H",
        "І": "I",
        "Ј": "J",
        "К": "K",
        "М": "M",
        "О": "O",
        "Р": "P",
        "Ѕ": "S",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "ԁ": "d",
        "ɡ": "g",
        "ӏ": "l",
        "Ӏ": "I",
        "ѵ": "v",
        "α": "a",
        "ο": "o",
        "ρ": "p",
        "ν": "v",
        "ι": "i",
        "κ": "k",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ε": "e",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
        "օ": "o",
        "ս": "u",
        "ո": "n",
        "ց": "g",
        "ɑ": "a",
        "ı": "i",
    }
)
_CONFUSABLE_CHARS = frozenset(chr(c) for c in CONFUSABLES)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Removal:
    """Something taken out of a document or changed in it, and why."""

    kind: str  # "html comment", "hidden element", "image alt text", "invisible characters", "look-alike letters"
    text: str


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or "LATIN" in unicodedata.name(ch, "")


def _fold_word(match: re.Match[str], latin_text: bool) -> str:
    word = match.group(0)
    # Compatibility forms (fullwidth, mathematical letters) that stand for plain letters and digits.
    word = "".join(_compat(ch) for ch in word)
    letters = [ch for ch in word if ch.isalpha()]
    odd = [ch for ch in letters if ch in _CONFUSABLE_CHARS]
    if not odd:
        return word
    mixed = any(_is_latin(ch) for ch in letters)
    # A word of look-alikes only is folded when the text around it is Latin: in Cyrillic or
    # Greek text it is a real word.
    if mixed or (latin_text and len(odd) == len(letters)):
        return word.translate(CONFUSABLES)
    return word


def _compat(ch: str) -> str:
    if ch.isascii():
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if folded.isascii() and folded.isalnum() else ch


def fold_lookalikes(text: str) -> str:
    """``text`` with look-alike letters inside Latin words and compatibility letters made plain."""
    if text.isascii():
        return text
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(1 for ch in letters if _is_latin(ch))
    latin_text = latin > len(letters) - latin
    return _WORD.sub(lambda m: _fold_word(m, latin_text), text)


def strip_invisible(text: str) -> str:
    """``text`` without characters that render as nothing."""
    return INVISIBLE.sub("", text)


def normalise_text(text: str, removed: list[Removal]) -> str:
    """Invisible characters removed and look-alikes folded; each change recorded in ``removed``."""
    visible = strip_invisible(text)
    if len(visible) != len(text):
        removed.append(Removal("invisible characters", f"{len(text) - len(visible)} invisible character(s) removed"))
    folded = fold_lookalikes(visible)
    if folded != visible:
        changed = sorted({a for a, b in zip(visible, folded, strict=True) if a != b})
        removed.append(Removal("look-alike letters", f"letters folded to Latin: {' '.join(changed)}"))
    return folded


def strip_hidden_markup(text: str, removed: list[Removal]) -> str:
    """Markdown or HTML source without comments, hidden elements and image alt text.

    Line breaks inside a removed block are kept, so the rest of the document keeps its lines.
    """

    def cut(kind: str, body: str, whole: str) -> str:
        if body.strip():
            removed.append(Removal(kind, " ".join(body.split())))
        return "\n" * whole.count("\n")

    text = HTML_COMMENT.sub(lambda m: cut("html comment", m.group(1), m.group(0)), text)
    previous = None
    while previous != text:  # nested hidden elements
        previous = text
        text = HIDDEN_ELEMENT.sub(lambda m: cut("hidden element", m.group("body"), m.group(0)), text)
    text = IMAGE_ALT.sub(lambda m: cut("image alt text", m.group(1), m.group(0)), text)
    return text
