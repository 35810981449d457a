"""Feedback advice: SBI-ordered rewrites, "nothing to change" for complete drafts, two tips at most."""

from __future__ import annotations

import pytest

from coach.config import PROJECT_ROOT
from coach.evaluation.calibration import load_jsonl
from coach.evaluation.voice import rewrite_in_order
from coach.flows.feedback.advice import MAX_TIPS, select_tips, slot_of
from coach.flows.feedback.scoring import score_feedback

COMPLETE = (
    "Thanks for making time today. In Tuesday's pricing review you said 'we're not discussing this' when Sam "
    "raised the discount issue. I felt the team stopped sharing concerns after that. I know you wanted to keep "
    "us on schedule, so next time could we park it in the notes and come back to it at the end?"
)
REQUEST_FIRST = (
    "Could we agree that in future steering meetings you give me five minutes for the data update without "
    "interruptions? Last time I didn't get to finish and the decision went ahead without the numbers."
)


def test_request_sentence_goes_to_the_request_slot() -> None:
    assert slot_of(0, {"situation": 0, "behavior": 10, "impact": 10, "request": 0}) == "request"
    assert slot_of(10, {"situation": 0, "behavior": 10, "impact": 10, "request": 0}) == "behavior"


class _C:
    def __init__(self, score: int, tip: str) -> None:
        self.score, self.tip = score, tip


def test_tips_are_the_two_lowest_in_priority_order() -> None:
    criteria = {
        c: _C(s, c) for c, s in {"situation": 0, "behavior": 0, "impact": 1, "request": 0, "respect": 2}.items()
    }
    assert select_tips(criteria, [], complete=False) == ["behavior", "request"]
    criteria["respect"] = _C(1, "respect")
    assert select_tips(criteria, [], complete=True) == ["respect"]


@pytest.mark.slow
def test_complete_feedback_is_left_alone(embedder: object) -> None:
    score = score_feedback(COMPLETE, embedder=embedder)  # type: ignore[arg-type]
    assert score.overall == 100
    assert score.nothing_to_change
    assert score.rewrite == COMPLETE
    assert len(score.tips) <= 1


@pytest.mark.slow
def test_a_request_never_moves_to_the_front(embedder: object) -> None:
    score = score_feedback(REQUEST_FIRST, embedder=embedder)  # type: ignore[arg-type]
    assert not score.nothing_to_change
    assert score.rewrite.startswith("Last time")
    assert score.rewrite.rstrip().endswith("interruptions?")
    assert rewrite_in_order(score)


@pytest.mark.slow
def test_voice_drafts_get_ordered_rewrites_and_few_tips(embedder: object) -> None:
    rows = load_jsonl(PROJECT_ROOT / "eval" / "datasets" / "user_voice_feedback.jsonl", "dev")
    for row in rows:
        score = score_feedback(row["text"], embedder=embedder)  # type: ignore[arg-type]
        assert len(score.tips) <= MAX_TIPS, row["text"]
        assert rewrite_in_order(score), (row["text"], score.rewrite)


def test_rules_only_path_also_limits_tips() -> None:
    score = score_feedback("you always take over meetings. it's really annoying.")
    assert len(score.tips) == MAX_TIPS
    assert not score.nothing_to_change
