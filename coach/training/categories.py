"""The stereotype category model: which category a flagged sentence belongs to.

A multinomial logistic regression over ``coach.flows.stereotypes.category``'s features beside
the sentence embedding; the inverse L2 strength and the embedding's weight are chosen by
seeded repeated stratified k-fold accuracy on the positive dev rows.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.training.common import (
    CV_REPEATS,
    folds,
    logistic_regression,
    model_inputs,
    progress,
    rounded,
    standardise,
)

if TYPE_CHECKING:
    from coach.ports import Embedder

CATEGORY_C_GRID = (0.1, 0.3, 1.0, 3.0)
CATEGORY_EMBEDDING_WEIGHT_GRID = (0.0, 2.0, 5.0, 10.0)


def category_data(rows: list[dict[str, Any]], embedder: Embedder) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Category inputs (hand features, embeddings) and labels of the positive rows, as ``classify`` computes them."""
    from coach.flows.stereotypes.category import category_features
    from coach.flows.stereotypes.check import resolve_direction
    from coach.flows.stereotypes.features import anchor_bank, load_taxonomy, sentence_features

    taxonomy = load_taxonomy()
    bank = anchor_bank(taxonomy, embedder)
    positives = [r for r in rows if r["label"] and r.get("category")]
    emb = np.asarray(embedder.embed([r["text"] for r in positives]), dtype=np.float64)
    hand = []
    for row, vector in zip(positives, emb, strict=True):
        direction = resolve_direction(sentence_features(row["text"], taxonomy, vector, bank), vector, bank)
        hand.append(category_features(row["text"], taxonomy, vector, bank, direction))
    return np.array(hand), emb, [str(r["category"]) for r in positives]


def _cv_accuracy(hand: np.ndarray, emb: np.ndarray, y: np.ndarray, seed: int, c: float, weight: float) -> float:
    """Share of held-out rows whose category is predicted right, over every repeat."""
    correct = 0
    for train, held in folds(y, seed):
        mean, scale = standardise(hand[train])
        model = logistic_regression(c).fit(model_inputs(hand[train], emb[train], mean, scale, weight), y[train])
        correct += int(np.sum(model.predict(model_inputs(hand[held], emb[held], mean, scale, weight)) == y[held]))
    return correct / (len(y) * CV_REPEATS)


def fit_categories(hand: np.ndarray, emb: np.ndarray, labels: list[str], seed: int) -> dict[str, Any]:
    """Grid-search C and the embedding weight by repeated stratified k-fold accuracy, then refit on all rows."""
    y = np.array(labels)
    best = (-1.0, CATEGORY_C_GRID[0], CATEGORY_EMBEDDING_WEIGHT_GRID[0])
    grid = list(itertools.product(CATEGORY_C_GRID, CATEGORY_EMBEDDING_WEIGHT_GRID))
    for c, weight in progress(grid, len(grid), "category settings"):
        score = _cv_accuracy(hand, emb, y, seed, c, weight)
        if score > best[0] + 1e-9:
            best = (score, c, weight)
    score, c, weight = best
    mean, scale = standardise(hand)
    model = logistic_regression(c).fit(model_inputs(hand, emb, mean, scale, weight), y)
    return {
        "classes": [str(v) for v in model.classes_],
        "mean": rounded(mean),
        "scale": rounded(scale),
        "coef": rounded(model.coef_),
        "intercept": rounded(model.intercept_),
        "embedding_weight": weight,
        "C": c,
        "n": len(y),
        "dev_cv": {"accuracy": round(score, 4)},
    }
