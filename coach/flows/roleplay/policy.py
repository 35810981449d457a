"""How a practice persona reacts to each scored turn, given the conversation so far.

The policy is deterministic and reads only the feedback scorer's result for the turn and
the state of the conversation (which SBI parts were already supplied, whether the
persona has resisted or committed, how many turns went nowhere). Difficulty changes it:

* easy: engages on *developing* feedback (every part at least partly there);
* normal: engages when the moment is specific and every part is there, at most one of
  them only partly;
* hard: as normal, but if the persona has not yet challenged the mentor when complete
  feedback arrives, it pushes back once (``hard_pushback``) before engaging, and it runs
  out of patience (turns defensive) after fewer turns that add nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from coach.flows.feedback.scoring import FeedbackScore

Reaction = Literal["ask_example", "ask_impact", "ask_request", "defensive", "engage", "partial", "hard_pushback"]
Difficulty = Literal["easy", "normal", "hard"]
PARTS = ("situation", "behavior", "impact", "request")
# The level at which a part counts as supplied. Behaviour and impact are often only
# implied in good feedback ("you answered for him", "people stopped asking"), so the
# scorer's partial credit is enough; the moment and the request must be concrete.
SUPPLIED_AT = {"situation": 2, "behavior": 1, "impact": 1, "request": 2}
ASK_FOR = {"situation": "ask_example", "behavior": "ask_example", "impact": "ask_impact", "request": "ask_request"}
READY_TOTAL = 7  # of 8: every part present, at most one of them only partly
_QUOTED = re.compile(r"(?<![A-Za-z])['\"‘“][^'\"’”]{2,}['\"’”](?![A-Za-z])")


@dataclass
class ConversationState:
    """What the persona remembers of the conversation."""

    supplied: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    evidence: dict[str, str] = field(default_factory=dict)
    resisted: bool = False
    pushed_back: bool = False
    engaged: bool = False
    stalls: int = 0
    reactions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    """The reaction to one turn, and why (for the scorecard and tests)."""

    reaction: Reaction
    closing: bool
    reason: str
    impatient: bool = False


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of quoted speech in ``text`` (the mentor repeating the leader's own words)."""
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def is_disrespectful(score: FeedbackScore, text: str) -> bool:
    """Personal attacks, generational stereotyping, or a respect score of 0.

    Stereotype flags inside quotation marks are the mentor quoting the leader ("you
    called the graduates 'the kids'"), which is not the mentor stereotyping.
    """
    if any(issue.kind == "personal_attack" for issue in score.issues):
        return True
    spans = quoted_spans(text)
    own_flags = [f for f in score.stereotype_flags if not any(f.start < e and s < f.end for s, e in spans)]
    if own_flags:
        return True
    quoted_only = bool(score.stereotype_flags) and not own_flags
    return score.criteria["respect"].score == 0 and not quoted_only


def is_vague(score: FeedbackScore) -> bool:
    """A 'needs work' turn with nothing concrete: no moment with its behaviour, no clear effect or request."""
    c = score.criteria
    concrete = (c["situation"].score == 2 and c["behavior"].score == 2) or any(
        c[part].score == 2 for part in ("behavior", "impact", "request")
    )
    return score.level == "needs work" and not concrete


def is_partial_shape(score: FeedbackScore) -> bool:
    """A generalised turn that still names a behaviour or effect and a (soft) request."""
    c = score.criteria
    return c["situation"].score < 2 and c["request"].score == 1 and (c["behavior"].score >= 1 or c["impact"].score >= 1)


def is_ready(supplied: dict[str, int], difficulty: Difficulty) -> bool:
    """Whether the feedback supplied so far is enough for this difficulty to commit."""
    if difficulty == "easy":
        return all(supplied[p] >= 1 for p in PARTS)
    return all(supplied[p] >= SUPPLIED_AT[p] for p in PARTS) and sum(supplied.values()) >= READY_TOTAL


def missing_part(supplied: dict[str, int]) -> str | None:
    """The first part, in SBI order, not yet supplied."""
    for part in PARTS:
        if supplied[part] < SUPPLIED_AT[part]:
            return part
    return None


def decide(
    score: FeedbackScore, text: str, state: ConversationState, difficulty: Difficulty, patience: int
) -> Decision:
    """Choose the persona's reaction to one scored turn and update ``state``.

    Args:
        score: The feedback scorer's result for this turn.
        text: The turn as the mentor wrote it.
        state: The conversation so far; updated in place.
        difficulty: easy, normal or hard.
        patience: Turns in a row that add nothing the persona tolerates before turning defensive.

    Returns:
        The reaction, whether the reply should be a closing line, and a short reason.
    """
    decision = _decide(score, text, state, difficulty, patience)
    state.reactions.append(decision.reaction)
    if decision.reaction != "engage":
        state.resisted = True
    return decision


def _decide(
    score: FeedbackScore, text: str, state: ConversationState, difficulty: Difficulty, patience: int
) -> Decision:
    # Even an offending turn is heard: its content counts towards what was supplied.
    progress = _merge(score, state, vague=is_vague(score))
    if is_disrespectful(score, text):
        return Decision("defensive", False, "the turn judges the person or their age rather than a behaviour")
    if state.engaged:
        return Decision("engage", True, "the persona has already committed; it closes the conversation")
    state.stalls = 0 if progress else state.stalls + 1
    # A commitment needs a request the persona can commit to, not only enough points.
    if is_ready(state.supplied, difficulty) and state.evidence.get("request"):
        if difficulty == "hard" and not state.resisted and not state.pushed_back:
            state.pushed_back = True
            return Decision("hard_pushback", False, "complete feedback, but on hard the persona pushes back once first")
        state.engaged = True
        return Decision("engage", False, "situation, behaviour, impact and a request are all there")
    if state.stalls > patience:
        state.stalls = 0
        return Decision("defensive", False, "several turns added nothing new; the persona ran out of patience", True)
    if is_partial_shape(score):
        return Decision("partial", False, "a generalised point with a soft request; no specific moment yet")
    if is_vague(score):
        return Decision("ask_example", False, "no specific moment or behaviour to recognise")
    part = missing_part(state.supplied) or "request"
    return Decision(ASK_FOR[part], False, f"{part} is still missing")  # type: ignore[arg-type]


def _merge(score: FeedbackScore, state: ConversationState, vague: bool) -> bool:
    """Fold this turn's parts into the conversation; True if any part improved."""
    progress = False
    for part in PARTS:
        criterion = score.criteria[part]
        # A vague turn only hints at the moment and behaviour; its claims about effects
        # and its requests are not attached to anything yet, so they are not remembered.
        if vague and part in ("impact", "request"):
            continue
        level = min(criterion.score, 1) if vague else criterion.score
        if level > state.supplied[part]:
            state.supplied[part] = level
            progress = True
            if criterion.evidence:
                state.evidence[part] = criterion.evidence
    return progress
