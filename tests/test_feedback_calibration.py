"""Calibration gate for the feedback scorer on the held-out test split."""

from __future__ import annotations

import pytest

from coach.config import PROJECT_ROOT
from coach.evaluation.calibration import CRITERIA, evaluate_feedback, load_jsonl

TARGET_ACCURACY = 0.8


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("criterion", CRITERIA)
def test_feedback_scorer_meets_target_on_test_split(embedder: object, criterion: str) -> None:
    rows = load_jsonl(PROJECT_ROOT / "eval" / "datasets" / "feedback_utterances.jsonl", "test")
    report = _report(rows, embedder)
    assert report.accuracy[criterion] >= TARGET_ACCURACY, (criterion, report.accuracy[criterion])


_CACHE: dict[int, object] = {}


def _report(rows: list[dict[str, object]], embedder: object):  # type: ignore[no-untyped-def]
    key = id(embedder)
    if key not in _CACHE:
        _CACHE[key] = evaluate_feedback(rows, embedder=embedder)  # type: ignore[arg-type]
    return _CACHE[key]
