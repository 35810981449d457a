"""Shared fixtures: real local components, pointed at temporary folders.

The embedding model is loaded once per session, on the default ONNX Runtime backend,
exported once into a session-wide model cache that every runtime and subprocess of the
session reuses (``COACH_MODEL_CACHE_DIR``); one session-wide index of ``knowledge/``
serves every read-only retrieval test. Tests that write get their own store.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
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
# The ONNX export of the embedding model is made once per test session, not once per data dir.
_MODEL_CACHE = tempfile.mkdtemp(prefix="coach-test-models-")
atexit.register(shutil.rmtree, _MODEL_CACHE, ignore_errors=True)
os.environ["COACH_MODEL_CACHE_DIR"] = _MODEL_CACHE

from coach import resources  # noqa: E402
from coach.config import PROJECT_ROOT, Settings  # noqa: E402
from coach.knowledge.embeddings import SentenceTransformerEmbedder, build_embedder  # noqa: E402
from coach.knowledge.onnx_embedder import OnnxEmbedder  # noqa: E402
from coach.runtime import Runtime  # noqa: E402
from coach.storage import Database, open_database  # noqa: E402
from tests.postgres import PostgresCluster, postgres_bin_dir  # noqa: E402

KNOWLEDGE_DIR = resources.knowledge_dir()
DATASETS_DIR = PROJECT_ROOT / "eval" / "datasets"
EXTERNAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "external"
DATABASE_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def embedder() -> OnnxEmbedder:
    """The real packaged all-MiniLM-L6-v2 model on the default backend (ONNX Runtime).

    It has the PyTorch embedder's interface (``embed``, ``embed_layer``, ``model_path``),
    which is what tests annotated with ``SentenceTransformerEmbedder`` rely on.
    """
    embedder = build_embedder(Settings())
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with all state under ``tmp_path`` and the scripted fake model."""
    return Settings(data_dir=tmp_path / "data", llm_provider="fake")


def make_runtime(settings: Settings, embedder: SentenceTransformerEmbedder) -> Runtime:
    """A runtime that reuses the already-loaded embedding model."""
    return Runtime(settings, embedder=embedder)


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


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster on a free loopback port for the whole session, removed at the end.

    Started only when a PostgreSQL-backed test first asks for it. ``make test`` installs
    Debian's ``postgresql``; without its binaries the PostgreSQL cases are skipped.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql; make test does)")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=DATABASE_BACKENDS)
def database_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at an empty database of this test's own, once per backend.

    ``sqlite``: a file in the test's data folder. ``postgresql``: a fresh database in the
    session's cluster, dropped after the test.
    """
    data_dir = tmp_path / "db-data"
    if request.param == "sqlite":
        yield Settings(data_dir=data_dir, llm_provider="fake")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_database()
    try:
        yield Settings(data_dir=data_dir, llm_provider="fake", database_url=cluster.url(name))
    finally:
        cluster.drop_database(name)


@pytest.fixture
def database(database_settings: Settings) -> Iterator[Database]:
    """A migrated, empty database for storage tests: the one fixture every storage test uses.

    Parametrized over SQLite and PostgreSQL, so every test that uses it runs on both.
    """
    db = open_database(database_settings)
    yield db
    db.dispose()
