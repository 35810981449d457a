"""Section phrasings: how people ask, in their own words, for what a guide section answers.

Users describe situations ("third time he's bailed on me this month") in words the guides
never use ("cancelled sessions"), and a small embedding model often misses the link. Each
packaged guide therefore has a file ``knowledge/phrasings/<guide>.yaml`` listing, per
section heading, a few messages as a junior mentor, senior mentee or coordinator would type
them::

    guide: ongoing-sessions.md
    sections:
      "When sessions keep getting cancelled or moved":
        - my mentee keeps moving our meetings at the last minute

Retrieval embeds the phrasings once (the vectors are cached under the data folder, keyed
by the embedding model and the phrasings' text) and ranks sections by their closest
phrasing: a third list fused with the dense and BM25 rankings. Phrasings are retrieval keys
only; they are never shown or quoted, so an answer still cites the guide's own words. They
apply only to the packaged guides (matched by file name, heading and the knowledge folder's
root label), never to a document a user ingests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from coach.errors import ConfigurationError
from coach.knowledge.store import StoredChunk
from coach.ports import Embedder

FOLDER = "phrasings"
#: Vectors already embedded in this process, by cache key (many runtimes share one model).
_EMBEDDED: dict[str, np.ndarray] = {}


@dataclass(frozen=True)
class Phrasing:
    """One way of asking for one section."""

    guide: str  # the guide's file name, e.g. "ongoing-sessions.md"
    heading: str  # the section heading as the index stores it
    text: str


def _parse(path: Path) -> list[Phrasing]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("guide"), str):
        raise ConfigurationError(f"{path} needs a 'guide' file name and a 'sections' mapping.")
    sections = data.get("sections")
    if not isinstance(sections, dict):
        raise ConfigurationError(f"{path}: 'sections' must map each heading to a list of phrasings.")
    found: list[Phrasing] = []
    for heading, texts in sections.items():
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise ConfigurationError(f"{path}: section '{heading}' needs a list of non-empty phrasings.")
        found += [Phrasing(data["guide"], str(heading or ""), " ".join(t.split())) for t in texts]
    return found


def load_phrasings(knowledge_dir: Path) -> list[Phrasing]:
    """Every phrasing under ``knowledge_dir/phrasings`` (none when the folder is absent).

    Raises:
        ConfigurationError: a file is not valid YAML or has the wrong shape (the file is named).
    """
    folder = knowledge_dir / FOLDER
    if not folder.is_dir():
        return []
    found: list[Phrasing] = []
    for path in sorted(folder.glob("*.yaml")):
        found += _parse(path)
    return found


class PhrasingIndex:
    """Phrasing vectors, matched to the store's chunks by guide file name and heading."""

    def __init__(self, phrasings: Sequence[Phrasing], root: str, cache_dir: Path | None = None) -> None:
        self.phrasings = list(phrasings)
        self.root = root
        self.cache_dir = cache_dir
        self._vectors: np.ndarray | None = None
        self._targets: list[list[StoredChunk]] = []
        self._chunks_key: tuple[str, ...] | None = None  # the chunk ids ``_targets`` was built for

    def _cache_key(self, embedder: Embedder) -> str:
        digest = hashlib.sha256(str(getattr(embedder, "name", type(embedder).__name__)).encode())
        for p in self.phrasings:
            digest.update(f"\0{p.text}".encode())
        return digest.hexdigest()[:20]

    def vectors(self, embedder: Embedder) -> np.ndarray:
        """The phrasings' unit vectors: embedded once per process and model, and cached on disk
        under ``cache_dir`` when one is given."""
        if self._vectors is not None:
            return self._vectors
        key = self._cache_key(embedder)
        path = self.cache_dir / f"phrasings-{key}.npy" if self.cache_dir is not None else None
        if key in _EMBEDDED:
            self._vectors = _EMBEDDED[key]
        elif path is not None and path.is_file():
            self._vectors = np.load(path)
        else:
            vectors = np.asarray(embedder.embed([p.text for p in self.phrasings]), dtype=np.float32)
            vectors = vectors.reshape(len(self.phrasings), -1)
            self._vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, self._vectors)
        _EMBEDDED[key] = self._vectors
        return self._vectors

    def _match(self, chunks: Sequence[StoredChunk]) -> None:
        key = tuple(c.id for c in chunks)
        if key == self._chunks_key:
            return
        by_section: dict[tuple[str, str], list[StoredChunk]] = {}
        for chunk in chunks:
            if str(chunk.metadata.get("root", "")) != self.root:
                continue
            name = Path(str(chunk.metadata.get("source", ""))).name
            by_section.setdefault((name, str(chunk.metadata.get("heading", ""))), []).append(chunk)
        self._targets = [by_section.get((p.guide, p.heading), []) for p in self.phrasings]
        self._chunks_key = key

    def search(
        self,
        vector: np.ndarray,
        chunks: Sequence[StoredChunk],
        embedder: Embedder,
        n: int,
        accepts: Callable[[dict[str, object]], bool] | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """Chunks ranked by the cosine of their closest phrasing to the query, best first.

        Args:
            vector: The query's unit embedding.
            chunks: Every chunk of the index (phrasings attach to those of the packaged guides).
            embedder: Embeds the phrasings on first use.
            n: How many chunks at most (0: every chunk that has phrasings).
            accepts: An optional ``metadata -> bool`` filter.
        """
        if not self.phrasings:
            return []
        self._match(chunks)
        sims = self.vectors(embedder) @ np.asarray(vector, dtype=np.float32)
        best: dict[str, tuple[StoredChunk, float]] = {}
        for index in np.argsort(-sims):
            for chunk in self._targets[int(index)]:
                if chunk.id not in best and (accepts is None or accepts(chunk.metadata)):
                    best[chunk.id] = (chunk, float(sims[int(index)]))
        return list(best.values())[:n] if n else list(best.values())
