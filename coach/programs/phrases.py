"""Phrase-level semantic similarity: every phrase of a cohort embedded once, compared as a block.

A list of phrases "covers" another when, on average, each needed phrase has a close phrase
in the other list (the best cosine similarity, rescaled so that anything at or below the
floor counts as 0). This is how "TikTok" meets "short-form video": their embeddings are
close even though no word is shared.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from coach.data import reference_data
from coach.knowledge.embeddings import embedder_cache
from coach.ports import Embedder

_CACHE_KEY: Hashable = "programs.phrases"


def _glossary() -> list[tuple[re.Pattern[str], str]]:
    """The glossary terms as patterns (compiled once, beside the parsed glossary)."""
    return reference_data().load("skill_glossary.yaml#patterns", _compile_glossary)


def _compile_glossary(path: Path) -> list[tuple[re.Pattern[str], str]]:
    terms = reference_data(path.parent).glossary
    return [(re.compile(rf"(?<![\w-]){re.escape(k)}(?![\w-])", re.IGNORECASE), v) for k, v in terms.items()]


def expand(phrase: str) -> str:
    """The phrase with a plain description of each glossary term it mentions, as it is embedded."""
    notes = [description for pattern, description in _glossary() if pattern.search(phrase)]
    return f"{phrase} ({'; '.join(notes)})" if notes else phrase


class PhraseSpace:
    """The unique phrases of a cohort, their vectors and the similarity of every two of them.

    Index 0 is an empty phrase with a zero vector, standing in for an empty list.
    """

    def __init__(self, phrases: Sequence[str], embedder: Embedder, floor: float) -> None:
        unique = list(dict.fromkeys(p for p in phrases if p))
        self.index = {p: i + 1 for i, p in enumerate(unique)}
        self.phrases = ["", *unique]
        vectors = embed_cached([expand(p) for p in unique], embedder)
        dim = vectors.shape[1] if len(unique) else 1
        self.vectors = np.vstack([np.zeros((1, dim), np.float32), vectors]) if len(unique) else np.zeros((1, dim))
        self.similarity = (self.vectors @ self.vectors.T).astype(np.float32)
        self.floor = floor
        self.scaled = np.clip((self.similarity - floor) / (1.0 - floor), 0.0, 1.0)

    def ids(self, phrases: Sequence[str]) -> list[int]:
        """The phrase ids of a list (``[0]`` for an empty list)."""
        return [self.index[p] for p in phrases if p in self.index] or [0]

    def coverage(self, needs: Sequence[Sequence[str]], haves: Sequence[Sequence[str]]) -> np.ndarray:
        """How well each ``haves`` list (rows) covers each ``needs`` list (columns), 0..1.

        An empty needs list scores 0 against everything.
        """
        result = np.zeros((len(haves), len(needs)), dtype=np.float32)
        if not haves or not needs:
            return result
        have_ids = [self.ids(h) for h in haves]
        flat = np.array([i for ids in have_ids for i in ids])
        starts = np.cumsum([0, *[len(ids) for ids in have_ids[:-1]]])
        for column, need in enumerate(needs):
            need_ids = self.ids(need)
            if need_ids == [0]:
                continue
            block = self.scaled[np.ix_(np.array(need_ids), flat)]  # needed phrases x all offered phrases
            best = np.maximum.reduceat(block, starts, axis=1)  # best match per list, per needed phrase
            result[:, column] = best.mean(axis=0)
        return result

    def matches(self, need: Sequence[str], have: Sequence[str], threshold: float) -> list[tuple[str, str, float]]:
        """(needed, offered, cosine) for each needed phrase whose closest offered phrase reaches ``threshold``."""
        found: list[tuple[str, str, float]] = []
        have_ids = [i for i in self.ids(have) if i]
        if not have_ids:
            return found
        for phrase in need:
            i = self.index.get(phrase)
            if not i:
                continue
            sims = self.similarity[i, have_ids]
            best = int(np.argmax(sims))
            if float(sims[best]) >= threshold:
                found.append((phrase, self.phrases[have_ids[best]], round(float(sims[best]), 2)))
        return sorted(found, key=lambda m: -m[2])


def embed_cached(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """Vectors of ``texts``, embedding only those this embedder has not embedded before."""
    cache: dict[str, Any] = embedder_cache(embedder).setdefault(_CACHE_KEY, {})
    missing = [t for t in dict.fromkeys(texts) if t not in cache]
    if missing:
        for text, vector in zip(missing, embedder.embed(missing), strict=True):
            cache[text] = np.asarray(vector, dtype=np.float32)
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.vstack([cache[t] for t in texts])
