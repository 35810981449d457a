"""Provider factory, fake model, token limits and endpoint failures (against loopback stubs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.errors import ModelError
from coach.llm.fake import FakeChatModel
from coach.llm.generation import fit_max_tokens, generate_text, stream_text
from coach.llm.prompts import Prompt
from coach.llm.providers import (
    build_chat_model,
    context_window,
    count_tokens,
    model_label,
    translate_error,
)
from coach.ports import profile_of
from tests.llm_fixtures import StubServer, chat_completion, free_port, make_settings, run_stub_server

ECHO = Prompt(name="echo", version=1, input_variables=["text"], system="Be brief.", template="{text}")


@pytest.fixture(autouse=True)
def _no_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_fake_provider_is_built_and_labelled(tmp_path: Path) -> None:
    model = build_chat_model(make_settings(tmp_path, llm_context_window=1024))
    assert isinstance(model, FakeChatModel)
    assert model_label(model) == "fake" and profile_of(model).structured_output and context_window(model) == 1024
    assert profile_of(model).local and profile_of(model).exact_tokens and profile_of(model).json_mode == "none"
    assert not profile_of(FakeChatModel(capable=False)).structured_output


def test_local_provider_is_built_lazily_and_not_trusted_with_structure(tmp_path: Path) -> None:
    model = build_chat_model(make_settings(tmp_path, llm_provider="local"))
    assert model_label(model).startswith("local:") and model_label(model).endswith(".gguf")
    profile = profile_of(model)
    assert not profile.structured_output and profile.local and profile.json_mode == "json_object"


def test_local_provider_with_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        build_chat_model(make_settings(tmp_path, llm_provider="local", local_model_path=tmp_path / "none.gguf"))
    assert "COACH_LOCAL_MODEL_PATH" in (info.value.hint or "")


def test_openai_provider_on_loopback_needs_no_key(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, llm_provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    model = build_chat_model(settings)
    profile = profile_of(model)
    assert model_label(model) == "openai:m" and profile.structured_output and profile.json_mode == "json_schema"
    assert not profile.local and not profile.exact_tokens


def test_openai_provider_without_key_for_a_remote_endpoint_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        build_chat_model(make_settings(tmp_path, llm_provider="openai"))
    assert "OPENAI_API_KEY" in (info.value.hint or "")


def test_fake_streams_token_by_token_and_cycles() -> None:
    model = FakeChatModel(responses=["one two three", "four"])
    pieces = list(stream_text(model, ECHO, {"text": "hi"}))
    assert pieces == ["one", " two", " three"]
    assert generate_text(model, ECHO, {"text": "hi"}) == "four"
    assert generate_text(model, ECHO, {"text": "hi"}) == "one two three"
    assert str(model.calls[0][1].content) == "hi"


def test_max_tokens_is_lowered_to_fit_the_context_window() -> None:
    model = FakeChatModel(responses=["w " * 500], context_window=600)
    messages = ECHO.render(text="word " * 400)
    limit = fit_max_tokens(model, messages, 384)
    assert limit == 600 - (count_tokens(model, "Be brief.") + count_tokens(model, "word " * 400) + 16)
    assert len("".join(stream_text(model, ECHO, {"text": "word " * 400}, max_tokens=384)).split()) == limit


def test_prompt_larger_than_the_context_window_is_a_model_error() -> None:
    model = FakeChatModel(context_window=512)
    with pytest.raises(ModelError) as info:
        generate_text(model, ECHO, {"text": "word " * 600})
    assert "COACH_LLM_CONTEXT_WINDOW" in (info.value.hint or "")


def openai_model(tmp_path: Path, base_url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "llm_provider": "openai",
        "llm_base_url": base_url,
        "llm_model": "stub-model",
        "llm_timeout": 5.0,
        "llm_max_retries": 2,
    }
    values.update(overrides)
    return build_chat_model(make_settings(tmp_path, **values))


def test_unreachable_endpoint_is_a_model_error_with_a_fix(tmp_path: Path) -> None:
    model = openai_model(tmp_path, f"http://127.0.0.1:{free_port()}/v1", llm_max_retries=0)
    with pytest.raises(ModelError) as info:
        generate_text(model, ECHO, {"text": "hi"})
    assert "Cannot reach" in info.value.message and "COACH_LLM_BASE_URL" in (info.value.hint or "")


MODELS = {"object": "list", "data": [{"id": "stub-model", "object": "model", "created": 0, "owned_by": "me"}]}


class Script:
    """Chat responses in order, then the last one forever; /models lists stub-model."""

    def __init__(self, *replies: tuple[int, dict[str, Any]]) -> None:
        self.replies = list(replies)

    def __call__(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path.endswith("/models"):
            return 200, MODELS, {}
        status, payload = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return status, payload, {"retry-after-ms": "10"}


def serve(*replies: tuple[int, dict[str, Any]]) -> Iterator[StubServer]:
    return run_stub_server(Script(*replies))


def chat_posts(stub: StubServer) -> int:
    return sum(1 for method, path in stub.requests if method == "POST" and path.endswith("/chat/completions"))


ERROR = {"error": {"message": "nope", "type": "error"}}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_errors_are_retried_then_succeed(tmp_path: Path, status: int) -> None:
    for stub in serve((status, ERROR), (200, chat_completion("recovered"))):
        assert generate_text(openai_model(tmp_path, stub.base_url), ECHO, {"text": "hi"}) == "recovered"
        assert chat_posts(stub) == 2


@pytest.mark.parametrize(
    ("status", "expected_error", "expected_hint", "posts"),
    [
        (429, "rate limiting", "COACH_LLM_MAX_RETRIES", 3),
        (502, "failed (HTTP 502) after retries", "Try again later", 3),
        (401, "rejected the API key", "OPENAI_API_KEY", 1),
        (404, "no model named 'stub-model'", "COACH_LLM_MODEL", 1),
    ],
)
def test_endpoint_failures_become_model_errors_with_hints(
    tmp_path: Path, status: int, expected_error: str, expected_hint: str, posts: int
) -> None:
    for stub in serve((status, ERROR)):
        with pytest.raises(ModelError) as info:
            generate_text(openai_model(tmp_path, stub.base_url), ECHO, {"text": "hi"})
        assert expected_error in info.value.message and expected_hint in (info.value.hint or "")
        assert chat_posts(stub) == posts  # bounded: first try plus llm_max_retries for transient errors


def test_wrong_model_name_is_caught_before_generating(tmp_path: Path) -> None:
    for stub in serve((200, chat_completion("never"))):
        model = openai_model(tmp_path, stub.base_url, llm_model="gpt-typo")
        with pytest.raises(ModelError) as info:
            list(stream_text(model, ECHO, {"text": "hi"}))
        assert "gpt-typo" in info.value.message and "stub-model" in (info.value.hint or "")
        assert chat_posts(stub) == 0


def test_non_openai_servers_receive_max_tokens(tmp_path: Path) -> None:
    seen: list[dict[str, Any]] = []

    def handler(method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path.endswith("/models"):
            return 200, MODELS, {}
        seen.append(body)
        return 200, chat_completion("ok"), {}

    for stub in run_stub_server(handler):
        generate_text(openai_model(tmp_path, stub.base_url), ECHO, {"text": "hi"}, max_tokens=50)
    assert seen[0]["max_tokens"] == 50 and "max_completion_tokens" not in seen[0]


def test_other_exceptions_are_not_translated() -> None:
    assert translate_error(ValueError("bug"), FakeChatModel()) is None


def test_an_empty_streamed_answer_is_not_an_error() -> None:
    assert list(stream_text(FakeChatModel(responses=[""]), ECHO, {"text": "hi"})) == []
