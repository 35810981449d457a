"""Training the feedback adapter (``coach.flows.feedback.adapter``) on the dev split.

Cross-validation reports the adapter alone, the per-criterion regressions alone (on the
same folds) and their average, which is what ``score_feedback`` uses. One training run
takes about 4 minutes on 2 cores; cross-validation and the final training about 25.
PyTorch and transformers come with the application; scikit-learn (the ``fit`` extra) is
imported only where the folds are made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.evaluation.calibration import CRITERIA, accuracy, cohen_kappa
from coach.text import mask_ages
from coach.training.common import Log, standardise

if TYPE_CHECKING:
    from collections.abc import Sequence

    from coach.flows.feedback.adapter import AdapterSpec
    from coach.training.feedback import FeedbackData, HeldOutProbabilities

EPOCHS = 8
LEARNING_RATE = 2e-3
BATCH_SIZE = 16
ADAPTER_FOLDS = 5


@dataclass
class TrainingBatches:
    """What one training run iterates over: texts, standardised hand features and class indices."""

    texts: Sequence[str]
    z: Any
    target: Any


def _run_epochs(
    network: Any, tokenizer: Any, batches: TrainingBatches, spec: AdapterSpec, epochs: int, seed: int, log: Log
) -> None:
    """AdamW with a one-cycle learning rate over ``epochs`` shuffled passes (the order fixed by ``seed``)."""
    import torch

    from coach.flows.feedback.adapter import MAX_TOKENS

    params = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    steps = epochs * math.ceil(len(batches.texts) / BATCH_SIZE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        network.train()
        order = rng.permutation(len(batches.texts))
        total = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            tokens = tokenizer(
                [batches.texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            logits = network(tokens, batches.z[batch])
            flat_target = batches.target[batch].reshape(-1)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(spec.classes)), flat_target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(batch)
        log(f"  adapter epoch {epoch + 1}/{epochs}: loss {total / len(batches.texts):.4f}")


def train(
    model_path: Path,
    spec: AdapterSpec,
    texts: Sequence[str],
    hand: np.ndarray,
    labels: np.ndarray,
    log: Log,
    seed: int = 0,
    epochs: int = EPOCHS,
) -> dict[str, np.ndarray]:
    """Train one adapter; returns its state (trained weights plus the hand features' mean and scale).

    ``labels`` has shape (rows, criteria) and holds class values from ``spec.classes``.
    """
    import torch
    from transformers import AutoTokenizer

    from coach.flows.feedback.adapter import build_network, trainable_state

    torch.manual_seed(seed)
    mean, scale = standardise(hand)
    z = torch.tensor((hand - mean) / scale, dtype=torch.float32)
    target = torch.tensor(np.searchsorted(np.array(spec.classes), labels), dtype=torch.long)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    network = build_network(model_path, spec, seed=seed)
    _run_epochs(network, tokenizer, TrainingBatches(texts, z, target), spec, epochs, seed, log)
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
    """The adapter's spec for the current criteria and hand features."""
    from coach.flows.feedback.adapter import AdapterSpec
    from coach.flows.feedback.features import HAND_FEATURES

    return AdapterSpec(
        criteria=CRITERIA, classes=(0, 1, 2), features=tuple(HAND_FEATURES), embedding_model=embedding_model
    )


def _comparison(
    labels: np.ndarray, adapter_p: np.ndarray, regression_p: np.ndarray, log: Log
) -> dict[str, dict[str, float]]:
    """Per criterion: accuracy and quadratic kappa of the adapter, the regressions and their average."""
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


def cross_validate(
    model_path: Path,
    data: FeedbackData,
    embedding_model: str,
    regression_probs: HeldOutProbabilities,
    log: Log,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Dev CV of the adapter, the regressions (``regression_probs``, on the same folds) and their average."""
    from sklearn.model_selection import StratifiedKFold

    from coach.flows.feedback.adapter import FeedbackAdapter

    texts, labels = adapter_inputs(data)
    spec = spec_for(embedding_model)
    adapter_p = np.zeros((len(texts), len(CRITERIA), 3))
    regression_p = np.zeros_like(adapter_p)
    strata = labels[:, CRITERIA.index("respect")] * 3 + labels[:, CRITERIA.index("behavior")]
    splits = StratifiedKFold(ADAPTER_FOLDS, shuffle=True, random_state=seed).split(texts, strata)
    for k, (tr, held) in enumerate(splits):
        log(f"adapter fold {k + 1}/{ADAPTER_FOLDS}")
        state = train(model_path, spec, [texts[i] for i in tr], data.hand[tr], labels[tr], log, seed)
        adapter = FeedbackAdapter(model_path, spec, state)
        adapter_p[held] = adapter.probabilities([texts[i] for i in held], data.hand[held])
        for j, criterion in enumerate(CRITERIA):
            regression_p[held, j] = regression_probs(tr, held, criterion)
    return _comparison(labels, adapter_p, regression_p, log)


def fit_adapter(
    model_path: Path,
    data: FeedbackData,
    embedding_model: str,
    out: Path,
    cv: dict[str, Any] | None,
    log: Log,
    seed: int = 0,
) -> None:
    """Train on every dev row and write the adapter file (with the CV report, when given)."""
    from coach.flows.feedback.adapter import save_adapter

    texts, labels = adapter_inputs(data)
    extra = {"dev_cv": cv or {}, "n": len(texts), "epochs": EPOCHS, "learning_rate": LEARNING_RATE}
    spec = replace(spec_for(embedding_model), extra=extra)
    log(f"adapter: training on all {len(texts)} dev rows")
    state = train(model_path, spec, texts, data.hand, labels, log, seed)
    save_adapter(out, spec, state)
    log(f"adapter: wrote {out}")
