"""The stereotype detector (with and without the embedding model) and the category model.

The detector is a logistic regression over the sentence features of
``coach.flows.stereotypes.features`` beside the sentence embedding; its inverse L2 strength,
the embedding's weight and both flagging thresholds are chosen by seeded repeated
stratified k-fold F1 on the dev rows. The keyword variant (used without an embedder) reads
the hand features only and is fitted on the original statements only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.training.categories import category_data, fit_categories
from coach.training.common import (
    Log,
    cv_description,
    dev_rows,
    folds,
    logistic_regression,
    model_inputs,
    progress,
    rounded,
    standardise,
)

if TYPE_CHECKING:
    from pathlib import Path

    from coach.ports import Embedder

STEREOTYPE_FILES = ("stereotype_statements.jsonl", "stereotype_statements_extra.jsonl", "user_voice_stereotypes.jsonl")
#: The keyword fallback (no embedder) is fitted on the original statements only: the
#: user-voice rows (sarcasm, no group word, questions) are beyond keyword features, and with
#: them the keyword model stopped flagging stereotypes phrased as questions.
KEYWORD_STEREOTYPE_FILES = STEREOTYPE_FILES[:2]
#: Inverse L2 strength, and the multiplier on the unit-length embedding relative to the
#: standardised hand features.
C_GRID = (0.03, 0.1, 0.3, 1.0)
EMBEDDING_WEIGHT_GRID = (0.0, 5.0, 15.0)
THRESHOLD_GRID = tuple(round(float(t), 2) for t in np.arange(0.3, 0.71, 0.05))
#: Probability a sentence without any age-group reference needs to be flagged (1.01: never).
UNGROUPED_GRID = (0.7, 0.8, 0.9, 1.01)
NEAR_TIE = 0.005


@dataclass
class StereotypeData:
    """Every dev row's sentence features, embedding and label."""

    rows: list[dict[str, Any]]
    feats: list[dict[str, float]]
    emb: np.ndarray
    labels: np.ndarray


def stereotype_data(rows: list[dict[str, Any]], embedder: Embedder) -> StereotypeData:
    """Sentence features and embeddings of every row, each row read as one sentence."""
    from coach.flows.stereotypes.features import anchor_bank, load_taxonomy, sentence_features

    taxonomy = load_taxonomy()
    bank = anchor_bank(taxonomy, embedder)
    emb = np.asarray(embedder.embed([r["text"] for r in rows]), dtype=np.float64)
    feats = [sentence_features(r["text"], taxonomy, v, bank).values for r, v in zip(rows, emb, strict=True)]
    return StereotypeData(rows, feats, emb, np.array([int(r["label"]) for r in rows]))


