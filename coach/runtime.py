"""Builds the heavy collaborators once, lazily, from settings.

The CLI and the app both go through ``Runtime`` so that the embedding model, the vector
store and the chat model are created on first use and shared afterwards. The app serves
every browser session from threads of one process, so each component is built exactly
once even when sessions ask for it at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from coach.config import Settings, get_settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.knowledge.ingest import IngestSummary, ProgressCallback
    from coach.knowledge.retrieval import HybridRetriever
    from coach.knowledge.store import VectorStore
    from coach.ports import Embedder


T = TypeVar("T")
# One lock for every component: building the retriever builds the store and the embedder.
_BUILDING = threading.RLock()


class shared_component(Generic[T]):  # noqa: N801 - used like functools.cached_property
    """A cached property built once per runtime, under a lock, whichever thread asks first.

    Like ``functools.cached_property`` the value lives in the instance ``__dict__``, so a
    component can also be handed in before first use.
    """

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> shared_component[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | shared_component[T]:
        if instance is None:
            return self
        values = instance.__dict__
        if self.name not in values:
            with _BUILDING:
                if self.name not in values:
                    values[self.name] = self.build(instance)
        return values[self.name]  # type: ignore[no-any-return]


class Runtime:
    """Lazily built components for one settings object."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    @shared_component
    def embedder(self) -> Embedder:
        from coach.knowledge.embeddings import build_embedder

        return build_embedder(self.settings)

    @shared_component
    def store(self) -> VectorStore:
        from coach.knowledge.store import VectorStore

        return VectorStore(self.settings)

    @shared_component
    def retriever(self) -> HybridRetriever:
        from coach.knowledge.retrieval import HybridRetriever

        return HybridRetriever(self.store, self.embedder, self.settings)

    @shared_component
    def chat_model(self) -> BaseChatModel:
        from coach.llm.providers import build_chat_model

        return build_chat_model(self.settings)

    def ingest(
        self, paths: list[Path] | None = None, progress: ProgressCallback | None = None, follow_symlinks: bool = False
    ) -> IngestSummary:
        """Ingest paths (default: the knowledge folder) into the store."""
        from coach.knowledge.ingest import ingest_paths

        return ingest_paths(
            paths or default_ingest_paths(self.settings), self.settings, self.store, self.embedder, progress,
            follow_symlinks=follow_symlinks,
        )

    def index_is_stale(self) -> bool:
        """True when the knowledge folder holds documents the index lacks or has changed."""
        from coach.errors import DocumentError
        from coach.knowledge.ingest import IngestSummary, collect_targets, prepare_document

        targets, _ = collect_targets(default_ingest_paths(self.settings), IngestSummary(), self.settings)
        indexed = self.store.ids_by_source()
        expected: set[str] = set()
        for target in targets:
            try:
                chunks, _ = prepare_document(target.path, target.source, self.settings)
            except DocumentError:
                continue
            ids = {c.id for c in chunks}
            expected.add(target.source)
            if ids != indexed.get(target.source, set()):
                return True
        prefix = default_ingest_paths(self.settings)[0].name + "/"
        return any(s.startswith(prefix) and s not in expected for s in indexed)


def default_ingest_paths(settings: Settings) -> list[Path]:
    """The knowledge folder (its YAML data files are not documents and are skipped)."""
    return [settings.knowledge_dir]
