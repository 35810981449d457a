"""Fit the feedback and stereotype models on the dev split only, choosing settings by cross-validation.

Used by ``bench/calibrate.py --fit``; runnable alone to print the cross-validation tables::

    .venv/bin/python bench/fit_models.py            # cross-validate and write both weight files
    .venv/bin/python bench/fit_models.py --dry-run  # cross-validate only
    .venv/bin/python bench/fit_models.py --no-adapter  # skip the feedback adapter (25 minutes less)
    .venv/bin/python bench/fit_models.py --stereotypes-only  # only the stereotype detector and categories

A full fit takes about 50 minutes on 2 cores: about 25 for the feedback regressions' grid
(layer x C x weight, 10 folds, 5 criteria) and about 25 for the feedback adapter
(``bench/fit_adapter.py``: five cross-validation runs and the final training).

Only rows whose ``split`` is ``dev`` are read, from the main datasets and their ``_extra``
companions when present. The test split is never touched here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.evaluation.calibration import CRITERIA, accuracy, cohen_kappa, load_jsonl  # noqa: E402
from coach.text import mask_ages  # noqa: E402

if TYPE_CHECKING:
    from coach.knowledge.embeddings import Embedder, LayerEmbedder

DATASETS = ROOT / "eval" / "datasets"
FEEDBACK_FILES = ("feedback_utterances.jsonl", "feedback_utterances_extra.jsonl")
STEREOTYPE_FILES = ("stereotype_statements.jsonl", "stereotype_statements_extra.jsonl", "user_voice_stereotypes.jsonl")
#: The keyword fallback (no embedder) is fitted on the original statements only: the
#: user-voice rows (sarcasm, no group word, questions) are beyond keyword features, and with
#: them the keyword model stopped flagging stereotypes phrased as questions.
KEYWORD_STEREOTYPE_FILES = STEREOTYPE_FILES[:2]

#: The stereotype model's grids searched by cross-validation (inverse L2 strength, and the
#: multiplier on the unit-length embedding relative to the standardised hand features).
C_GRID = (0.03, 0.1, 0.3, 1.0)
EMBEDDING_WEIGHT_GRID = (0.0, 5.0, 15.0)
THRESHOLD_GRID = tuple(round(float(t), 2) for t in np.arange(0.3, 0.71, 0.05))
#: Probability a sentence without any age-group reference needs to be flagged (1.01: never).
UNGROUPED_GRID = (0.7, 0.8, 0.9, 1.01)
#: The category model's grids: inverse L2 strength and the embedding's multiplier.
CATEGORY_C_GRID = (0.1, 0.3, 1.0, 3.0)
CATEGORY_EMBEDDING_WEIGHT_GRID = (0.0, 2.0, 5.0, 10.0)
#: The feedback model's grids: which layer of the embedding model to pool (4 of 6 keeps
#: more of the wording than the final sentence embedding), inverse L2 strength and weight.
FEEDBACK_LAYER_GRID = (4, 6)
FEEDBACK_C_GRID = (0.01, 0.03, 0.1, 0.3)
FEEDBACK_EMBEDDING_WEIGHT_GRID = (0.0, 10.0, 20.0, 30.0)
CV_FOLDS = 5
CV_REPEATS = 2
SEED = 0


def dev_rows(files: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[str]]:
    """Dev rows from every file that exists, and the names of those files."""
    rows: list[dict[str, Any]] = []
    used: list[str] = []
    for name in files:
        path = DATASETS / name
        if path.exists():
            rows += load_jsonl(path, "dev")
            used.append(f"eval/datasets/{name}")
    return rows, used


def _folds(labels: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import RepeatedStratifiedKFold

    splitter = RepeatedStratifiedKFold(n_splits=CV_FOLDS, n_repeats=CV_REPEATS, random_state=SEED)
    return list(splitter.split(np.zeros(len(labels)), labels))


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def _inputs(hand: np.ndarray, emb: np.ndarray, mean: np.ndarray, scale: np.ndarray, weight: float) -> np.ndarray:
    return np.hstack([(hand - mean) / scale, weight * emb])


def _logreg(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000)


def _r(values: Any) -> Any:
    """Round for a compact, stable JSON file."""
    array = np.asarray(values, dtype=np.float64)
    return np.round(array, 6).tolist()


# --- feedback -------------------------------------------------------------------------------


@dataclass
class FeedbackData:
    rows: list[dict[str, Any]]
    hand: np.ndarray
    layers: dict[int, np.ndarray]
    rule: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]


def feedback_data(rows: list[dict[str, Any]], embedder: LayerEmbedder) -> FeedbackData:
    """Rule findings, hand features and pooled layers of every row (as ``score_feedback`` computes them)."""
    from coach.flows.feedback.features import HAND_FEATURES
    from coach.flows.feedback.scoring import analyse

    analyses = [analyse(r["text"], embedder) for r in rows]
    hand = np.array([[a.hand_features()[n] for n in HAND_FEATURES] for a in analyses], dtype=np.float64)
    masked = [mask_ages(a.text) for a in analyses]
    layers = {n: np.asarray(embedder.embed_layer(masked, n), dtype=np.float64) for n in FEEDBACK_LAYER_GRID}
    rule = {c: np.array([min(a.best[c][0], 2) for a in analyses]) for c in CRITERIA}
    labels = {c: np.array([int(r["labels"][c]) for r in rows]) for c in CRITERIA}
    return FeedbackData(rows, hand, layers, rule, labels)


def _feedback_grid() -> list[tuple[int, float, float]]:
    """(layer, C, weight) settings; with weight 0 the layer is irrelevant, so it is tried once."""
    grid = itertools.product(FEEDBACK_LAYER_GRID, FEEDBACK_C_GRID, FEEDBACK_EMBEDDING_WEIGHT_GRID)
    return [(layer, c, w) for layer, c, w in grid if w > 0 or layer == FEEDBACK_LAYER_GRID[-1]]


def cross_validate_feedback(data: FeedbackData, criterion: str) -> dict[str, Any]:
    """Grid-search the layer, C and the embedding weight by repeated stratified k-fold accuracy."""
    from joblib import Parallel, delayed

    y = data.labels[criterion]
    folds = _folds(y)

    def score(layer: int, c: float, weight: float) -> dict[str, Any]:
        emb = data.layers[layer]
        accs, kappas = [], []
        for train, held in folds:
            mean, scale = _standardise(data.hand[train])
            model = _logreg(c).fit(_inputs(data.hand[train], emb[train], mean, scale, weight), y[train])
            pred = model.predict(_inputs(data.hand[held], emb[held], mean, scale, weight))
            accs.append(accuracy(list(y[held]), list(pred)))
            kappas.append(cohen_kappa([int(v) for v in y[held]], [int(v) for v in pred]))
        return {
            "layer": layer,
            "C": c,
            "embedding_weight": weight,
            "accuracy": float(np.mean(accs)),
            "kappa": float(np.mean(kappas)),
        }

    results: list[dict[str, Any]] = Parallel(n_jobs=-1, prefer="threads")(
        delayed(score)(layer, c, weight) for layer, c, weight in _feedback_grid()
    )
    rule_accs = [accuracy(list(y[held]), list(data.rule[criterion][held])) for _, held in folds]
    rule_kappas = [
        cohen_kappa([int(v) for v in y[held]], [int(v) for v in data.rule[criterion][held]]) for _, held in folds
    ]
    # Best accuracy; among near-ties (within 0.005) the stronger regularisation.
    top = max(r["accuracy"] for r in results)
    chosen = min((r for r in results if r["accuracy"] >= top - 0.005), key=lambda r: (r["C"], -r["kappa"]))
    return {
        "chosen": chosen,
        "grid": results,
        "rule_accuracy": float(np.mean(rule_accs)),
        "rule_kappa": float(np.mean(rule_kappas)),
    }


def regression_probabilities(data: FeedbackData, settings: dict[str, Any] | None = None) -> Any:
    """``probs(train, held, criterion)``: held-out class probabilities of one criterion's regression.

    The regression uses the layer, C and embedding weight in ``settings`` (criterion ->
    those keys), by default the fitted weights file's, so other models can be compared with
    it on the same folds.
    """
    if settings is None:
        from coach.flows.feedback.scoring import load_weights

        weights = load_weights()
        if weights is None:
            raise SystemExit("no fitted feedback weights: run bench/fit_models.py first")
        settings = weights["criteria"]
    chosen: dict[str, Any] = settings

    def probs(train: np.ndarray, held: np.ndarray, criterion: str) -> np.ndarray:
        model_settings = chosen[criterion]
        emb = data.layers[int(model_settings["layer"])]
        weight = float(model_settings["embedding_weight"])
        mean, scale = _standardise(data.hand[train])
        y = data.labels[criterion]
        model = _logreg(float(model_settings["C"])).fit(_inputs(data.hand[train], emb[train], mean, scale, weight), y[train])
        out = np.zeros((len(held), 3))
        out[:, model.classes_] = model.predict_proba(_inputs(data.hand[held], emb[held], mean, scale, weight))
        return out

    return probs


def fit_feedback(data: FeedbackData, sources: list[str], embedder_name: str) -> dict[str, Any]:
    """Cross-validate each criterion, refit on all dev rows and return the weights mapping."""
    from coach.flows.feedback.features import HAND_FEATURES

    criteria: dict[str, Any] = {}
    for criterion in CRITERIA:
        cv = cross_validate_feedback(data, criterion)
        chosen = cv["chosen"]
        mean, scale = _standardise(data.hand)
        y = data.labels[criterion]
        emb = data.layers[chosen["layer"]]
        model = _logreg(chosen["C"]).fit(_inputs(data.hand, emb, mean, scale, chosen["embedding_weight"]), y)
        criteria[criterion] = {
            "classes": [int(v) for v in model.classes_],
            "layer": chosen["layer"],
            "C": chosen["C"],
            "embedding_weight": chosen["embedding_weight"],
            "mean": _r(mean),
            "scale": _r(scale),
            "coef": _r(model.coef_),
            "intercept": _r(model.intercept_),
            "dev_cv": {
                "accuracy": round(chosen["accuracy"], 4),
                "kappa_quadratic": round(chosen["kappa"], 4),
                "rules_accuracy": round(cv["rule_accuracy"], 4),
                "rules_kappa_quadratic": round(cv["rule_kappa"], 4),
            },
        }
    return {
        "fitted_on": sources,
        "split": "dev",
        "n": len(data.rows),
        "embedding_model": embedder_name,
        "cv": f"{CV_REPEATS}x repeated stratified {CV_FOLDS}-fold, seed {SEED}",
        "features": list(HAND_FEATURES),
        "criteria": criteria,
    }


# --- stereotypes ----------------------------------------------------------------------------


@dataclass
class StereotypeData:
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


def _f1(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = int(np.sum(gold & pred))
    fp = int(np.sum(~gold & pred))
    fn = int(np.sum(gold & ~pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cross_validate_stereotypes(data: StereotypeData, names: list[str], weights: tuple[float, ...]) -> dict[str, Any]:
    """Grid-search C, embedding weight and both thresholds by repeated stratified k-fold F1.

    A sentence that passes ``eligible`` (it names an age group, or closely paraphrases a
    taxonomy phrasing) is flagged at ``threshold``; any other sentence only at the stricter
    ``ungrouped_threshold``.
    """
    from coach.flows.stereotypes.features import eligible

    x = np.array([[f[n] for n in names] for f in data.feats], dtype=np.float64)
    gate = np.array([eligible(f) for f in data.feats])
    y = data.labels
    folds = _folds(y)
    results: list[dict[str, Any]] = []
    for c, weight in itertools.product(C_GRID, weights):
        probs = np.zeros((len(folds), len(y)))
        held_mask = np.zeros((len(folds), len(y)), dtype=bool)
        for k, (train, held) in enumerate(folds):
            mean, scale = _standardise(x[train])
            model = _logreg(c).fit(_inputs(x[train], data.emb[train], mean, scale, weight), y[train])
            probs[k, held] = model.predict_proba(_inputs(x[held], data.emb[held], mean, scale, weight))[:, 1]
            held_mask[k, held] = True
        for threshold, ungrouped in itertools.product(THRESHOLD_GRID, UNGROUPED_GRID):
            scores = []
            for k in range(len(folds)):
                held = held_mask[k]
                p_held = probs[k, held]
                pred = np.where(gate[held], p_held >= threshold, p_held >= max(ungrouped, threshold))
                scores.append(_f1(y[held].astype(bool), pred))
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
    top = max(r["f1"] for r in results)
    near = [r for r in results if r["f1"] >= top - 0.005]
    chosen = min(near, key=lambda r: (r["C"], -r["ungrouped_threshold"], abs(r["threshold"] - 0.5), -r["recall"]))
    return {"chosen": chosen, "grid": results}


def fit_stereotypes(data: StereotypeData, sources: list[str], embedder_name: str) -> dict[str, Any]:
    """Cross-validate and refit the embedding and keyword models on all dev rows."""
    from coach.flows.stereotypes.features import FEATURES

    result: dict[str, Any] = {
        "fitted_on": sources,
        "split": "dev",
        "n": len(data.rows),
        "embedding_model": embedder_name,
        "cv": f"{CV_REPEATS}x repeated stratified {CV_FOLDS}-fold, seed {SEED}",
    }
    keyword_names = [f for f in FEATURES if not f.startswith(("sim", "margin"))]
    for name, names, weights in (
        ("embedding", list(FEATURES), EMBEDDING_WEIGHT_GRID),
        ("keywords", keyword_names, (0.0,)),
    ):
        cv = cross_validate_stereotypes(data, names, weights)
        chosen = cv["chosen"]
        x = np.array([[f[n] for n in names] for f in data.feats], dtype=np.float64)
        mean, scale = _standardise(x)
        weight = chosen["embedding_weight"]
        model = _logreg(chosen["C"]).fit(_inputs(x, data.emb, mean, scale, weight), data.labels)
        coef = model.coef_[0]
        result[name] = {
            "features": names,
            "mean": _r(mean),
            "scale": _r(scale),
            "coef": _r(coef[: len(names)]),
            "embedding_weight": weight,
            "embedding_coef": _r(coef[len(names) :]) if weight else [],
            "intercept": round(float(model.intercept_[0]), 6),
            "threshold": chosen["threshold"],
            "ungrouped_threshold": chosen["ungrouped_threshold"],
            "C": chosen["C"],
            "dev_cv": {k: round(float(chosen[k]), 4) for k in ("precision", "recall", "f1")},
        }
    return result


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


def fit_categories(hand: np.ndarray, emb: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Grid-search C and the embedding weight by repeated stratified k-fold accuracy, then refit on all rows."""
    y = np.array(labels)
    folds = _folds(y)
    best = (-1.0, CATEGORY_C_GRID[0], CATEGORY_EMBEDDING_WEIGHT_GRID[0])
    for c, weight in itertools.product(CATEGORY_C_GRID, CATEGORY_EMBEDDING_WEIGHT_GRID):
        correct = 0
        for train, held in folds:
            mean, scale = _standardise(hand[train])
            model = _logreg(c).fit(_inputs(hand[train], emb[train], mean, scale, weight), y[train])
            correct += int(np.sum(model.predict(_inputs(hand[held], emb[held], mean, scale, weight)) == y[held]))
        score = correct / (len(y) * CV_REPEATS)
        if score > best[0] + 1e-9:
            best = (score, c, weight)
    score, c, weight = best
    mean, scale = _standardise(hand)
    model = _logreg(c).fit(_inputs(hand, emb, mean, scale, weight), y)
    return {
        "classes": [str(v) for v in model.classes_],
        "mean": _r(mean),
        "scale": _r(scale),
        "coef": _r(model.coef_),
        "intercept": _r(model.intercept_),
        "embedding_weight": weight,
        "C": c,
        "n": len(y),
        "dev_cv": {"accuracy": round(score, 4)},
    }