def f1_scores(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions."""
    tp = int(np.sum(gold & pred))
    fp = int(np.sum(~gold & pred))
    fn = int(np.sum(gold & ~pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _held_out_probabilities(
    x: np.ndarray, data: StereotypeData, splits: list[tuple[np.ndarray, np.ndarray]], c: float, weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per fold: every held-out row's probability, and which rows each fold held out."""
    y = data.labels
    probs = np.zeros((len(splits), len(y)))
    held_mask = np.zeros((len(splits), len(y)), dtype=bool)
    for k, (train, held) in enumerate(splits):
        mean, scale = standardise(x[train])
        model = logistic_regression(c).fit(model_inputs(x[train], data.emb[train], mean, scale, weight), y[train])
        probs[k, held] = model.predict_proba(model_inputs(x[held], data.emb[held], mean, scale, weight))[:, 1]
        held_mask[k, held] = True
    return probs, held_mask


def _threshold_results(
    probs: np.ndarray, held_mask: np.ndarray, gate: np.ndarray, y: np.ndarray, c: float, weight: float
) -> list[dict[str, Any]]:
    """Mean held-out precision, recall and F1 for every pair of thresholds."""
    results = []
    for threshold, ungrouped in itertools.product(THRESHOLD_GRID, UNGROUPED_GRID):
        scores = []
        for k in range(len(probs)):
            held = held_mask[k]
            p_held = probs[k, held]
            pred = np.where(gate[held], p_held >= threshold, p_held >= max(ungrouped, threshold))
            scores.append(f1_scores(y[held].astype(bool), pred))
        p, r, f = (float(v) for v in np.mean(scores, axis=0))
        results.append(
            {
                "C": c,
                "embedding_weight": weight,
                "threshold": threshold,
                "ungrouped_threshold": ungrouped,
                "precision": p,
                "recall": r,
                "f1": f,
            }
        )
    return results


def cross_validate_stereotypes(
    data: StereotypeData, names: list[str], weights: tuple[float, ...], seed: int
) -> dict[str, Any]:
    """Grid-search C, embedding weight and both thresholds by repeated stratified k-fold F1.

    A sentence that passes ``eligible`` (it names an age group, or closely paraphrases a
    taxonomy phrasing) is flagged at ``threshold``; any other sentence only at the stricter
    ``ungrouped_threshold``.
    """
    from coach.flows.stereotypes.features import eligible

    x = np.array([[f[n] for n in names] for f in data.feats], dtype=np.float64)
    gate = np.array([eligible(f) for f in data.feats])
    splits = folds(data.labels, seed)
    grid = list(itertools.product(C_GRID, weights))
    results: list[dict[str, Any]] = []
    for c, weight in progress(grid, len(grid), "stereotype settings"):
        probs, held_mask = _held_out_probabilities(x, data, splits, c, weight)
        results += _threshold_results(probs, held_mask, gate, data.labels, c, weight)
    top = max(r["f1"] for r in results)
    near = [r for r in results if r["f1"] >= top - NEAR_TIE]
    chosen = min(near, key=lambda r: (r["C"], -r["ungrouped_threshold"], abs(r["threshold"] - 0.5), -r["recall"]))
    return {"chosen": chosen, "grid": results}


def _fit_variant(data: StereotypeData, names: list[str], weights: tuple[float, ...], seed: int) -> dict[str, Any]:
    """Cross-validate one detector variant and refit it on all dev rows."""
    chosen = cross_validate_stereotypes(data, names, weights, seed)["chosen"]
    x = np.array([[f[n] for n in names] for f in data.feats], dtype=np.float64)
    mean, scale = standardise(x)
    weight = chosen["embedding_weight"]
    model = logistic_regression(chosen["C"]).fit(model_inputs(x, data.emb, mean, scale, weight), data.labels)
    coef = model.coef_[0]
    return {
        "features": names,
        "mean": rounded(mean),
        "scale": rounded(scale),
        "coef": rounded(coef[: len(names)]),
        "embedding_weight": weight,
        "embedding_coef": rounded(coef[len(names) :]) if weight else [],
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": chosen["threshold"],
        "ungrouped_threshold": chosen["ungrouped_threshold"],
        "C": chosen["C"],
        "dev_cv": {k: round(float(chosen[k]), 4) for k in ("precision", "recall", "f1")},
    }


def keyword_features() -> list[str]:
    """The hand features the keyword detector reads (no similarity to the taxonomy's phrasings)."""
    from coach.flows.stereotypes.features import FEATURES

    return [f for f in FEATURES if not f.startswith(("sim", "margin"))]


def fit_stereotype_models(
    embedder: Embedder, files: list[Path], keyword_files: list[Path], seed: int, log: Log
) -> dict[str, Any]:
    """The stereotype weights file's mapping: both detectors and the category model, fitted on dev rows."""
    from coach.flows.stereotypes.features import FEATURES

    name = getattr(embedder, "name", "embedder")
    rows, sources = dev_rows(files)
    keyword_rows, keyword_sources = dev_rows(keyword_files)
    stereo: dict[str, Any] = {
        "fitted_on": sources,
        "split": "dev",
        "n": len(rows),
        "embedding_model": name,
        "cv": cv_description(seed),
        "embedding": _fit_variant(stereotype_data(rows, embedder), list(FEATURES), EMBEDDING_WEIGHT_GRID, seed),
        "keywords": _fit_variant(stereotype_data(keyword_rows, embedder), keyword_features(), (0.0,), seed),
        "keywords_fitted_on": keyword_sources,
    }
    for variant in ("embedding", "keywords"):
        m = stereo[variant]
        log(
            f"stereotypes/{variant}: n={len(rows)} C={m['C']} emb={m['embedding_weight']} t={m['threshold']} "
            f"cv={m['dev_cv']}"
        )
    stereo["category"] = m = fit_categories(*category_data(rows, embedder), seed=seed)
    log(f"stereotypes/category: n={m['n']} C={m['C']} emb={m['embedding_weight']} cv={m['dev_cv']}")
    return stereo
