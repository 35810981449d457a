"""Builds the heavy collaborators once, lazily, from settings.

The CLI and the app both go through ``Runtime`` so that the embedding model, the vector
store and the chat model are created on first use and shared afterwards.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from coach.config import Settings, get_settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.knowledge.embeddings import SentenceTransformerEmbedder
    from coach.knowledge.ingest import IngestSummary, ProgressCallback
    from coach.knowledge.retrieval import HybridRetriever
    from coach.knowledge.store import VectorStore


class Runtime:
    """Lazily built components for one settings object."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    @cached_property
    def embedder(self) -> SentenceTransformerEmbedder:
        from coach.knowledge.embeddings import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(self.settings.embedding_model_path, self.settings.embedding_batch_size)

    @cached_property
    def store(self) -> VectorStore:
        from coach.knowledge.store import VectorStore

        return VectorStore(self.settings)

    @cached_property
    def retriever(self) -> HybridRetriever:
        from coach.knowledge.retrieval import HybridRetriever

        return HybridRetriever(self.store, self.embedder, self.settings)

    @cached_property
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
