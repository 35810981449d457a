"""Which sentences of a document try to instruct instead of inform, and keeping them out.

Retrieved text is data. A sentence is suspicious when it addresses the assistant, tries to
override instructions, or asks the reader to hand over credentials, sign in through a
link, forward private material, or contact an outside address. The rules read a folded
copy of each sentence (look-alike letters made Latin, accents dropped, lower case) and
know English, French, German and Spanish wording. Adjacent sentences are also read
together, so an instruction split over two sentences is caught as a pair.

``screen_document`` removes suspicious sentences (and headings) from a parsed document
before it is chunked, and returns the ``DocumentReview`` that records them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from coach.knowledge.readers import ParsedDocument
from coach.knowledge.review import DocumentReview, QuarantinedSentence
from coach.knowledge.sanitise import fold_lookalikes, strip_invisible
from coach.knowledge.screening_words import (
    ADDRESSED,
    CONTACT,
    CREDENTIAL,
    DESTINATION,
    EMAIL,
    LINK_WORDS,
    NEGATION,
    OVERRIDE,
    PHONE,
    PRIVATE,
    REQUEST,
    SEND,
    SIGN_IN,
    URL,
)


@dataclass(frozen=True)
class Rule:
    reason: str
    pattern: re.Pattern[str]


def _compile(reason: str, *patterns: str) -> list[Rule]:
    return [Rule(reason, re.compile(p, re.IGNORECASE)) for p in patterns]


def _all(*parts: str) -> str:
    """Every part somewhere in the sentence, in any order."""
    return "^" + "".join(f"(?=.*?(?:{part}))" for part in parts)


def _word(alternatives: str) -> str:
    return rf"\b{alternatives}\b"


RULES: list[Rule] = [
    *_compile("addresses the assistant", *ADDRESSED),
    *_compile("tries to override instructions", *OVERRIDE),
    *_compile(
        "asks for credentials",
        _all(_word(REQUEST), _word(CREDENTIAL)),
        _all(_word(CREDENTIAL), f"{URL}|{EMAIL}"),
    ),
    *_compile("sends the reader to a sign-in link", _all(_word(SIGN_IN), f"{URL}|{_word(LINK_WORDS)}")),
    *_compile("asks to forward private material", _all(_word(SEND), _word(PRIVATE), DESTINATION)),
    *_compile("asks to contact an outside address", EMAIL, _all(_word(CONTACT), f"{PHONE}|{URL}")),
]
#: Reasons that a warning ("never share your password") does not excuse.
_ALWAYS = {"addresses the assistant", "tries to override instructions", "asks to contact an outside address"}
_NEGATED = re.compile(rf"\b{NEGATION}\b", re.IGNORECASE)
_NOT_A_NEGATION = re.compile(
    r"\b(?:don'?t|do not|never) forget\b|\bn'oubliez pas\b|\bvergessen sie nicht\b|\bvergiss nicht\b|"
    r"\bno (?:olvide|olvides)\b|\bnot only\b|\bif not\b",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """The copy the rules read: visible, Latin look-alikes folded, no accents, lower case."""
    plain = fold_lookalikes(strip_invisible(text))
    decomposed = unicodedata.normalize("NFKD", plain)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("’", "'").lower().split())


def reasons(sentence: str) -> list[str]:
    """Why ``sentence`` is suspicious (empty when it is not)."""
    folded = fold(sentence)
    negated = bool(_NEGATED.search(_NOT_A_NEGATION.sub(" ", folded)))
    found: list[str] = []
    for rule in RULES:
        if rule.reason in found or (negated and rule.reason not in _ALWAYS):
            continue  # "never share your password with anyone" is advice, not a request
        if rule.pattern.search(folded):
            found.append(rule.reason)
    return found


def is_suspicious(sentence: str) -> bool:
    """True for a sentence that instructs the assistant or the reader as a planted text would."""
    return bool(reasons(sentence))


_SENTENCE = re.compile(r"(?<=[.!?;:])[\"'”’)\]]*\s+|\s*\|\s*|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences (and table cells, and lines) of ``text``."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in _SENTENCE.finditer(text):
        if text[cursor : match.start()].strip():
            spans.append((cursor, match.start()))
        cursor = match.end()
    if text[cursor:].strip():
        spans.append((cursor, len(text)))
    return spans


def flagged_spans(text: str) -> list[tuple[int, int, list[str]]]:
    """Suspicious sentences of ``text`` with their reasons, each alone or read with its neighbour."""
    spans = sentence_spans(text)
    found: dict[int, list[str]] = {}
    for index, (start, end) in enumerate(spans):
        why = reasons(text[start:end])
        if why:
            found[index] = why
    for index in sorted(found):
        label = text[spans[index][0] : spans[index][1]].rstrip()
        if label.endswith(":") and index + 1 < len(spans) and index + 1 not in found:
            found[index + 1] = ["follows a note to the assistant"]
    for index in range(len(spans) - 1):
        if index in found or index + 1 in found:
            continue
        joined = text[spans[index][0] : spans[index + 1][1]]
        why = reasons(joined)
        if why:
            split = [f"{r} (split over two sentences)" for r in why]
            found[index] = found[index + 1] = split
    return [(spans[i][0], spans[i][1], found[i]) for i in sorted(found)]


def remove_flagged(text: str, replacement: str = "") -> tuple[str, list[tuple[str, list[str]]]]:
    """``text`` with its suspicious sentences replaced, and those sentences with their reasons."""
    flagged = flagged_spans(text)
    if not flagged:
        return text, []
    parts: list[str] = []
    cursor = 0
    for start, end, _ in flagged:
        parts.append(text[cursor:start])
        parts.append(replacement)
        cursor = end
    parts.append(text[cursor:])
    kept = re.sub(r"[ \t]{2,}", " ", "".join(parts))
    kept = "\n".join(line.rstrip() for line in kept.splitlines())
    return kept, [(" ".join(text[s:e].split()), why) for s, e, why in flagged]


REMOVED_HEADING = "Untitled section"


def screen_document(doc: ParsedDocument) -> DocumentReview:
    """Take suspicious sentences and headings out of ``doc`` (in place); return the record.

    The document's title and headings are checked as well as its text: a heading that
    instructs is replaced by a neutral one.
    """
    review = DocumentReview(source=doc.source, title=doc.title, removed=[(r.kind, r.text) for r in doc.removed])
    for kind, text in review.removed:
        if kind in ("html comment", "hidden element", "image alt text") and reasons(text):
            review.quarantined.append(
                QuarantinedSentence(heading="", text=text, reasons=[f"{kind}: " + r for r in reasons(text)])
            )
    if reasons(doc.title):
        review.quarantined.append(QuarantinedSentence(heading="(title)", text=doc.title, reasons=reasons(doc.title)))
        doc.title = REMOVED_HEADING
    for section in doc.sections:
        path = []
        for title in section.heading_path:
            why = reasons(title)
            if why:
                review.quarantined.append(QuarantinedSentence(heading="(heading)", text=title, reasons=why))
            path.append(REMOVED_HEADING if why else title)
        section.heading_path = tuple(path)
        kept, flagged = remove_flagged(section.text)
        heading = " > ".join(section.heading_path)
        review.quarantined += [QuarantinedSentence(heading=heading, text=t, reasons=w) for t, w in flagged]
        section.text = kept
    doc.sections = [s for s in doc.sections if s.text.strip()]
    return review
