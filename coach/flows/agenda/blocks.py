"""Agenda building blocks and stage plans (``knowledge/data/agenda_blocks.yaml``), and focus matching.

Blocks are the reusable pieces an agenda is assembled from; stage plans say which
required elements a first, ongoing, review or closing session must contain. Matching a
focus to blocks uses the retriever's embedding model when there is one, plus word overlap,
so it also works with a fake retriever in tests.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from pathlib import Path
from typing import Literal
from weakref import WeakKeyDictionary

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError

from coach.data import load_file
from coach.errors import ConfigurationError
from coach.ports import Retriever, TextEmbedder, VectorRetriever
from coach.schemas import Passage

BLOCKS_FILE = "agenda_blocks.yaml"
GUIDE_PREFIX = "knowledge/guides/"
Stage = Literal["first-session", "ongoing", "review", "closing"]
STAGE_ORDER: tuple[Stage, ...] = ("first-session", "ongoing", "review", "closing")
ALL_FORMATS: tuple[Literal["in person", "video"], ...] = ("in person", "video")

# Weight of word overlap next to cosine similarity when an embedding model is available.
LEXICAL_WEIGHT = 0.35

# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "i", "in", "into", "is", "it", "its",
    "of", "on", "or", "our", "the", "their", "this", "to", "we", "what", "when", "with", "you", "your", "my", "me",
    "us", "do", "does", "can", "about", "over", "new", "not", "just", "than", "then", "they", "them",
})
# fmt: on
_WORD = re.compile(r"\w+", re.UNICODE)


class Preparation(BaseModel):
    """What each person does before a session."""

    mentor: str = ""
    mentee: str = ""


class AgendaBlock(BaseModel):
    """One reusable agenda activity."""

    id: str
    activity: str
    purpose: str
    details: str
    stages: list[Stage]
    formats: list[Literal["in person", "video"]] = Field(default_factory=lambda: list(ALL_FORMATS))
    min_minutes: int = Field(ge=1)
    max_minutes: int = Field(ge=1)
    owner: Literal["mentor", "mentee", "both"]
    covers: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    source: str
    preparation: Preparation = Field(default_factory=Preparation)

    @property
    def source_path(self) -> str:
        """The indexed source name of the block's guide."""
        return f"{GUIDE_PREFIX}{self.source}"

    @property
    def is_topic(self) -> bool:
        """A content block (no required element) that can carry an ongoing session's focus."""
        return not self.covers and "ongoing" in self.stages

    @property
    def match_text(self) -> str:
        """The text compared with a session's focus."""
        return f"{self.activity}. {self.purpose} {self.details} Topics: {', '.join(self.topics)}."


class StagePlan(BaseModel):
    """What a session at one stage must contain and what it aims for."""

    label: str
    required: list[str]
    main_blocks: list[str] = Field(default_factory=list)
    generic_focus: str
    objectives: list[str]
    follow_up: list[str]


class BlockLibrary(BaseModel):
    """All blocks (in file order) and the stage plans."""

    stages: dict[Stage, StagePlan]
    blocks: list[AgendaBlock]

    def by_id(self, block_id: str) -> AgendaBlock:
        """The block called ``block_id``."""
        for block in self.blocks:
            if block.id == block_id:
                return block
        raise KeyError(block_id)

    def position(self, block: AgendaBlock) -> int:
        """The block's place in the file (the default running order)."""
        return self.blocks.index(block)


def load_blocks(path: Path | None = None) -> BlockLibrary:
    """Load and check the block library (cached per path).

    Raises:
        ConfigurationError: the file is missing, unreadable or inconsistent.
    """
    return load_file(BLOCKS_FILE, parse_blocks, path)


