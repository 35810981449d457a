"""The feedback regressions: one multinomial logistic regression per SBI criterion.

Inputs are the rule findings and cheap text features of ``coach.flows.feedback`` beside the
mean-pooled hidden states of one layer of the embedding model. The layer, the inverse L2
strength and the embedding's weight are chosen per criterion by seeded repeated stratified
k-fold accuracy on the dev rows, then each regression is refitted on every dev row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.evaluation.calibration import CRITERIA, accuracy, cohen_kappa
from coach.text import mask_ages
from coach.training.common import (
    Log,
    cv_description,
    folds,
    logistic_regression,
    model_inputs,
    progress,
    rounded,
    standardise,
)

if TYPE_CHECKING:
    from coach.ports import LayerEmbedder

FEEDBACK_FILES = ("feedback_utterances.jsonl", "feedback_utterances_extra.jsonl")
#: Which layer of the embedding model to pool (4 of 6 keeps more of the wording than the
#: final sentence embedding), inverse L2 strength and the embedding's weight.
FEEDBACK_LAYER_GRID = (4, 6)
FEEDBACK_C_GRID = (0.01, 0.03, 0.1, 0.3)
FEEDBACK_EMBEDDING_WEIGHT_GRID = (0.0, 10.0, 20.0, 30.0)
#: Among settings within this much of the best accuracy, the strongest regularisation wins.
NEAR_TIE = 0.005

#: ``probs(train, held, criterion)``: held-out class probabilities of one criterion's regression.
HeldOutProbabilities = Callable[[np.ndarray, np.ndarray, str], np.ndarray]


@dataclass
class FeedbackData:
    """Every dev row's rule findings, hand features, pooled layers and labels."""

    rows: list[dict[str, Any]]
    hand: np.ndarray
    layers: dict[int, np.ndarray]
    rule: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


def feedback_data(rows: list[dict[str, Any]], embedder: LayerEmbedder) -> FeedbackData:
    """Rule findings, hand features and pooled layers of every row (as ``score_feedback`` computes them)."""
    from coach.flows.feedback.features import HAND_FEATURES
    from coach.flows.feedback.scoring import analyse

    analyses = [analyse(r["text"], embedder) for r in progress(rows, len(rows), "feedback rows analysed")]
    hand = np.array([[a.hand_features()[n] for n in HAND_FEATURES] for a in analyses], dtype=np.float64)
    masked = [mask_ages(a.text) for a in analyses]
    layers = {n: np.asarray(embedder.embed_layer(masked, n), dtype=np.float64) for n in FEEDBACK_LAYER_GRID}
    rule = {c: np.array([min(a.best[c][0], 2) for a in analyses]) for c in CRITERIA}
    labels = {c: np.array([int(r["labels"][c]) for r in rows]) for c in CRITERIA}
    return FeedbackData(rows, hand, layers, rule, labels)


def feedback_grid() -> list[tuple[int, float, float]]:
    """(layer, C, weight) settings; with weight 0 the layer is irrelevant, so it is tried once."""
    grid = itertools.product(FEEDBACK_LAYER_GRID, FEEDBACK_C_GRID, FEEDBACK_EMBEDDING_WEIGHT_GRID)
    return [(layer, c, w) for layer, c, w in grid if w > 0 or layer == FEEDBACK_LAYER_GRID[-1]]


def _score_setting(
    data: FeedbackData, criterion: str, splits: list[tuple[np.ndarray, np.ndarray]], setting: tuple[int, float, float]
) -> dict[str, Any]:
    """Mean held-out accuracy and quadratic kappa of one (layer, C, weight) setting."""
    layer, c, weight = setting
    y, emb = data.labels[criterion], data.layers[layer]
    accs, kappas = [], []
    for train, held in splits:
        mean, scale = standardise(data.hand[train])
        model = logistic_regression(c).fit(model_inputs(data.hand[train], emb[train], mean, scale, weight), y[train])
        pred = model.predict(model_inputs(data.hand[held], emb[held], mean, scale, weight))
        accs.append(accuracy(list(y[held]), list(pred)))
        kappas.append(cohen_kappa([int(v) for v in y[held]], [int(v) for v in pred]))
    return {
        "layer": layer,
        "C": c,
        "embedding_weight": weight,
        "accuracy": float(np.mean(accs)),
        "kappa": float(np.mean(kappas)),
    }


