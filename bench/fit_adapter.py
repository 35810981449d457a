"""Train the feedback adapter (``coach.flows.feedback.adapter``) on the dev split.

Used by ``bench/fit_models.py``; runnable alone to cross-validate and write the adapter::

    .venv/bin/python bench/fit_adapter.py            # 5-fold CV on dev, then fit and write
    .venv/bin/python bench/fit_adapter.py --no-cv    # fit and write only

Cross-validation reports the adapter alone, the per-criterion regressions alone (on the
same folds) and their average, which is what ``score_feedback`` uses. One training run
takes about 4 minutes on 2 cores; the whole script about 25.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fit_models import FEEDBACK_FILES, FeedbackData, dev_rows, feedback_data, regression_probabilities  # noqa: E402
from fit_models import _standardise as standardise  # noqa: E402

from coach.evaluation.calibration import CRITERIA, accuracy, cohen_kappa  # noqa: E402
from coach.flows.feedback.adapter import (  # noqa: E402
    MAX_TOKENS,
    AdapterSpec,
    build_network,
    save_adapter,
    trainable_state,
)
from coach.text import mask_ages  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Sequence

EPOCHS = 8
LEARNING_RATE = 2e-3
BATCH_SIZE = 16
ADAPTER_FOLDS = 5
SEED = 0


def train(
    model_path: Path, spec: AdapterSpec, texts: Sequence[str], hand: np.ndarray, labels: np.ndarray, log: Any = print
) -> dict[str, np.ndarray]:
    """Train one adapter; returns its state (trained weights plus the hand features' mean and scale).

    ``labels`` has shape (rows, criteria) and holds class values from ``spec.classes``.
    """
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(SEED)
    mean, scale = standardise(hand)
    z = torch.tensor((hand - mean) / scale, dtype=torch.float32)
    target = torch.tensor(np.searchsorted(np.array(spec.classes), labels), dtype=torch.long)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    network = build_network(model_path, spec, seed=SEED)
    params = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(texts) / BATCH_SIZE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(SEED)
    for epoch in range(EPOCHS):
        network.train()
        order = rng.permutation(len(texts))
        total = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            tokens = tokenizer([texts[i] for i in batch], padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
            logits = network(tokens, z[batch])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(spec.classes)), target[batch].reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(batch)
        log(f"  adapter epoch {epoch + 1}/{EPOCHS}: loss {total / len(texts):.4f}")
    network.eval()
    state = trainable_state(network)
    state["hand_mean"] = mean
    state["hand_scale"] = scale
    return state


def adapter_inputs(data: FeedbackData) -> tuple[list[str], np.ndarray]:
    """The texts the adapter reads (ages masked, as at scoring time) and the label matrix."""
    texts = [mask_ages(r["text"]) for r in data.rows]
    labels = np.stack([data.labels[c] for c in CRITERIA], axis=1)
    return texts, labels


def spec_for(embedding_model: str) -> AdapterSpec:
    from coach.flows.feedback.features import HAND_FEATURES

    return AdapterSpec(
        criteria=CRITERIA, classes=(0, 1, 2), features=tuple(HAND_FEATURES), embedding_model=embedding_model
    )


def cross_validate(
    model_path: Path, data: FeedbackData, embedding_model: str, regression_probs: Any, log: Any = print
) -> dict[str, dict[str, float]]:
    """Per criterion: dev CV accuracy and kappa of the adapter, the regressions, and their average.

    ``regression_probs(train, held, criterion)`` returns the regression's held-out class
    probabilities when fitted on ``train`` (so both models see the same folds).
    """
    from sklearn.model_selection import StratifiedKFold

    from coach.flows.feedback.adapter import FeedbackAdapter

    texts, labels = adapter_inputs(data)
    spec = spec_for(embedding_model)
    adapter_p = np.zeros((len(texts), len(CRITERIA), 3))
    regression_p = np.zeros_like(adapter_p)
    strata = labels[:, CRITERIA.index("respect")] * 3 + labels[:, CRITERIA.index("behavior")]
    folds = StratifiedKFold(ADAPTER_FOLDS, shuffle=True, random_state=SEED).split(texts, strata)
    for k, (tr, held) in enumerate(folds):
        log(f"adapter fold {k + 1}/{ADAPTER_FOLDS}")
        state = train(model_path, spec, [texts[i] for i in tr], data.hand[tr], labels[tr], log)
        adapter = FeedbackAdapter(model_path, spec, state)
        adapter_p[held] = adapter.probabilities([texts[i] for i in held], data.hand[held])
        for j, criterion in enumerate(CRITERIA):
            regression_p[held, j] = regression_probs(tr, held, criterion)
    report: dict[str, dict[str, float]] = {}
    for j, criterion in enumerate(CRITERIA):
        gold = [int(v) for v in labels[:, j]]
        row: dict[str, float] = {}
        for name, probs in (
            ("adapter", adapter_p),
            ("regression", regression_p),
            ("average", (adapter_p + regression_p) / 2),
        ):
            pred = [int(v) for v in probs[:, j].argmax(axis=1)]
            row[f"{name}_accuracy"] = round(accuracy(gold, pred), 4)
            row[f"{name}_kappa"] = round(cohen_kappa(gold, pred), 4)
        report[criterion] = row
        log(f"{criterion}: {row}")
    return report


def fit(
    model_path: Path, data: FeedbackData, embedding_model: str, out: Path, cv: dict[str, Any] | None, log: Any = print
) -> None:
    """Train on every dev row and write the adapter file (with the CV report, when given)."""
    texts, labels = adapter_inputs(data)
    extra = {"dev_cv": cv or {}, "n": len(texts), "epochs": EPOCHS, "learning_rate": LEARNING_RATE}
    spec = replace(spec_for(embedding_model), extra=extra)
    log(f"adapter: training on all {len(texts)} dev rows")
    state = train(model_path, spec, texts, data.hand, labels, log)
    save_adapter(out, spec, state)
    log(f"adapter: wrote {out}")


def main() -> None:
    from coach.config import Settings
    from coach.flows.feedback.adapter import adapter_path
    from coach.knowledge.embeddings import SentenceTransformerEmbedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = parser.parse_args()
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    rows, _ = dev_rows(FEEDBACK_FILES)
    data = feedback_data(rows, embedder)
    cv = None if args.no_cv else cross_validate(embedder.model_path, data, embedder.name, regression_probabilities(data))
    fit(embedder.model_path, data, embedder.name, adapter_path(), cv)


if __name__ == "__main__":
    main()
