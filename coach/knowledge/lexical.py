"""A BM25 index over every chunk in the store, rebuilt only when the store changes."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from coach.knowledge.store import StoredChunk, VectorStore

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "about",
    ]
)
#: Words people type in a hurry that carry no topic ("im 23 lol, whats the point tbh").
COLLOQUIAL = frozenset(
    [
        "im",
        "i'm",
        "dont",
        "don't",
        "lol",
        "u",
        "ur",
        "whats",
        "what's",
        "kinda",
        "actually",
        "just",
        "really",
        "honestly",
        "basically",
        "literally",
        "tbh",
        "even",
        "supposed",
        "thing",
        "things",
        "stuff",
        "ok",
        "okay",
        "got",
        "like",
        "bc",
        "abt",
        "pls",
        "thru",
        "gonna",
        "wanna",
    ]
)
MIN_FUZZY_LENGTH = 5  # shorter words are too easily "corrected" into another word
FUZZY_CUTOFF = 85.0  # rapidfuzz ratio (0-100) a misspelling must reach against an indexed word
MAX_CORRECTIONS = 4096  # remembered look-ups of unknown query words


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-case word tokens without stopwords or possessive 's."""
    found = (t.removesuffix("'s") for t in _TOKEN.findall(text.lower().replace("’", "'")))
    return [w for w in found if w not in STOPWORDS and w not in COLLOQUIAL]


def tokenize(text: str) -> list[str]:
    """Word tokens without stopwords, Snowball-stemmed ('cancelling' and 'cancelled' both give 'cancel')."""
    return list(_stemmer().stemWords(words(text)))


class LexicalIndex:
    """BM25 over the store's chunks, cached by the store's index version."""

    def __init__(self) -> None:
        self._version: str | None = None
        self._ids: list[str] = []
        self._chunks: list[StoredChunk] = []
        self._bm25: object | None = None
        self._vocabulary: dict[str, str] = {}  # indexed word -> its stem, for spelling correction
        self._stems: frozenset[str] = frozenset()
        self._long_words: list[str] = []
        self._corrections: dict[str, str | None] = {}
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
            texts = [words(f"{c.metadata.get('title', '')} {c.metadata.get('heading', '')} {c.text}") for c in chunks]
            unique = sorted({w for text in texts for w in text})
            vocabulary = dict(zip(unique, _stemmer().stemWords(unique), strict=True))
            corpus = [[vocabulary[w] for w in text] for text in texts]
            bm25 = bm25s.BM25()
            if chunks:
                bm25.index(corpus, show_progress=False)
            self._chunks, self._ids, self._bm25 = chunks, [c.id for c in chunks], bm25
            self._vocabulary, self._stems = vocabulary, frozenset(vocabulary.values())
            self._long_words = [w for w in unique if len(w) >= MIN_FUZZY_LENGTH]
            self._corrections = {}
            self._version = version

    def _closest(self, word: str) -> str | None:
        """The indexed word that ``word`` is a likely misspelling of, or None."""
        from rapidfuzz import fuzz, process

        if len(word) < MIN_FUZZY_LENGTH or not self._long_words or self._stemmer_stem(word) in self._stems:
            return None
        if word not in self._corrections:
            if len(self._corrections) > MAX_CORRECTIONS:
                self._corrections.clear()
            match = process.extractOne(word, self._long_words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            self._corrections[word] = None if match is None else str(match[0])
        return self._corrections[word]

    @staticmethod
    def _stemmer_stem(word: str) -> str:
        return str(_stemmer().stemWord(word))

    def query_tokens(self, query: str) -> list[str]:
        """The query's stems; a word the index does not know is replaced by the closest indexed
        word when it is a likely misspelling ('harrassment', 'rehersal', 'interupts')."""
        tokens = []
        for word in words(query):
            closest = self._closest(word)
            tokens.append(self._vocabulary[closest] if closest else self._stemmer_stem(word))
        return tokens

    def correct_spelling(self, text: str) -> str:
        """``text`` with each likely misspelling replaced by the indexed word it resembles."""

        def fix(match: re.Match[str]) -> str:
            return self._closest(match.group(0).lower()) or match.group(0)

        return re.sub(rf"[A-Za-z]{{{MIN_FUZZY_LENGTH},}}", fix, text)

    @property
    def chunks(self) -> Sequence[StoredChunk]:
        return self._chunks

    def search(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[StoredChunk, float]]:
        """Best-scoring chunks for the query; ``mask`` (0/1 per chunk) restricts the pool."""
        tokens = self.query_tokens(query)
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
