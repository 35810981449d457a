"""Chat: the offline router path, the tool-calling agent path and its fallback, and the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from coach.config import Settings
from coach.errors import InputError
from coach.flows.chat.agent import chat, extract_duration, extract_focus, extract_sessions
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.llm.fake import FakeChatModel
from coach.runtime import Runtime


class ToolCallingFake(FakeChatModel):
    """A capable fake that asks for one tool call, then answers in text."""

    tool_name: str = "score_feedback_text"
    tool_args: dict[str, Any] = {}

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingFake:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.calls.append(list(messages))
        if messages[-1].type == "tool":
            message = AIMessage(content="Here is what the scorer found.")
        else:
            message = AIMessage(content="", tool_calls=[{"name": self.tool_name, "args": self.tool_args, "id": "c1"}])
        return ChatResult(generations=[ChatGeneration(message=message)])


def runtime_with(base: Runtime, model: Any) -> Runtime:
    """A runtime sharing ``base``'s settings, index and embedder, with ``model`` as chat model."""
    return Runtime(base.settings, embedder=base.embedder, store=base.store, retriever=base.retriever, chat_model=model)


@pytest.fixture
def offline(indexed_runtime: Runtime) -> Runtime:
    return runtime_with(indexed_runtime, FakeChatModel(capable=False))


@pytest.mark.parametrize(
    ("message", "duration"),
    [
        ("30 min session", 30),
        ("an hour next week", 60),
        ("2-hour workshop", 120),
        ("quarter of an hour", 15),
        ("plan it", 45),
        ("a 500 minute marathon", 180),
        ("5 mins", 10),
    ],
)
def test_extract_duration(message: str, duration: int) -> None:
    assert extract_duration(message) == duration


@pytest.mark.parametrize(
    ("message", "sessions"),
    [
        ("Session 4 of 6 coming up", (4, 6)),
        ("our first session", (1, 6)),
        ("session 3", (3, 6)),
        ("session 9", (9, 9)),
        ("plan it", (1, 6)),
    ],
)
def test_extract_sessions(message: str, sessions: tuple[int, int]) -> None:
    assert extract_sessions(message) == sessions


def test_extract_focus() -> None:
    assert (
        extract_focus("next session focus = accessibility in presentations. 60 min.")
        == "accessibility in presentations"
    )
    assert extract_focus("questions to ask my mentor about social media?") == "social media"


@pytest.mark.parametrize(
    ("message", "route", "key"),
    [
        ("Plan our session 2 of 6, 30 min, video call, focus is AI tools.", "agenda", "items"),
        ("Score this: 'In Monday's call you interrupted Sam twice. Could you let him finish?'", "feedback", "criteria"),
        ("Is it a stereotype to say 'older staff can't use Teams'?", "reflection", "check"),
        ("What should I ask my mentor about messaging apps?", "questions", "questions"),
        ("How often should reverse mentoring pairs meet?", "ask", "answer"),
    ],
)
def test_offline_chat_runs_the_routed_flow(offline: Runtime, message: str, route: str, key: str) -> None:
    reply = chat(message, offline)
    assert reply.route == route and reply.text
    assert key in reply.data and reply.data["routing"]["route"] == route
    json.dumps(reply.data)


def test_agenda_defaults_come_from_the_message(offline: Runtime) -> None:
    reply = chat("Plan our session 2 of 6, 30 min, video call, focus is AI tools.", offline)
    assert reply.data["duration_minutes"] == 30
    assert sum(item["minutes"] for item in reply.data["items"]) == 30


def test_practice_requests_point_to_the_practice_command(offline: Runtime) -> None:
    reply = chat("Pretend you're a defensive exec and let me practise.", offline)
    assert reply.route == "feedback" and "coach practice" in reply.text


def test_empty_message(offline: Runtime) -> None:
    with pytest.raises(InputError):
        chat("  ", offline)


def test_agent_calls_a_flow_tool(indexed_runtime: Runtime) -> None:
    model = ToolCallingFake(tool_args={"feedback": "In Monday's call you interrupted Sam. Could you let him finish?"})
    reply = chat("check my feedback please", runtime_with(indexed_runtime, model))
    assert reply.route == "feedback" and reply.text == "Here is what the scorer found."
    assert "criteria" in reply.data
    assert any(m.type == "tool" for m in model.calls[-1])


def test_agent_failure_falls_back_to_the_router(indexed_runtime: Runtime) -> None:
    model = ToolCallingFake(tool_name="no_such_tool")
    reply = chat("How often should reverse mentoring pairs meet?", runtime_with(indexed_runtime, model))
    assert reply.route == "ask" and "routing" in reply.data


def test_capable_model_without_tool_support_falls_back(indexed_runtime: Runtime) -> None:
    reply = chat("What should I ask my mentor about podcasts?", runtime_with(indexed_runtime, FakeChatModel()))
    assert reply.route == "questions"


def test_chat_cli_one_shot_json(offline: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import coach.cli  # noqa: F401  (registers the commands)
    from coach import commands

    result = CliRunner().invoke(commands.app, ["chat", "How often should pairs meet?", "--json"], obj=offline)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"route", "text", "data"} and data["route"] == "ask"


def test_chat_cli_repl(offline: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import coach.cli  # noqa: F401
    from coach import commands

    result = CliRunner().invoke(
        commands.app, ["chat"], input="What should I ask my mentor about podcasts?\n\n", obj=offline
    )
    assert result.exit_code == 0, result.output
    assert "(questions)" in result.output


@pytest.mark.slow
@pytest.mark.integration
def test_chat_with_the_local_model_uses_the_router(
    indexed_runtime: Runtime, embedder: SentenceTransformerEmbedder
) -> None:
    from coach.llm.providers import build_chat_model

    local = build_chat_model(Settings(llm_provider="local"))
    reply = chat("Session 3 of 6, 45 minutes, focus on data dashboards. Plan it.", runtime_with(indexed_runtime, local))
    assert reply.route == "agenda" and reply.data["duration_minutes"] == 45