def parse_blocks(path: Path) -> BlockLibrary:
    """Read and check an agenda blocks file (unique ids, known blocks in every stage plan)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        library = BlockLibrary.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"Cannot load agenda blocks from {path}: {exc}") from exc
    ids = [b.id for b in library.blocks]
    if len(ids) != len(set(ids)):
        raise ConfigurationError(f"Duplicate block ids in {path}.")
    for block in library.blocks:
        if block.min_minutes > block.max_minutes:
            raise ConfigurationError(f"Block '{block.id}' has min_minutes above max_minutes.")
    for stage, plan in library.stages.items():
        for block_id in plan.main_blocks:
            if block_id not in ids:
                raise ConfigurationError(f"Stage '{stage}' names unknown main block '{block_id}'.")
    return library


def words(text: str) -> set[str]:
    """Content words of ``text``, lower-cased and crudely stemmed (plural and -ing endings)."""
    found: set[str] = set()
    for raw in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if raw in _STOPWORDS or len(raw) < 3 or raw.isdigit():
            continue
        found.add(stem(raw))
    return found


def stem(word: str) -> str:
    """A light stemmer: enough to match 'meetings' with 'meeting' and 'demos' with 'demo'."""
    for suffix in ("ing", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def lexical_similarity(query: str, block: AgendaBlock) -> float:
    """Share of the block's topic phrases present in ``query``, plus a little word overlap."""
    have = words(query)
    if not have:
        return 0.0
    topic_hits = sum(1 for topic in block.topics if words(topic) and words(topic) <= have)
    overlap = len(have & words(block.match_text)) / max(len(have), 1)
    return min(1.0, 0.5 * topic_hits / max(len(block.topics), 1) + 0.5 * overlap + 0.15 * min(topic_hits, 2))


_BLOCK_VECTORS: WeakKeyDictionary[object, dict[str, np.ndarray]] = WeakKeyDictionary()


def block_vectors(embedder: TextEmbedder, blocks: list[AgendaBlock]) -> dict[str, np.ndarray]:
    """Embeddings of the blocks' match texts, computed once per embedder."""
    try:
        cached = _BLOCK_VECTORS.get(embedder)
    except TypeError:  # not weak-referenceable: compute without caching
        cached = None
    missing = [b for b in blocks if cached is None or b.id not in cached]
    if cached is None:
        cached = {}
    if missing:
        rows = embedder.embed([b.match_text for b in missing])
        for block, row in zip(missing, rows, strict=True):
            cached[block.id] = np.asarray(row, dtype=np.float32)
        with contextlib.suppress(TypeError):
            _BLOCK_VECTORS[embedder] = cached
    return cached


def relevance(
    query: str,
    blocks: list[AgendaBlock],
    embedder: TextEmbedder | None = None,
    query_vector: np.ndarray | None = None,
) -> dict[str, float]:
    """How well each block matches ``query`` (higher is better, roughly 0..1.4)."""
    scores = {b.id: lexical_similarity(query, b) for b in blocks}
    if embedder is None or not query.strip():
        return scores
    vectors = block_vectors(embedder, blocks)
    if query_vector is None:
        query_vector = np.asarray(embedder.embed([query])[0], dtype=np.float32)
    for block in blocks:
        cosine = float(np.dot(vectors[block.id], query_vector))
        scores[block.id] = cosine + LEXICAL_WEIGHT * scores[block.id]
    return scores


def embedder_of(retriever: object) -> TextEmbedder | None:
    """The retriever's embedding model, if it exposes one."""
    embedder = getattr(retriever, "embedder", None)
    return embedder if isinstance(embedder, TextEmbedder) else None


class PrefetchedRetriever:
    """Embeds a batch of known queries in one call, then retrieves with the precomputed vectors.

    On a busy CPU one embedding call costs about as much as ten batched ones, so a flow that
    knows its queries up front asks for them together. Retrievers that cannot take a
    precomputed vector (test fakes) are simply called with the query.
    """

    def __init__(self, retriever: Retriever, queries: list[str], max_chars: int) -> None:
        self.retriever = retriever
        self.max_chars = max_chars
        self.vectors: dict[str, np.ndarray] = {}
        self.embedder = embedder = embedder_of(retriever)
        self._by_vector = retriever if isinstance(retriever, VectorRetriever) else None
        if embedder is None or self._by_vector is None:
            return
        cleaned = list(dict.fromkeys(self.clean(q) for q in queries if q.strip()))
        if cleaned:
            self.vectors = dict(zip(cleaned, np.asarray(embedder.embed(cleaned)), strict=True))

    def vector(self, text: str) -> np.ndarray | None:
        """The prefetched embedding of ``text``, if it was in the batch."""
        return self.vectors.get(self.clean(text))

    def clean(self, query: str) -> str:
        """The query as it is embedded and sent: whitespace collapsed, cut to ``max_chars``."""
        return " ".join(query.split())[: self.max_chars]

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        """The retriever's passages for ``query``, reusing its prefetched vector when there is one."""
        cleaned = self.clean(query)
        vector = self.vectors.get(cleaned)
        if vector is None or self._by_vector is None:
            return self.retriever.retrieve(cleaned, k=k)
        return self._by_vector.retrieve_by_vector(cleaned, vector, k=k)
