"""The HTTP vector-store mode against a real ``chroma run`` server on a loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import Settings
from coach.errors import StoreError
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.knowledge.store import VectorStore

from .conftest import KNOWLEDGE_DIR, make_runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("chroma server exited during start-up")
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start within 60 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_http_mode_ingests_and_retrieves(
    chroma_server: int, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, vector_store="http", chroma_host="127.0.0.1", chroma_port=chroma_server)
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("confidentiality.md", "active-listening.md", "first-session.md"):
        shutil.copy(KNOWLEDGE_DIR / "guides" / name, folder / name)
    runtime = make_runtime(settings, embedder)
    first = runtime.ingest([folder])
    assert first.ok and first.chunks_added > 0
    assert runtime.ingest([folder]).chunks_embedded == 0
    passages = runtime.retriever.retrieve("what stays private between mentor and mentee", k=3)
    assert passages[0].source == f"{folder.resolve().as_posix()}/confidentiality.md"
    assert not (tmp_path / "chroma").exists()  # nothing was written to the embedded path


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, vector_store="http", chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreError) as caught:
        VectorStore(settings)
    assert "chroma run" in str(caught.value)