def fit_stereotype_models(embedder: Embedder, write: bool = True, log: Any = print) -> dict[str, Any]:
    """Fit the stereotype detector and category models on the dev rows and write their weights file."""
    from coach.flows.stereotypes.check import weights_path as stereotype_weights_path

    name = getattr(embedder, "name", "embedder")
    st_rows, st_sources = dev_rows(STEREOTYPE_FILES)
    stereo = fit_stereotypes(stereotype_data(st_rows, embedder), st_sources, name)
    kw_rows, kw_sources = dev_rows(KEYWORD_STEREOTYPE_FILES)
    stereo["keywords"] = fit_stereotypes(stereotype_data(kw_rows, embedder), kw_sources, name)["keywords"]
    stereo["keywords_fitted_on"] = kw_sources
    for variant in ("embedding", "keywords"):
        m = stereo[variant]
        log(
            f"stereotypes/{variant}: n={len(st_rows)} C={m['C']} emb={m['embedding_weight']} t={m['threshold']} cv={m['dev_cv']}"
        )
    stereo["category"] = fit_categories(*category_data(st_rows, embedder))
    m = stereo["category"]
    log(f"stereotypes/category: n={m['n']} C={m['C']} emb={m['embedding_weight']} cv={m['dev_cv']}")
    if write:
        stereotype_weights_path().write_text(json.dumps(stereo, indent=1) + "\n", encoding="utf-8")
    return stereo


