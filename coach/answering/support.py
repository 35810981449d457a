"""Support score: how well a passage backs up one answer sentence, in [0, 1].

A blend of meaning and wording: the best cosine similarity between the sentence and any
sentence (or pair of neighbouring sentences) of the passage, and the share of the
sentence's content words that the passage contains. The weight and the threshold
(``settings.grounding_threshold``) are calibrated on ``eval/datasets/grounding_pairs.jsonl``
by ``bench/answer_modes.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from coach.answering.text import containment, split_sentences, strip_citations
from coach.ports import TextEmbedder

EMBEDDING_WEIGHT = 0.5  # calibrated on the dev split of grounding_pairs.jsonl
NUMBER_MISMATCH_FACTOR = 0.6  # a number the passage does not contain is a changed fact, not a paraphrase
MAX_CACHE = 4096
_NUMBER_TEXT = (
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty "
    "ninety hundred half quarter once twice daily weekly monthly fortnightly"
)
_NUMBER_WORDS = frozenset(_NUMBER_TEXT.split())
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?%?|[a-z]+")


def numbers(text: str) -> set[str]:
    """Numerals and number words in ``text`` (``60``, ``two``, ``twice``)."""
    found = set()
    for token in _NUMBER.findall(text.lower()):
        if token[0].isdigit() or token in _NUMBER_WORDS:
            found.add(token)
    return found


def blend(semantic: float, lexical: float, number_mismatch: bool, embedding_weight: float = EMBEDDING_WEIGHT) -> float:
    """Combine the features into one support score in [0, 1]."""
    score = embedding_weight * semantic + (1.0 - embedding_weight) * lexical
    if number_mismatch:
        score *= NUMBER_MISMATCH_FACTOR
    return float(min(1.0, max(0.0, score)))


class SupportScorer:
    """Scores sentences against passages, caching embeddings of texts it has seen."""

    def __init__(self, embedder: TextEmbedder, embedding_weight: float = EMBEDDING_WEIGHT) -> None:
        self.embedder = embedder
        self.embedding_weight = embedding_weight
        self._cache: dict[str, np.ndarray] = {}

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` (one row each), computing only the unseen ones."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            if len(self._cache) + len(missing) > MAX_CACHE:
                self._cache.clear()
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                self._cache[text] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([self._cache[t] for t in texts])

    def units(self, passage_text: str) -> list[str]:
        """The passage's sentences plus each pair of neighbours (claims often span two)."""
        sentences = split_sentences(passage_text) or [passage_text.strip() or "-"]
        pairs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
        return sentences + pairs

    def semantic(self, sentence: str, passage_text: str) -> float:
        """Best cosine similarity between the sentence and any unit of the passage, floored at 0."""
        units = self.units(passage_text)
        vectors = self.vectors([sentence, *units])
        return float(max(0.0, float(np.max(vectors[1:] @ vectors[0]))))

    def score(self, sentence: str, passage_text: str) -> float:
        """Support of ``sentence`` by ``passage_text`` in [0, 1]; citation markers are ignored."""
        sentence = strip_citations(sentence)
        if not sentence:
            return 0.0
        mismatch = bool(numbers(sentence) - numbers(passage_text))
        return blend(
            self.semantic(sentence, passage_text), containment(sentence, passage_text), mismatch, self.embedding_weight
        )


def support_score(sentence: str, passage_text: str, embedder: TextEmbedder) -> float:
    """How well ``passage_text`` supports ``sentence``, in [0, 1].

    Compare with ``settings.grounding_threshold``: at or above it, the sentence counts
    as grounded in the passage.

    Args:
        sentence: One answer sentence (``[n]`` markers are ignored).
        passage_text: The passage it cites.
        embedder: Any embedder with ``embed(texts) -> normalised vectors``.
    """
    return SupportScorer(embedder).score(sentence, passage_text)
