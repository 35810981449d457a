"""Which taxonomy category a flagged sentence belongs to.

With an embedder, a multinomial logistic regression (fitted on the positive dev rows of the
stereotype datasets by ``coach.training``; weights under ``category`` in
``knowledge/data/stereotype_weights.json``) reads the sentence embedding, the category's cue
words and the closest phrasing of each category. Without it (or with another embedder) the
nearest phrasing plus a small bonus per cue word decides, and keyword cues alone without an
embedder at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from coach.text import find_phrases

if TYPE_CHECKING:
    from coach.flows.stereotypes.features import AnchorBank

#: Bonus per cue word (at most two counted) added to a category's phrasing similarity in
#: the fallback ranking.
CUE_BONUS = 0.05


def category_ids(taxonomy: dict[str, Any]) -> list[str]:
    """The taxonomy's category ids in file order."""
    return [str(c["id"]) for c in taxonomy["categories"]]


def cue_counts(sentence: str, taxonomy: dict[str, Any]) -> dict[str, int]:
    """How many of each category's cue words the sentence contains."""
    return {c["id"]: len(find_phrases(sentence, c.get("cues", []))) for c in taxonomy["categories"]}


def best_similarities(vector: np.ndarray, bank: AnchorBank, direction: str) -> dict[str, float]:
    """Per category, the highest cosine similarity to one of its phrasings (on ``direction``'s side when known)."""
    sims = bank.vectors @ vector
    scores: dict[str, float] = {}
    for (category_id, side), sim in zip(bank.labels, sims, strict=True):
        if direction and side != direction:
            continue
        scores[category_id] = max(scores.get(category_id, -1.0), float(sim))
    return scores


def category_features(
    sentence: str, taxonomy: dict[str, Any], vector: np.ndarray, bank: AnchorBank, direction: str
) -> np.ndarray:
    """The hand inputs of the category model: capped cue counts, then best similarities, per category."""
    ids = category_ids(taxonomy)
    cues = cue_counts(sentence, taxonomy)
    sims = best_similarities(vector, bank, direction)
    return np.array([min(cues.get(i, 0), 2) for i in ids] + [sims.get(i, 0.0) for i in ids], dtype=np.float64)


def predict_category(model: dict[str, Any], features: np.ndarray, vector: np.ndarray) -> str:
    """The most probable category under the fitted model."""
    z = (features - np.asarray(model["mean"])) / np.asarray(model["scale"])
    inputs = np.concatenate([z, float(model["embedding_weight"]) * np.asarray(vector, dtype=np.float64)])
    logits = np.asarray(model["coef"], dtype=np.float64) @ inputs + np.asarray(model["intercept"], dtype=np.float64)
    return str(model["classes"][int(np.argmax(logits))])


def fallback_category(
    sentence: str, taxonomy: dict[str, Any], vector: np.ndarray | None, bank: AnchorBank | None, direction: str
) -> str:
    """Nearest phrasing plus ``CUE_BONUS`` per cue word; keyword cues alone without a vector ("other" when none)."""
    cues = cue_counts(sentence, taxonomy)
    if vector is not None and bank is not None:
        sims = best_similarities(vector, bank, direction)
        return max(sims, key=lambda c: sims[c] + CUE_BONUS * min(cues.get(c, 0), 2))
    specific = {c: n for c, n in cues.items() if c != "other"}
    return max(specific, key=lambda c: specific[c]) if any(specific.values()) else "other"
