"""Calibration gates: the flows must meet their targets on the held-out test splits.

These load the project's labelled datasets and run the real checkers; they fail when a
change makes the measured quality drop below the target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT
from coach.evaluation.calibration import (
    accuracy,
    cohen_kappa,
    evaluate_stereotypes,
    load_jsonl,
    precision_recall_f1,
    spearman,
)

DATASETS = PROJECT_ROOT / "eval" / "datasets"


@pytest.mark.parametrize(
    ("gold", "pred", "weights", "expected"),
    [
        ([0, 1, 2, 2], [0, 1, 2, 2], "quadratic", 1.0),
        ([0, 0, 1, 1], [1, 1, 0, 0], "none", -1.0),
        ([0, 1, 2], [0, 2, 1], "linear", 0.25),
        ([1, 1], [1, 1], "quadratic", 1.0),
    ],
)
def test_cohen_kappa(gold: list[int], pred: list[int], weights: str, expected: float) -> None:
    assert cohen_kappa(gold, pred, weights=weights) == pytest.approx(expected)  # type: ignore[arg-type]


def test_binary_metrics_and_accuracy() -> None:
    scores = precision_recall_f1([1, 1, 0, 0], [1, 0, 1, 0])
    assert (scores.precision, scores.recall, scores.f1) == (0.5, 0.5, 0.5)
    assert accuracy([1, 2, 3], [1, 2, 0]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="Length mismatch"):
        accuracy([1], [])


def test_spearman_handles_ties() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 2, 3], [3, 2, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) == 0.0


@pytest.mark.integration
@pytest.mark.slow
def test_stereotype_checker_meets_targets_on_test_split(embedder: object) -> None:
    rows = load_jsonl(Path(DATASETS / "stereotype_statements.jsonl"), "test")
    report = evaluate_stereotypes(rows, embedder=embedder)  # type: ignore[arg-type]
    scores = report.scores
    assert scores.precision >= 0.8, scores
    assert scores.recall >= 0.8, scores
    assert scores.f1 >= 0.85, scores
