"""A server we depend on failing mid-session is one clear line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT, Settings
from coach.errors import ModelError, StoreError
from coach.failures import server_failure
from coach.knowledge.ingest import ingest_paths
from coach.knowledge.retrieval import HybridRetriever
from coach.knowledge.store import VectorStore

from .test_chroma_server import free_port
from .test_document_identity import HashEmbedder, write


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                pytest.fail("chroma server exited during start-up")
            time.sleep(0.3)
    process.kill()
    pytest.fail("chroma server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait(timeout=20)


@pytest.mark.slow
@pytest.mark.integration
def test_retrieval_after_the_chroma_server_dies_is_one_store_error(tmp_path: Path) -> None:
    port = free_port()
    server = start_chroma(tmp_path / "chroma-server", port)
    try:
        settings = Settings(data_dir=tmp_path / "data", vector_store="http", chroma_port=port, llm_provider="fake")
        store = VectorStore(settings)
        write(tmp_path / "docs" / "a.md", "# Listening\n\nParaphrase what you heard before you reply.")
        embedder = HashEmbedder()
        assert ingest_paths([tmp_path / "docs"], settings, store, embedder).ok
        retriever = HybridRetriever(store, embedder, settings)
        assert retriever.retrieve("paraphrase", k=1)
    finally:
        stop(server)
    with pytest.raises(StoreError) as caught:
        HybridRetriever(store, embedder, settings).retrieve("paraphrase", k=1)
    message = str(caught.value)
    assert "\n" not in message and "chroma run" in message and f"127.0.0.1:{port}" in message


@pytest.mark.slow
@pytest.mark.integration
def test_coach_chat_keeps_going_with_one_line_when_the_server_dies(tmp_path: Path) -> None:
    port = free_port()
    server = start_chroma(tmp_path / "chroma-server", port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(
        COACH_DATA_DIR=str(tmp_path / "data"),
        COACH_VECTOR_STORE="http",
        COACH_CHROMA_PORT=str(port),
        COACH_LLM_PROVIDER="fake",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    chat = subprocess.Popen(
        [sys.executable, "-m", "coach", "chat"],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write("What does the guidance say about keeping session notes confidential?\n")
        chat.stdin.flush()
        while "(" not in (line := chat.stdout.readline()):  # the first reply, routed
            assert line, "coach chat ended before answering"
    finally:
        stop(server)
    out, err = chat.communicate("What do the guides say about confidentiality between a pair?\n\n", timeout=300)
    assert chat.returncode == 0
    assert "Traceback" not in err and "httpx" not in err
    errors = [line for line in err.splitlines() if line.strip() and "exporting the embedding model" not in line]
    assert len(errors) == 1 and errors[0].startswith("Error:") and "vector store" in errors[0], err


@pytest.mark.slow
@pytest.mark.integration
def test_cli_exits_1_with_one_line_when_the_server_is_gone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(tmp_path / "data"), COACH_VECTOR_STORE="http", COACH_CHROMA_PORT=str(free_port()))
    done = subprocess.run(
        [sys.executable, "-m", "coach", "documents"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip() and "exporting the embedding model" not in line]
    assert len(lines) == 1 and "chroma run" in lines[0]


def test_server_failures_are_recognised_by_their_origin() -> None:
    import httpx
    import openai
    from sqlalchemy.exc import OperationalError

    settings = Settings(database_url="postgresql://coach:secret@db.internal:5432/coach", chroma_port=8123)
    db = server_failure(OperationalError("SELECT 1", {}, Exception("connection refused")), settings)
    assert isinstance(db, StoreError) and "db.internal:5432/coach" in str(db) and "secret" not in str(db)
    store = server_failure(httpx.ConnectError("refused"), settings)
    assert isinstance(store, StoreError) and "127.0.0.1:8123" in str(store)
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat")
    assert isinstance(server_failure(openai.APIConnectionError(request=request)), ModelError)
    assert server_failure(ValueError("a bug")) is None


def test_the_app_guard_shows_a_server_failure_with_its_fix_and_keeps_input() -> None:
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import httpx
        import streamlit as st

        from app_pages import _components as ui

        st.text_area("Notes", key="notes")
        if st.button("Save"):
            with ui.guard():
                raise httpx.ConnectError("All connection attempts failed")

    at = AppTest.from_function(page, default_timeout=60)
    at.run()
    at.text_area[0].set_value("My unsaved notes").run()
    at.button[0].click().run()
    assert not at.exception
    assert "chroma run" in at.error[0].value and "How to fix" in at.error[0].value
    assert at.text_area[0].value == "My unsaved notes"
