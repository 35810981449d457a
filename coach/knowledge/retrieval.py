"""Hybrid retrieval: dense (sentence-transformers in Chroma) plus BM25, fused by RRF.

Results are filtered by audience, stage and topics, and diversified so that the top k
are not all from one document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from coach.config import Settings
from coach.errors import InputError
from coach.knowledge.lexical import LexicalIndex
from coach.knowledge.phrasings import PhrasingIndex, load_phrasings
from coach.knowledge.query import normalise_query
from coach.knowledge.readers import AUDIENCES, STAGES
from coach.knowledge.store import StoredChunk, VectorStore, Where
from coach.ports import Embedder
from coach.schemas import Passage

MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Filters:
    """Optional restrictions; documents for audience 'all' match every audience."""

    audience: str | None = None
    stage: str | None = None
    topics: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.audience and self.audience not in AUDIENCES:
            raise InputError(f"Unknown audience '{self.audience}'.", hint=f"Use one of: {', '.join(AUDIENCES)}.")
        if self.stage and self.stage not in STAGES:
            raise InputError(f"Unknown stage '{self.stage}'.", hint=f"Use one of: {', '.join(STAGES)}.")

    def where(self) -> Where | None:
        clauses: list[Where] = []
        if self.audience and self.audience != "all":
            clauses.append({"audience": {"$in": [self.audience, "all"]}})
        if self.stage:
            clauses.append({"stage": self.stage})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, metadata: dict[str, object]) -> bool:
        if self.audience and self.audience != "all" and metadata.get("audience") not in (self.audience, "all"):
            return False
        if self.stage and metadata.get("stage") != self.stage:
            return False
        if self.topics:
            have = str(metadata.get("topics", ""))
            if not any(f"|{t.lower()}|" in have for t in self.topics):
                return False
        return True


class HybridRetriever:
    """Dense + lexical retrieval over one vector store."""

    def __init__(self, store: VectorStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = LexicalIndex()
        self.phrasings = PhrasingIndex(
            load_phrasings(settings.knowledge_dir) if settings.phrasings_on else [],
            root=settings.knowledge_dir.name,
            cache_dir=settings.data_dir / "cache",
        )
        self._embed_query = lru_cache(maxsize=256)(self._embed_uncached)

    def _embed_uncached(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def embed_query(self, query: str) -> np.ndarray:
        return self._embed_query(query)  # type: ignore[no-any-return]

    def retrieve(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """The top ``k`` passages for ``query``, best first.

        Args:
            query: Free text; must not be empty.
            k: How many passages; defaults to ``settings.retrieval_k``.
            filters: Audience, stage and topic restrictions.
            query_vector: A precomputed query embedding (skips the embedding step).
        """
        query = " ".join(query.split())
        if not query:
            raise InputError("The query is empty.", hint="Type a question or a few keywords.")
        query = normalise_query(query[:MAX_QUERY_CHARS]) or query[:MAX_QUERY_CHARS]
        k = k or self.settings.retrieval_k
        filters = filters or Filters()
        pool = max(self.settings.retrieval_candidates, k * 4)
        self.lexical.ensure(self.store)
        vector = query_vector if query_vector is not None else self.embed_query(self.lexical.correct_spelling(query))

        dense = self.store.query(vector, n=pool * (3 if filters.topics else 1), where=filters.where())
        dense = [(c, s) for c, s in dense if filters.accepts(c.metadata)][:pool]

        mask = None
        if filters.audience or filters.stage or filters.topics:
            mask = np.array(
                [1.0 if filters.accepts(c.metadata) else 0.0 for c in self.lexical.chunks], dtype=np.float32
            )
        lexical = self.lexical.search(query, pool, mask)
        phrased: list[tuple[StoredChunk, float]] = []
        if self.settings.phrasings_on:
            accepts = filters.accepts if mask is not None else None
            phrased = self.phrasings.search(vector, self.lexical.chunks, self.embedder, 0, accepts)

        return self._fuse(dense, lexical, k, phrased[:pool], {c.id: sim for c, sim in phrased})

    def retrieve_by_vector(self, query: str, vector: np.ndarray, k: int | None = None) -> list[Passage]:
        """The top ``k`` passages for ``query``, with ``vector`` as its precomputed embedding."""
        return self.retrieve(query, k=k, query_vector=vector)

    def _fuse(
        self,
        dense: Sequence[tuple[StoredChunk, float]],
        lexical: Sequence[tuple[StoredChunk, float]],
        k: int,
        phrased: Sequence[tuple[StoredChunk, float]] = (),
        phrasing: dict[str, float] | None = None,
    ) -> list[Passage]:
        """Reciprocal rank fusion of the rankings, at most ``max_per_source`` chunks per document.

        ``phrasing`` is every chunk's closest-phrasing cosine (``phrased`` ranks only the best).
        """
        scores: dict[str, float] = {}
        chunks: dict[str, StoredChunk] = {}
        similarity: dict[str, float] = {}
        for rank, (chunk, sim) in enumerate(dense, 1):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + self.settings.dense_weight / (self.settings.rrf_k + rank)
            chunks[chunk.id] = chunk
            similarity[chunk.id] = sim
        for weight, ranking in ((1.0, lexical), (self.settings.phrasing_weight, phrased)):
            if weight <= 0:
                continue  # phrasings matched for coverage and answer lines only
            for rank, (chunk, _) in enumerate(ranking, 1):
                scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (self.settings.rrf_k + rank)
                chunks.setdefault(chunk.id, chunk)
        phrasing = phrasing or {}
        bm25 = {chunk.id: score for chunk, score in lexical}
        ranked = sorted(scores, key=lambda cid: scores[cid], reverse=True)
        chosen: list[str] = []
        per_source: dict[str, int] = {}
        for cid in ranked:
            source = str(chunks[cid].metadata.get("source", ""))
            if per_source.get(source, 0) < self.settings.max_per_source:
                chosen.append(cid)
                per_source[source] = per_source.get(source, 0) + 1
            if len(chosen) == k:
                break
        if len(chosen) < k:  # not enough distinct documents: fill with the best of the rest
            chosen += [cid for cid in ranked if cid not in chosen][: k - len(chosen)]
        return [
            to_passage(chunks[cid], scores[cid], similarity.get(cid), phrasing.get(cid), bm25.get(cid))
            for cid in chosen
        ]


def to_passage(
    chunk: StoredChunk,
    score: float,
    similarity: float | None = None,
    phrasing_similarity: float | None = None,
    lexical_score: float | None = None,
) -> Passage:
    meta = chunk.metadata
    topics = [t for t in str(meta.get("topics", "")).split("|") if t]
    return Passage(
        id=chunk.id,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        text=chunk.text,
        score=round(score, 6),
        similarity=None if similarity is None else round(similarity, 4),
        phrasing_similarity=None if phrasing_similarity is None else round(phrasing_similarity, 4),
        lexical_score=None if lexical_score is None else round(lexical_score, 4),
        audience=str(meta.get("audience", "all")),
        stage=str(meta.get("stage", "program")),
        topics=topics,
    )
