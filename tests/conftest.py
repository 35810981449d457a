"""Shared fixtures: real local components, pointed at temporary folders.

The embedding model is loaded once per session; one session-wide index of ``knowledge/``
serves every read-only retrieval test. Tests that write get their own store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test may reach a model hub or send telemetry, and no developer setting leaks in.
for _name in list(os.environ):
    if _name.startswith("COACH_"):
        del os.environ[_name]
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from coach.config import PROJECT_ROOT, Settings  # noqa: E402
from coach.knowledge.embeddings import SentenceTransformerEmbedder  # noqa: E402
from coach.runtime import Runtime  # noqa: E402
from coach.storage import Database, open_database  # noqa: E402

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DATASETS_DIR = PROJECT_ROOT / "eval" / "datasets"
EXTERNAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "external"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2 model."""
    settings = Settings()
    return SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with all state under ``tmp_path`` and the scripted fake model."""
    return Settings(data_dir=tmp_path / "data", llm_provider="fake")


def make_runtime(settings: Settings, embedder: SentenceTransformerEmbedder) -> Runtime:
    """A runtime that reuses the already-loaded embedding model."""
    runtime = Runtime(settings)
    runtime.__dict__["embedder"] = embedder  # pre-fill the cached property
    return runtime


@pytest.fixture(scope="session")
def indexed_runtime(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[Runtime]:
    """A runtime whose store holds the whole knowledge base (read-only for tests)."""
    data_dir = tmp_path_factory.mktemp("indexed")
    runtime = make_runtime(Settings(data_dir=data_dir, llm_provider="fake"), embedder)
    summary = runtime.ingest()
    assert summary.ok, summary.failures
    yield runtime



@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database for storage tests: the one fixture every storage test uses.

    SQLite in ``tmp_path`` by default; the same tests are meant to run against PostgreSQL.
    """
    db = open_database(Settings(data_dir=tmp_path / "db-data", llm_provider="fake"))
    yield db
    db.dispose()
