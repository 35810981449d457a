"""The inputs and outputs of the fitted feedback models.

``hand_features`` turns the rule levels, tone signals and simple counts of one text into the
hand-made inputs the models were fitted on (named, in order, by ``HAND_FEATURES``);
``model_probabilities`` applies the fitted multinomial regressions to them together with the
text's pooled hidden states.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.text import QUOTED as _QUOTE
from coach.text import normalise

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Criteria whose rule level becomes a one-hot model input (respect included).
RULE_CRITERIA = ("situation", "behavior", "impact", "request", "respect")
_SIGNALS = ("negative", "attack", "sarcasm", "acknowledge", "hedges", "vague_praise")
_ISSUE_KINDS = ("hedging", "absolute", "personal_attack", "vague_praise", "age_coded")

#: Names of the hand-made model inputs, in the order ``hand_features`` returns them.
HAND_FEATURES: tuple[str, ...] = (
    *(f"rule_{c}_{level}" for c in RULE_CRITERIA for level in (0, 1, 2)),
    *(f"signal_{s}" for s in _SIGNALS),
    *(f"issue_{k}" for k in _ISSUE_KINDS),
    "stereotype_flags",
    "log_words",
    "sentences",
    "question",
    "quoted",
    "number",
    "you_count",
    "i_count",
)


def hand_features(
    text: str,
    levels: dict[str, int],
    signals: dict[str, int],
    issue_kinds: list[str],
    n_flags: int,
    n_sentences: int,
) -> dict[str, float]:
    """The hand-made inputs of the feedback model for one text.

    Args:
        text: The analysed text.
        levels: The rule level (0-2) of each criterion in ``RULE_CRITERIA``.
        signals: ``respect_signals`` of the quote-masked text.
        issue_kinds: The kind of every tone issue found.
        n_flags: How many sentences the stereotype checker flagged.
        n_sentences: How many sentences the text has.
    """
    low = normalise(text)
    values: dict[str, float] = {}
    for criterion in RULE_CRITERIA:
        for level in (0, 1, 2):
            values[f"rule_{criterion}_{level}"] = float(levels[criterion] == level)
    for name in _SIGNALS:
        values[f"signal_{name}"] = float(min(signals[name], 3))
    for kind in _ISSUE_KINDS:
        values[f"issue_{kind}"] = float(min(issue_kinds.count(kind), 3))
    values["stereotype_flags"] = float(min(n_flags, 2))
    values["log_words"] = float(np.log1p(signals["words"]))
    values["sentences"] = float(min(n_sentences, 8))
    values["question"] = float("?" in text)
    values["quoted"] = float(bool(_QUOTE.search(text)))
    values["number"] = float(bool(re.search(r"\d", text)))
    values["you_count"] = float(min(len(re.findall(r"\byou(?:r|'re|'ve|'d|'ll)?\b", low)), 6))
    values["i_count"] = float(min(len(re.findall(r"\b(?:i|me|my|i'm|i've|i'd)\b", low)), 6))
    return values


def model_layers(weights: dict[str, Any]) -> set[int]:
    """The embedding-model layers whose pooled hidden states the fitted models read."""
    return {int(model["layer"]) for model in weights["criteria"].values()}


def model_probabilities(
    weights: dict[str, Any], hand: dict[str, float], vectors: Mapping[int, np.ndarray]
) -> dict[str, np.ndarray]:
    """Each criterion's probabilities of the levels 0, 1 and 2 from the fitted multinomial regressions.

    Each criterion's inputs are the standardised hand features followed by the text's
    pooled hidden state at the criterion's ``layer`` (``vectors[layer]``, see
    ``SentenceTransformerEmbedder.embed_layer``) times its ``embedding_weight``.
    """
    x = np.array([hand[name] for name in weights["features"]], dtype=np.float64)
    probabilities: dict[str, np.ndarray] = {}
    for criterion, model in weights["criteria"].items():
        emb = np.asarray(vectors[int(model["layer"])], dtype=np.float64)
        z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
        inputs = np.concatenate([z, float(model["embedding_weight"]) * emb])
        logits = np.asarray(model["coef"], dtype=np.float64) @ inputs + np.asarray(model["intercept"])
        exp = np.exp(logits - logits.max())
        levels = np.zeros(3)
        levels[[int(c) for c in model["classes"]]] = exp / exp.sum()
        probabilities[criterion] = levels
    return probabilities