# --- entry points ---------------------------------------------------------------------------


def fit_all(
    embedder: LayerEmbedder, write: bool = True, log: Any = print, adapter: bool = True
) -> dict[str, dict[str, Any]]:
    """Fit the stereotype model first (its flags feed the feedback model), then the feedback models.

    The feedback adapter (``bench/fit_adapter.py``, about 25 minutes more) is cross-validated
    and trained last, unless ``adapter`` is false or the embedder has no local model.
    """
    from coach.flows.feedback.scoring import weights_path as feedback_weights_path

    name = getattr(embedder, "name", "embedder")
    stereo = fit_stereotype_models(embedder, write, log)
    fb_rows, fb_sources = dev_rows(FEEDBACK_FILES)
    data = feedback_data(fb_rows, embedder)
    feedback = fit_feedback(data, fb_sources, name)
    for criterion, m in feedback["criteria"].items():
        log(
            f"feedback/{criterion}: n={len(fb_rows)} layer={m['layer']} C={m['C']} emb={m['embedding_weight']}"
            f" cv={m['dev_cv']}"
        )
    if write:
        feedback_weights_path().write_text(json.dumps(feedback, separators=(",", ":")) + "\n", encoding="utf-8")
    model_path = getattr(embedder, "model_path", None)
    if adapter and model_path is not None:
        from fit_adapter import cross_validate, fit

        from coach.flows.feedback.adapter import adapter_path

        cv = cross_validate(model_path, data, name, regression_probabilities(data, feedback["criteria"]), log)
        if write:
            fit(model_path, data, name, adapter_path(), cv, log)
    return {"stereotypes": stereo, "feedback": feedback}


def main() -> None:
    from coach.config import Settings
    from coach.knowledge.embeddings import SentenceTransformerEmbedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="cross-validate only; do not write weight files")
    parser.add_argument("--no-adapter", action="store_true", help="leave the feedback adapter as it is")
    parser.add_argument(
        "--stereotypes-only", action="store_true", help="refit only the stereotype models (a minute, not 50)"
    )
    args = parser.parse_args()
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    if args.stereotypes_only:
        fit_stereotype_models(embedder, write=not args.dry_run)
        return
    fit_all(embedder, write=not args.dry_run, adapter=not args.no_adapter)


if __name__ == "__main__":
    main()
