"""Small text helpers shared by the feedback and stereotype flows.

Everything here works on offsets into the caller's original string, so a span found in
a normalised copy can always be quoted back exactly from the text the user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from coach.errors import InputError

#: Longest text the stereotype check reads (sentence by sentence, all of it); longer text is
#: refused with this limit named, never cut.
MAX_ANALYSED_CHARS = 100_000
#: Longest feedback the scorer accepts: feedback is said in one go, and the scorer's model
#: reads a text whole, so longer text is refused with this limit named, never cut.
MAX_FEEDBACK_CHARS = 5000

#: Quoted speech: an opening quote not preceded by a letter, so apostrophes do not count.
QUOTED = re.compile(r"(?<![A-Za-z])['\"‘“](?:[^'\"’”\n]|(?<=[A-Za-z])['’](?=[A-Za-z])){2,}?['\"’”](?![A-Za-z])")

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n\s*\n|\n(?=\s*[-*•]\s)")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the original text with its offsets."""

    text: str
    start: int
    end: int


def require_text(text: object, what: str = "text", limit: int = MAX_ANALYSED_CHARS) -> str:
    """Return ``text`` if it is a non-blank string within ``limit`` characters, else raise a clear ``InputError``."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"The {what} is empty.", hint=f"Type or paste the {what} to analyse.")
    if len(text) > limit:
        raise InputError(
            f"The {what} is {len(text):,} characters; the limit is {limit:,}.",
            hint="Split it and check each part (nothing was analysed, so nothing was missed silently).",
        )
    return text


def normalise(text: str) -> str:
    """Lower-case with typographic quotes folded, keeping every character's offset."""
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    return text.translate(table).lower()


def split_sentences(text: str) -> list[Sentence]:
    """Split the whole of ``text`` into sentences whose offsets index ``text`` exactly.

    Leading and trailing whitespace is excluded from each sentence.
    """
    window = text
    sentences: list[Sentence] = []
    cursor = 0
    for match in _SENTENCE_END.finditer(window):
        _append(window, cursor, match.start() if window[match.start()].isspace() else match.end(), sentences)
        cursor = match.end()
    _append(window, cursor, len(window), sentences)
    return sentences


def _append(text: str, start: int, end: int, into: list[Sentence]) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    offset = start + (len(chunk) - len(chunk.lstrip()))
    into.append(Sentence(stripped, offset, offset + len(stripped)))


@lru_cache(maxsize=512)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A case-insensitive, whole-word pattern for a lexicon phrase."""
    body = re.escape(normalise(phrase)).replace(r"\ ", r"\s+")
    left = r"\b" if phrase[:1].isalnum() else ""
    right = r"\b" if phrase[-1:].isalnum() else ""
    return re.compile(f"{left}{body}{right}")


def find_phrases(text: str, phrases: Iterable[str]) -> list[tuple[int, int, str]]:
    """Every whole-word occurrence of any phrase as ``(start, end, phrase)``, longest first at a position."""
    low = normalise(text)
    hits: list[tuple[int, int, str]] = []
    for phrase in phrases:
        hits.extend((m.start(), m.end(), phrase) for m in phrase_pattern(phrase).finditer(low))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, str]] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def any_phrase(text: str, phrases: Sequence[str]) -> bool:
    """True when at least one phrase occurs in ``text`` as whole words."""
    low = normalise(text)
    return any(phrase_pattern(p).search(low) for p in phrases)


_AGE_WORDS = re.compile(
    r"\b(?:\d{1,2}[- ]?(?:year|yr)s?[- ]olds?|(?:in (?:my|his|her|their|your|our) )?(?:early |mid |late )?"
    r"(?:teens|twenties|thirties|forties|fifties|sixties|seventies|[2-7]0s)|"
    r"(?:baby )?boomers?|millennials?|gen(?:eration)? ?[xyz]|zoomers?|gen-?z|"
    r"older|younger|oldest|youngest|elderly|young|old)\b",
    re.IGNORECASE,
)


def mask_ages(text: str) -> str:
    """Replace ages and age or generation words with a neutral token.

    The feedback scorer's learned model sees the masked text, so a score cannot move
    because a writer or colleague is older or younger; the rules still see the original
    text and flag age-coded remarks as disrespect.
    """
    return _AGE_WORDS.sub("someone", text)
