"""The debrief after a practice conversation: scores per turn, progress, one tip, sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from coach.ports import Retriever
from coach.schemas import Citation

if TYPE_CHECKING:
    from coach.flows.feedback.scoring import FeedbackScore

DEBRIEF_CRITERIA = ("situation", "behavior", "impact", "request", "respect")
# Criterion ids are data keys (American spelling); the words shown to people are British.
CRITERION_WORDS = {"behavior": "behaviour"}


def criterion_word(criterion: str) -> str:
    """The criterion as written in user-facing text, e.g. ``behaviour`` for the ``behavior`` key."""
    return CRITERION_WORDS.get(criterion, criterion)


SBI_PARTS = DEBRIEF_CRITERIA[:4]
REACTION_WORDS = {
    "ask_example": "asked for an example",
    "ask_impact": "asked about the impact",
    "ask_request": "asked what you wanted",
    "defensive": "got defensive",
    "engage": "committed",
    "partial": "accepted part of it",
    "hard_pushback": "pushed back",
}
GUIDANCE_SOURCES = ("upward-feedback-sbi.md", "feedback-tact-and-tone.md")
MAX_CITATIONS = 3
CANDIDATES = 12  # passages retrieved before keeping those from the feedback guides


class DebriefTurn(BaseModel):
    """One turn of the practice, as the scorer saw it."""

    turn: int
    overall: int
    level: str
    reaction: str
    scores: dict[str, int]
    quotes: dict[str, str] = Field(description="Criterion -> the words of the turn that earned its score.")


class ConversationScore(BaseModel):
    """The practice judged as one piece of feedback delivered over several turns."""

    parts: dict[str, int] = Field(description="Best level of each SBI part reached in any turn.")
    respect: int = Field(description="The lowest respect level of any turn: one attack marks the conversation.")
    delivered_at: dict[str, int | None] = Field(description="The turn at which each part reached its best level.")
    in_order: bool = Field(description="The parts arrived in Situation, Behaviour, Impact, Request order.")
    overall: int
    level: str
    reactions: list[str]


class Debrief(BaseModel):
    """What went well, what improved, and one thing to try next time."""

    turns: list[DebriefTurn]
    improved: list[str] = Field(description="Criteria whose score rose from one turn to a later one.")
    try_next: str
    citations: list[Citation]
    summary: str
    conversation: ConversationScore | None = Field(default=None, description="The conversation as a whole.")


def build_debrief(
    scored: list[tuple[FeedbackScore, str]],
    persona_name: str,
    engaged_at: int | None,
    retriever: Retriever | None = None,
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
    whole = conversation_score(turns) if turns else None
    weakest = weakest_part(whole) if whole else DEBRIEF_CRITERIA[0]
    try_next = _try_next(weakest, whole) if whole else ""
    citations = guidance_citations(weakest, retriever) if retriever is not None and scored else []
    return Debrief(
        turns=turns,
        improved=improved,
        try_next=try_next,
        citations=citations,
        summary=_summary(turns, persona_name, engaged_at, improved, weakest, whole),
        conversation=whole,
    )


def conversation_score(turns: list[DebriefTurn]) -> ConversationScore:
    """Credit each SBI part at the best level any turn reached, so feedback split across turns counts.

    Respect is the lowest of any turn. ``delivered_at`` is the first turn that reached the
    part's best level; the parts are in order when those turns never go backwards in SBI order.
    """
    parts = {p: max(t.scores[p] for t in turns) for p in SBI_PARTS}
    respect = min(t.scores["respect"] for t in turns)
    delivered_at: dict[str, int | None] = {
        p: next(t.turn for t in turns if t.scores[p] == parts[p]) if parts[p] else None for p in SBI_PARTS
    }
    arrived = [turn for turn in (delivered_at[p] for p in SBI_PARTS) if turn is not None]
    in_order = all(a <= b for a, b in zip(arrived, arrived[1:], strict=False))
    overall = round(100 * (sum(parts.values()) + respect) / (2 * len(DEBRIEF_CRITERIA)))
    from coach.flows.feedback.scoring import level_for

    return ConversationScore(
        parts=parts,
        respect=respect,
        delivered_at=delivered_at,
        in_order=in_order,
        overall=overall,
        level=level_for(overall),
        reactions=[t.reaction for t in turns],
    )


def weakest_part(whole: ConversationScore) -> str:
    """The conversation's lowest criterion (ties go to the earlier one in SBI order)."""
    levels = {**whole.parts, "respect": whole.respect}
    return min(DEBRIEF_CRITERIA, key=lambda c: (levels[c], DEBRIEF_CRITERIA.index(c)))


def _try_next(weakest: str, whole: ConversationScore) -> str:
    from coach.flows.feedback.scoring import load_rubric

    levels = {**whole.parts, "respect": whole.respect}
    if levels[weakest] == 2:
        if not whole.in_order:
            return "Order: give the moment, what you saw and its effect before you ask for the change."
        return "Keep this shape: the moment, what you saw, its effect, then one concrete request."
    tips = {c["id"]: c["tip"] for c in load_rubric()["criteria"]}
    return f"{criterion_word(weakest).capitalize()}: {tips[weakest]}"


def _delivery(whole: ConversationScore) -> str:
    by_turn: dict[int, list[str]] = {}
    for part in SBI_PARTS:
        turn = whole.delivered_at[part]
        if turn is not None:
            by_turn.setdefault(turn, []).append(part)
    if not by_turn:
        return "No part of situation, behaviour, impact or request came through yet."
    said = "; ".join(
        f"{' and '.join(map(criterion_word, parts))} at turn {turn}" for turn, parts in sorted(by_turn.items())
    )
    order = "in SBI order" if whole.in_order else "out of SBI order"
    return f"Across the conversation: {said} ({order}); conversation score {whole.overall}/100 ({whole.level})."


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


def guidance_citations(criterion: str, retriever: Retriever) -> list[Citation]:
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
    turns: list[DebriefTurn],
    persona_name: str,
    engaged_at: int | None,
    improved: list[str],
    weakest: str,
    whole: ConversationScore | None = None,
) -> str:
    if not turns or whole is None:
        return f"No turns were practised with {persona_name}."
    first = persona_name.split()[0]
    parts = [f"{len(turns)} turn{'s' if len(turns) != 1 else ''} with {persona_name}.", _delivery(whole)]
    reactions = ", ".join(f"{REACTION_WORDS.get(r, r)} (turn {i})" for i, r in enumerate(whole.reactions, 1))
    parts.append(f"{first} {reactions}.")
    if engaged_at:
        parts.append(f"{first} committed to a change at turn {engaged_at}.")
    else:
        parts.append(f"{first} did not commit to a change yet.")
    if improved:
        parts.append("Improved from turn to turn: " + ", ".join(map(criterion_word, improved)) + ".")
    parts.append(f"Weakest: {criterion_word(weakest)}.")
    return " ".join(parts)
