"""The Chroma vector store, embedded (PersistentClient) or remote (HttpClient).

The collection's metadata carries an ``index_version`` that changes on every write, so
any process can tell cheaply when its in-memory lexical index is stale.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from coach.config import Settings
from coach.errors import StoreError

Where = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])


def _translated(method: F) -> F:
    """A store call whose server failure (e.g. the Chroma server went away) is one ``StoreError``."""

    @functools.wraps(method)
    def wrapper(self: VectorStore, *args: Any, **kwargs: Any) -> Any:
        from coach.failures import server_failure

        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            failure = server_failure(exc, self.settings)
            if failure is None:
                raise
            raise failure from exc

    return wrapper  # type: ignore[return-value]


@dataclass
class IndexedDocument:
    """One document as the index knows it: its chunk ids and the ingest root it came from."""

    ids: set[str]
    root: str | None  # None for documents indexed before roots were recorded


@dataclass
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


class VectorStore:
    """A thin, typed wrapper over one Chroma collection with cosine distance."""

    def __init__(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.settings = settings
        try:
            if settings.vector_store == "http":
                self.client = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                )
                self.client.heartbeat()
                self.location = f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            else:
                assert settings.chroma_path is not None
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
                self.location = str(settings.chroma_path)
            self.collection = self.client.get_or_create_collection(
                settings.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except StoreError:
            raise
        except Exception as exc:
            where = (
                f"{settings.chroma_host}:{settings.chroma_port}"
                if settings.vector_store == "http"
                else str(settings.chroma_path)
            )
            hint = (
                "Start it with 'chroma run --path DIR --port N' or set COACH_VECTOR_STORE=embedded."
                if settings.vector_store == "http"
                else "Check the folder is writable, or point COACH_DATA_DIR elsewhere."
            )
            raise StoreError(f"Cannot open the vector store at {where} ({exc.__class__.__name__}).", hint=hint) from exc
        self.max_batch = max(1, min(5000, int(self.client.get_max_batch_size())))

    # --- reading -------------------------------------------------------------------
    @_translated
    def count(self) -> int:
        return int(self.collection.count())

    @_translated
    def index_version(self) -> str:
        self.collection = self.client.get_collection(self.collection.name, embedding_function=None)
        meta = self.collection.metadata or {}
        return f"{meta.get('index_version', '')}:{self.count()}"

    @_translated
    def ids_by_source(self) -> dict[str, set[str]]:
        """Every chunk id, grouped by the document it came from."""
        grouped: dict[str, set[str]] = {}
        for chunk in self.iter_chunks(include_text=False):
            grouped.setdefault(str(chunk.metadata.get("source", "")), set()).add(chunk.id)
        return grouped

    @_translated
    def documents(self) -> dict[str, IndexedDocument]:
        """Every indexed document by source name, with its chunk ids and root."""
        found: dict[str, IndexedDocument] = {}
        for chunk in self.iter_chunks(include_text=False):
            source = str(chunk.metadata.get("source", ""))
            root = chunk.metadata.get("root")
            entry = found.setdefault(source, IndexedDocument(set(), None if root is None else str(root)))
            entry.ids.add(chunk.id)
        return found

    @_translated
    def _page(self, include: list[Any], limit: int, offset: int) -> Any:
        return self.collection.get(include=include, limit=limit, offset=offset)

    def iter_chunks(self, include_text: bool = True, page: int = 5000) -> Iterator[StoredChunk]:
        include: list[Any] = ["metadatas", "documents"] if include_text else ["metadatas"]
        offset = 0
        while True:
            got = self._page(include, page, offset)
            ids = got["ids"]
            if not ids:
                return
            docs = got.get("documents") or [""] * len(ids)
            metas = got.get("metadatas") or [{}] * len(ids)
            for cid, doc, meta in zip(ids, docs, metas, strict=True):
                yield StoredChunk(cid, doc or "", dict(meta or {}))
            offset += len(ids)

    @_translated
    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["metadatas", "documents"])
        docs = got.get("documents") or [""] * len(got["ids"])
        metas = got.get("metadatas") or [{}] * len(got["ids"])
        return [StoredChunk(i, d or "", dict(m or {})) for i, d, m in zip(got["ids"], docs, metas, strict=True)]

    @_translated
    def query(self, embedding: np.ndarray, n: int, where: Where | None = None) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks by cosine similarity, best first."""
        if self.count() == 0:
            return []
        result = self.collection.query(
            query_embeddings=[embedding.astype(np.float32).tolist()],
            n_results=n,
            where=where or None,
            include=["metadatas", "documents", "distances"],
        )
        ids = result["ids"][0]
        docs = (result.get("documents") or [[]])[0]
        metas = (result.get("metadatas") or [[]])[0]
        dists = (result.get("distances") or [[]])[0]
        return [
            (StoredChunk(i, d or "", dict(m or {})), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    # --- writing -------------------------------------------------------------------
    @_translated
    def add(
        self,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            self.collection.upsert(
                ids=list(ids[start:end]),
                embeddings=embeddings[start:end],
                documents=list(documents[start:end]),
                metadatas=list(metadatas[start:end]),
            )

    @_translated
    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Replace the metadata of existing chunks (their text and vectors stay)."""
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            self.collection.update(ids=list(ids[start:end]), metadatas=list(metadatas[start:end]))

    @_translated
    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[start : start + self.max_batch])

    @_translated
    def bump_version(self) -> None:
        """Mark the index as changed so other readers rebuild their lexical index."""
        meta = dict(self.collection.metadata or {})
        meta.pop("hnsw:space", None)
        meta["index_version"] = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
        self.collection.modify(metadata=meta)
