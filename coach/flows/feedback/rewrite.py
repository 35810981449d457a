"""The suggested SBI rewrite: the writer's own sentences in Situation, Behaviour, Impact, Request order.

Nothing is invented: sentences are reused (minus filler hedges), missing parts become
bracketed placeholders, and sentences that attack the person or generalise about age
are left out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from coach.flows.feedback.advice import SBI_PARTS, slot_of
from coach.text import QUOTED, Sentence

if TYPE_CHECKING:
    from coach.flows.feedback.scoring import FeedbackIssue
    from coach.flows.stereotypes.check import StereotypeFlag

PLACEHOLDERS = {
    "situation": "[When exactly? Name the meeting or moment.]",
    "behavior": "[What exactly did they say or do? Describe it as a camera would.]",
    "impact": "[What effect did it have, on you, the team or the work?]",
    "request": "[What would you like them to try, and when?]",
}
_SHARPEN = {
    "situation": "[Which occasion, and when?]",
    "impact": "[Who was affected, and how?]",
    "request": "[What exactly, and by when?]",
}
_DROPPABLE_HEDGES = re.compile(
    r"\b(?:sorry|just|maybe|perhaps|sort of|kind of|possibly|i guess|um|erm|no pressure)\b,?\s*", re.IGNORECASE
)


def build_rewrite(
    sentences: list[Sentence],
    best: dict[str, tuple[int, Sentence | None]],
    issues: list[FeedbackIssue],
    flags: list[StereotypeFlag],
) -> str:
    """An SBI version of the feedback from the writer's own sentences, with placeholders for gaps.

    Nothing is invented: sentences are reused (minus filler hedges), missing parts become
    bracketed placeholders, and sentences that attack the person or generalise about age
    are left out. The parts always come in Situation, Behaviour, Impact, Request order: a
    sentence that carries the request is placed last even when it also names the moment
    (``feedback_advice.slot_of``).
    """
    excluded = {s.start for s in sentences if _is_excluded(s, issues, flags)}
    evidence: dict[str, int | None] = {}
    for criterion in SBI_PARTS:
        level, sentence = best[criterion]
        usable = sentence is not None and level > 0 and sentence.start not in excluded
        evidence[criterion] = sentence.start if usable and sentence is not None else None
    parts: list[str] = []
    ack_level, ack = best["respect"]
    if ack is not None and ack_level == 2 and ack.start not in excluded and ack.start not in evidence.values():
        parts.append(_clean(ack.text))
    emitted: set[int] = set()
    for criterion in SBI_PARTS:
        level, sentence = best[criterion]
        start = evidence[criterion]
        if start is None or sentence is None:
            parts.append(PLACEHOLDERS[criterion])
            continue
        if slot_of(start, evidence) == criterion and start not in emitted:
            parts.append(_clean(sentence.text))
            emitted.add(start)
        if level == 1 and criterion in _SHARPEN:
            parts.append(_SHARPEN[criterion])
    return " ".join(p for p in parts if p)


def _is_excluded(sentence: Sentence, issues: list[FeedbackIssue], flags: list[StereotypeFlag]) -> bool:
    if any(sentence.start <= f.start < sentence.end for f in flags):
        return True
    return any(i.kind in ("personal_attack", "age_coded") and i.span in sentence.text for i in issues)


def _clean(sentence: str) -> str:
    if QUOTED.search(sentence):  # never alter quoted speech
        return sentence
    cleaned = _DROPPABLE_HEDGES.sub("", sentence).strip(" ,")
    if not cleaned:
        return sentence
    return cleaned[0].upper() + cleaned[1:]