def cross_validate_feedback(data: FeedbackData, criterion: str, seed: int) -> dict[str, Any]:
    """Grid-search the layer, C and the embedding weight by repeated stratified k-fold accuracy."""
    from joblib import Parallel, delayed

    y = data.labels[criterion]
    splits = folds(y, seed)
    grid = feedback_grid()
    runner = Parallel(n_jobs=-1, prefer="threads", return_as="generator")
    pending = runner(delayed(_score_setting)(data, criterion, splits, setting) for setting in grid)
    results: list[dict[str, Any]] = list(progress(pending, len(grid), f"feedback/{criterion} settings"))
    rule = data.rule[criterion]
    rule_accs = [accuracy(list(y[held]), list(rule[held])) for _, held in splits]
    rule_kappas = [cohen_kappa([int(v) for v in y[held]], [int(v) for v in rule[held]]) for _, held in splits]
    top = max(r["accuracy"] for r in results)
    chosen = min((r for r in results if r["accuracy"] >= top - NEAR_TIE), key=lambda r: (r["C"], -r["kappa"]))
    return {
        "chosen": chosen,
        "grid": results,
        "rule_accuracy": float(np.mean(rule_accs)),
        "rule_kappa": float(np.mean(rule_kappas)),
    }


def regression_probabilities(data: FeedbackData, settings: dict[str, Any]) -> HeldOutProbabilities:
    """Held-out class probabilities of each criterion's regression with ``settings`` (criterion -> layer, C, weight).

    The adapter's cross-validation compares itself with these on the same folds.
    """

    def probs(train: np.ndarray, held: np.ndarray, criterion: str) -> np.ndarray:
        chosen = settings[criterion]
        emb = data.layers[int(chosen["layer"])]
        weight = float(chosen["embedding_weight"])
        mean, scale = standardise(data.hand[train])
        y = data.labels[criterion]
        inputs = model_inputs(data.hand[train], emb[train], mean, scale, weight)
        model = logistic_regression(float(chosen["C"])).fit(inputs, y[train])
        out = np.zeros((len(held), 3))
        out[:, model.classes_] = model.predict_proba(model_inputs(data.hand[held], emb[held], mean, scale, weight))
        return out

    return probs


def _fit_criterion(data: FeedbackData, criterion: str, seed: int) -> dict[str, Any]:
    """Cross-validate one criterion and refit its regression on all dev rows."""
    cv = cross_validate_feedback(data, criterion, seed)
    chosen = cv["chosen"]
    mean, scale = standardise(data.hand)
    emb = data.layers[chosen["layer"]]
    inputs = model_inputs(data.hand, emb, mean, scale, chosen["embedding_weight"])
    model = logistic_regression(chosen["C"]).fit(inputs, data.labels[criterion])
    return {
        "classes": [int(v) for v in model.classes_],
        "layer": chosen["layer"],
        "C": chosen["C"],
        "embedding_weight": chosen["embedding_weight"],
        "mean": rounded(mean),
        "scale": rounded(scale),
        "coef": rounded(model.coef_),
        "intercept": rounded(model.intercept_),
        "dev_cv": {
            "accuracy": round(chosen["accuracy"], 4),
            "kappa_quadratic": round(chosen["kappa"], 4),
            "rules_accuracy": round(cv["rule_accuracy"], 4),
            "rules_kappa_quadratic": round(cv["rule_kappa"], 4),
        },
    }


def fit_feedback(data: FeedbackData, sources: list[str], embedder_name: str, seed: int, log: Log) -> dict[str, Any]:
    """Cross-validate each criterion, refit on all dev rows and return the weights mapping."""
    from coach.flows.feedback.features import HAND_FEATURES

    criteria: dict[str, Any] = {}
    for criterion in CRITERIA:
        criteria[criterion] = model = _fit_criterion(data, criterion, seed)
        log(
            f"feedback/{criterion}: n={len(data.rows)} layer={model['layer']} C={model['C']} "
            f"emb={model['embedding_weight']} cv={model['dev_cv']}"
        )
    return {
        "fitted_on": sources,
        "split": "dev",
        "n": len(data.rows),
        "embedding_model": embedder_name,
        "cv": cv_description(seed),
        "features": list(HAND_FEATURES),
        "criteria": criteria,
    }
