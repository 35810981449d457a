"""The debrief after a practice conversation: scores per turn, progress, one tip, sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field

from coach.schemas import Citation, Passage

if TYPE_CHECKING:
    from coach.flows.feedback import FeedbackScore

DEBRIEF_CRITERIA = ("situation", "behavior", "impact", "request", "respect")
GUIDANCE_SOURCES = ("upward-feedback-sbi.md", "feedback-tact-and-tone.md")
MAX_CITATIONS = 3
CANDIDATES = 12  # passages retrieved before keeping those from the feedback guides


class PassageRetriever(Protocol):
    """What the debrief needs of a retriever (``HybridRetriever`` fits)."""

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]: ...


class DebriefTurn(BaseModel):
    """One turn of the practice, as the scorer saw it."""

    turn: int
    overall: int
    level: str
    reaction: str
    scores: dict[str, int]
    quotes: dict[str, str] = Field(description="Criterion -> the words of the turn that earned its score.")


class Debrief(BaseModel):
    """What went well, what improved, and one thing to try next time."""

    turns: list[DebriefTurn]
    improved: list[str] = Field(description="Criteria whose score rose from one turn to a later one.")
    try_next: str
    citations: list[Citation]
    summary: str


def build_debrief(
    scored: list[tuple[FeedbackScore, str]],
    persona_name: str,
    engaged_at: int | None,
    retriever: PassageRetriever | None = None,
) -> Debrief:
    """Summarise a practice conversation.

    Args:
        scored: Per turn, the scorer's result and the persona's reaction.
        persona_name: Who the mentor practised with.
        engaged_at: The 1-based turn at which the persona committed, if it did.
        retriever: Optional; when given, guidance passages from the feedback guides are cited.
    """
    turns = [
        DebriefTurn(
            turn=i,
            overall=score.overall,
            level=score.level,
            reaction=reaction,
            scores={c: int(score.criteria[c].score) for c in DEBRIEF_CRITERIA},
            quotes={c: score.criteria[c].evidence or "" for c in DEBRIEF_CRITERIA if score.criteria[c].evidence},
        )
        for i, (score, reaction) in enumerate(scored, start=1)
    ]
    improved = improved_criteria(turns)
    weakest = weakest_criterion(turns)
    tip = scored[-1][0].criteria[weakest].tip if scored else ""
    try_next = f"{weakest.capitalize()}: {tip}" if tip else ""
    citations = guidance_citations(weakest, retriever) if retriever is not None and scored else []
    return Debrief(
        turns=turns, improved=improved, try_next=try_next, citations=citations,
        summary=_summary(turns, persona_name, engaged_at, improved, weakest),
    )


def improved_criteria(turns: list[DebriefTurn]) -> list[str]:
    """Criteria (rubric order) whose score in some turn beat their score in an earlier turn."""
    rose = []
    for criterion in DEBRIEF_CRITERIA:
        best_so_far = None
        for turn in turns:
            value = turn.scores[criterion]
            if best_so_far is not None and value > best_so_far:
                rose.append(criterion)
                break
            best_so_far = value if best_so_far is None else min(best_so_far, value)
    return rose


def weakest_criterion(turns: list[DebriefTurn]) -> str:
    """The criterion with the lowest mean score (ties go to the earlier one in SBI order)."""
    if not turns:
        return DEBRIEF_CRITERIA[0]
    means = {c: sum(t.scores[c] for t in turns) / len(turns) for c in DEBRIEF_CRITERIA}
    return min(DEBRIEF_CRITERIA, key=lambda c: (means[c], DEBRIEF_CRITERIA.index(c)))


def guidance_citations(criterion: str, retriever: PassageRetriever) -> list[Citation]:
    """Passages from the feedback guides about ``criterion``."""
    query = f"upward feedback to a senior leader: how to improve the {criterion} part (situation behavior impact)"
    from coach.errors import CoachError

    try:
        passages = retriever.retrieve(query, k=CANDIDATES)
    except CoachError:  # no index yet: the debrief still stands without sources
        return []
    chosen = [p for p in passages if p.source.rsplit("/", 1)[-1] in GUIDANCE_SOURCES][:MAX_CITATIONS]
    return [Citation.from_passage(p) for p in chosen]


def _summary(
    turns: list[DebriefTurn], persona_name: str, engaged_at: int | None, improved: list[str], weakest: str
) -> str:
    if not turns:
        return f"No turns were practised with {persona_name}."
    first, last = turns[0].overall, turns[-1].overall
    parts = [f"{len(turns)} turn{'s' if len(turns) != 1 else ''} with {persona_name}; overall {first} -> {last}."]
    if engaged_at:
        parts.append(f"{persona_name.split()[0]} committed to a change at turn {engaged_at}.")
    else:
        parts.append(f"{persona_name.split()[0]} did not commit to a change yet.")
    if improved:
        parts.append("Improved: " + ", ".join(improved) + ".")
    parts.append(f"Weakest on average: {weakest}.")
    return " ".join(parts)
