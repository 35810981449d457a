"""A BM25 index over every chunk in the store, rebuilt only when the store changes."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np

from coach.knowledge.store import StoredChunk, VectorStore

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your", "do", "does", "did", "can", "could", "should", "would", "about"]
)


def _stem(word: str) -> str:
    """A light suffix stripper: enough to match 'mentors', 'mentoring' and 'mentor'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "es", "ed", "ly", "s"):
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            if suffix in ("ies", "ied"):
                return word[: -len(suffix)] + "y"
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stopwords, lightly stemmed."""
    words = (t.removesuffix("'s") for t in _TOKEN.findall(text.lower().replace("’", "'")))
    return [_stem(w) for w in words if w not in STOPWORDS]


class LexicalIndex:
    """BM25 over the store's chunks, cached by the store's index version."""

    def __init__(self) -> None:
        self._version: str | None = None
        self._ids: list[str] = []
        self._chunks: list[StoredChunk] = []
        self._bm25: object | None = None
        self._lock = threading.Lock()

    def ensure(self, store: VectorStore) -> None:
        version = store.index_version()
        if version == self._version:
            return
        with self._lock:
            if version == self._version:
                return
            import bm25s

            chunks = list(store.iter_chunks(include_text=True))
            corpus = [
                tokenize(f"{c.metadata.get('title', '')} {c.metadata.get('heading', '')} {c.text}") for c in chunks
            ]
            bm25 = bm25s.BM25()
            if chunks:
                bm25.index(corpus, show_progress=False)
            self._chunks, self._ids, self._bm25 = chunks, [c.id for c in chunks], bm25
            self._version = version

    @property
    def chunks(self) -> Sequence[StoredChunk]:
        return self._chunks

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[StoredChunk, float]]:
        """Best-scoring chunks for the query; ``mask`` (0/1 per chunk) restricts the pool."""
        tokens = tokenize(query)
        if not tokens or not self._chunks or self._bm25 is None:
            return []
        n = min(n, len(self._chunks))
        kwargs = {"weight_mask": mask} if mask is not None else {}
        docs, scores = self._bm25.retrieve(  # type: ignore[attr-defined]
            [tokens], k=n, show_progress=False, n_threads=1, **kwargs
        )
        results = []
        for index, score in zip(docs[0], scores[0], strict=True):
            if score <= 0:
                continue
            results.append((self._chunks[int(index)], float(score)))
        return results
