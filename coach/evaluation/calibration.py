"""Calibration metrics for the feedback scorer and the stereotype checker.

Pure functions over label lists (no numpy required by callers), plus loaders and runners
that apply a flow to a labelled dataset split. The eval suite and ``bench/calibrate.py``
both use them, so every reported figure is computed one way.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from coach.ports import Embedder

CRITERIA = ("situation", "behavior", "impact", "request", "respect")


def accuracy(gold: Sequence[Any], predicted: Sequence[Any]) -> float:
    """Share of positions where ``predicted[i] == gold[i]`` (0.0 for empty input).

    Raises:
        ValueError: If the sequences differ in length.
    """
    _same_length(gold, predicted)
    if not gold:
        return 0.0
    return sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold)


def cohen_kappa(
    gold: Sequence[int],
    predicted: Sequence[int],
    labels: Sequence[int] = (0, 1, 2),
    weights: Literal["none", "linear", "quadratic"] = "quadratic",
) -> float:
    """Cohen's kappa between two raters on ordinal labels.

    ``kappa = 1 - sum(w * O) / sum(w * E)`` where ``O`` is the observed confusion matrix
    (proportions), ``E`` the outer product of the two raters' marginal proportions, and
    ``w[i][j]`` the disagreement weight: ``0/1`` for ``"none"``, ``|i-j|/(k-1)`` for
    ``"linear"`` and ``((i-j)/(k-1))**2`` for ``"quadratic"`` (``k`` = number of labels).
    Returns 1.0 when both raters use one identical label throughout (no disagreement
    possible) and 0.0 when expected disagreement is zero otherwise.
    """
    _same_length(gold, predicted)
    k = len(labels)
    index = {label: i for i, label in enumerate(labels)}
    n = len(gold)
    if n == 0:
        return 0.0
    observed = [[0.0] * k for _ in range(k)]
    for g, p in zip(gold, predicted, strict=True):
        observed[index[g]][index[p]] += 1.0 / n
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def weight(i: int, j: int) -> float:
        if weights == "none":
            return 0.0 if i == j else 1.0
        distance = abs(i - j) / max(k - 1, 1)
        return distance if weights == "linear" else distance**2

    num = sum(weight(i, j) * observed[i][j] for i in range(k) for j in range(k))
    den = sum(weight(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k))
    if den == 0.0:
        return 1.0 if num == 0.0 else 0.0
    return 1.0 - num / den


@dataclass(frozen=True)
class BinaryScores:
    """Precision, recall and F1 of the positive class, with the confusion counts."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int


def precision_recall_f1(gold: Sequence[bool | int], predicted: Sequence[bool | int]) -> BinaryScores:
    """Binary metrics for the positive class (truthy = positive).

    ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
    ``f1 = 2 * precision * recall / (precision + recall)``; each is 0.0 when its
    denominator is zero.
    """
    _same_length(gold, predicted)
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, predicted, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g and not p)
    tn = len(gold) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BinaryScores(precision, recall, f1, tp, fp, fn, tn)


def rank(values: Sequence[float]) -> list[float]:
    """1-based ranks with ties given the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho: the Pearson correlation of the tie-averaged ranks of ``x`` and ``y``.

    Returns 0.0 when either side is constant (the correlation is undefined).
    """
    _same_length(x, y)
    rx, ry = rank(x), rank(y)
    n = len(rx)
    if n < 2:
        return 0.0
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return 0.0
    return cov / math.sqrt(vx * vy)


def _same_length(a: Sequence[Any], b: Sequence[Any]) -> None:
    if len(a) != len(b):
        raise ValueError(f"Length mismatch: {len(a)} gold labels but {len(b)} predictions.")


# --- datasets ------------------------------------------------------------------------------


def load_jsonl(path: Path, split: str | None = None) -> list[dict[str, Any]]:
    """Rows of a JSON-lines dataset, optionally only those whose ``split`` matches."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def load_csv_column(path: Path, column: str, where: Callable[[dict[str, str]], bool] | None = None) -> list[str]:
    """One column of a CSV file, optionally filtered row by row."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle) if where is None or where(row)]


# --- runners -------------------------------------------------------------------------------


@dataclass
class FeedbackReport:
    """Per-criterion accuracy and quadratic-weighted kappa on one split."""

    split: str
    n: int
    accuracy: dict[str, float]
    kappa: dict[str, float]


def evaluate_feedback(
    rows: Sequence[dict[str, Any]], embedder: Embedder | None = None, split: str = ""
) -> FeedbackReport:
    """Score every row with ``score_feedback`` and compare with ``row['labels']``.

    Kappa is quadratic-weighted over the labels 0, 1, 2.
    """
    from coach.flows.feedback.scoring import score_feedback

    predicted = [score_feedback(r["text"], embedder=embedder) for r in rows]
    acc: dict[str, float] = {}
    kap: dict[str, float] = {}
    for criterion in CRITERIA:
        gold = [int(r["labels"][criterion]) for r in rows]
        pred = [int(p.criteria[criterion].score) for p in predicted]
        acc[criterion] = accuracy(gold, pred)
        kap[criterion] = cohen_kappa(gold, pred, weights="quadratic")
    return FeedbackReport(split, len(rows), acc, kap)


@dataclass
class StereotypeReport:
    """Detection metrics on one split, plus category and direction accuracy on true positives."""

    split: str
    n: int
    scores: BinaryScores
    category_accuracy: float
    direction_accuracy: float
    errors: list[dict[str, Any]]


def evaluate_stereotypes(
    rows: Sequence[dict[str, Any]], embedder: Embedder | None = None, split: str = ""
) -> StereotypeReport:
    """Run ``check_stereotypes`` on each row; a row is predicted positive if any flag is raised.

    Category and direction accuracy are measured on rows that are labelled positive and
    flagged, against the first flag.
    """
    from coach.flows.stereotypes.check import check_stereotypes

    gold: list[bool] = []
    pred: list[bool] = []
    categories: list[bool] = []
    directions: list[bool] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        check = check_stereotypes(row["text"], embedder=embedder)
        gold.append(bool(row["label"]))
        pred.append(check.has_stereotype)
        if row["label"] and check.flags:
            categories.append(check.flags[0].category == row.get("category"))
            directions.append(check.flags[0].direction == row.get("direction"))
        if bool(row["label"]) != check.has_stereotype:
            errors.append({"id": row.get("id"), "label": row["label"], "text": row["text"]})
    return StereotypeReport(
        split,
        len(rows),
        precision_recall_f1(gold, pred),
        sum(categories) / len(categories) if categories else 0.0,
        sum(directions) / len(directions) if directions else 0.0,
        errors,
    )


def specificity(score: Any) -> int:
    """The feedback specificity score: situation + behavior + impact + request (0..8)."""
    return sum(int(score.criteria[c].score) for c in ("situation", "behavior", "impact", "request"))


def feedback_specificity_correlation(
    texts: Sequence[str], ratings: Sequence[float], embedder: Embedder | None = None
) -> float:
    """Spearman's rho between ``specificity(score_feedback(text))`` and human ratings."""
    from coach.flows.feedback.scoring import score_feedback

    ours = [float(specificity(score_feedback(t, embedder=embedder))) for t in texts]
    return spearman(ours, list(ratings))


def stereotype_recall(texts: Sequence[str], embedder: Embedder | None = None) -> float:
    """Share of ``texts`` (all presumed stereotypes) that ``check_stereotypes`` flags."""
    from coach.flows.stereotypes.check import check_stereotypes

    if not texts:
        return 0.0
    return sum(1 for t in texts if check_stereotypes(t, embedder=embedder).has_stereotype) / len(texts)
