"""The composition root: the heavy collaborators, handed in or built once, lazily, from settings.

The CLI and the app both go through ``Runtime`` so that the embedding model, the vector
store, the chat model and the database are created on first use and shared afterwards;
tests hand in their own pieces (``Runtime(settings, embedder=...)``) or swap one for a
block (``with runtime.override(retriever=...)``). The app serves
every browser session from threads of one process, so each component is built exactly
once even when sessions ask for it at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from coach.config import Settings, get_settings
from coach.data import reference_data

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.knowledge.ingest import IngestSummary, ProgressCallback
    from coach.knowledge.retrieval import HybridRetriever
    from coach.knowledge.store import VectorStore
    from coach.ports import Embedder
    from coach.storage.db import Database


T = TypeVar("T")
# One lock for every component: building the retriever builds the store and the embedder.
_BUILDING = threading.RLock()


class shared_component(Generic[T]):  # noqa: N801 - used like functools.cached_property
    """A cached property built once per runtime, under a lock, whichever thread asks first.

    Like ``functools.cached_property`` the value lives in the instance ``__dict__``; a piece
    handed to ``Runtime(...)`` or ``Runtime.override(...)`` is put there before first use.
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


PIECES = ("embedder", "store", "retriever", "chat_model", "database")


class Runtime:
    """The composition root: the components for one settings object, built lazily or handed in.

    Every piece not given is built from ``settings`` on first use and then shared; the
    structured data files are checked when the runtime is made, so a typo in one fails at
    start-up with the file and field named.

    Args:
        settings: The settings (resolved from the environment if omitted).
        embedder: The embedding model.
        store: The vector store.
        retriever: What answers and flows retrieve passages with.
        chat_model: The chat model.
        database: The application database.

    Raises:
        ConfigurationError: a data file is missing or has a wrong field.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        retriever: HybridRetriever | None = None,
        chat_model: BaseChatModel | None = None,
        database: Database | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.data = reference_data(self.settings.knowledge_data_dir)
        self.data.check()
        given = {
            "embedder": embedder,
            "store": store,
            "retriever": retriever,
            "chat_model": chat_model,
            "database": database,
        }
        self.__dict__.update({name: piece for name, piece in given.items() if piece is not None})

    @contextmanager
    def override(
        self,
        *,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        retriever: HybridRetriever | None = None,
        chat_model: BaseChatModel | None = None,
        database: Database | None = None,
    ) -> Iterator[Runtime]:
        """Use the given pieces inside the ``with`` block, and the previous ones after it.

        Pieces left as ``None`` stay as they are. For tests (like pydantic-ai's
        ``agent.override``): nothing outside the runtime is patched.
        """
        given = {
            "embedder": embedder,
            "store": store,
            "retriever": retriever,
            "chat_model": chat_model,
            "database": database,
        }
        swapped = {name: piece for name, piece in given.items() if piece is not None}
        missing = object()
        saved = {name: self.__dict__.get(name, missing) for name in swapped}
        with _BUILDING:
            self.__dict__.update(swapped)
        try:
            yield self
        finally:
            with _BUILDING:
                for name, previous in saved.items():
                    if previous is missing:
                        self.__dict__.pop(name, None)
                    else:
                        self.__dict__[name] = previous

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

    @shared_component
    def database(self) -> Database:
        from coach.storage.db import open_database

        return open_database(self.settings)

    def ingest(
        self, paths: list[Path] | None = None, progress: ProgressCallback | None = None, follow_symlinks: bool = False
    ) -> IngestSummary:
        """Ingest paths (default: the knowledge folder) into the store, then embed the packaged
        guides' section phrasings once (cached), so the first question does not wait for them."""
        from coach.knowledge.ingest import ingest_paths

        summary = ingest_paths(
            paths or default_ingest_paths(self.settings),
            self.settings,
            self.store,
            self.embedder,
            progress,
            follow_symlinks=follow_symlinks,
        )
        phrasings = getattr(self.retriever, "phrasings", None)
        if self.settings.phrasings_on and phrasings is not None and phrasings.phrasings:
            phrasings.vectors(self.embedder)
        return summary

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
