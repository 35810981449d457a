"""Structured output: validation, retry with the error fed back, then the fallback."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from coach.llm.fake import FakeChatModel
from coach.llm.prompts import Prompt
from coach.llm.structured import extract_json, generate_structured, parse_reply


class Agenda(BaseModel):
    title: str
    minutes: int = Field(ge=5, le=120)


TASK = Prompt(name="task", version=1, input_variables=["topic"], system="Plan.", template="Topic: {topic}")
GOOD = json.dumps({"title": "Tools", "minutes": 30})
FALLBACK = Agenda(title="Default", minutes=45)


def run(model: FakeChatModel, retries: int = 2):  # type: ignore[no-untyped-def]
    return generate_structured(model, TASK, {"topic": "tools"}, Agenda, lambda: FALLBACK, retries=retries)


def test_valid_first_reply_is_used() -> None:
    result = run(FakeChatModel(responses=[GOOD]))
    assert result.source == "model" and result.attempts == 1 and result.value.minutes == 30
    assert not result.errors


def test_bad_replies_are_retried_with_the_validation_error_fed_back() -> None:
    model = FakeChatModel(responses=["Sure! Here is your agenda.", '{"title": "Tools", "minutes": 500}', GOOD])
    result = run(model)
    assert result.source == "model" and result.attempts == 3 and result.value == Agenda(title="Tools", minutes=30)
    assert "not valid JSON" in result.errors[0] and "minutes" in result.errors[1]
    second_call = "\n".join(str(m.content) for m in model.calls[1])
    assert "not valid JSON" in second_call and "Sure! Here is your agenda." in second_call
    third_call = "\n".join(str(m.content) for m in model.calls[2])
    assert "minutes: Input should be less than or equal to 120" in third_call


def test_schema_is_shown_to_the_model() -> None:
    model = FakeChatModel(responses=[GOOD])
    run(model)
    assert '"minutes"' in str(model.calls[0][-1].content) and "Topic: tools" in str(model.calls[0][-1].content)


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_persistently_bad_model_falls_back_after_bounded_attempts(retries: int) -> None:
    model = FakeChatModel(responses=['{"title": 3}'])
    result = run(model, retries=retries)
    assert result.source == "fallback" and result.value is FALLBACK
    assert result.attempts == retries + 1 == len(model.calls) == len(result.errors)


def test_models_not_trusted_with_structure_go_straight_to_the_fallback() -> None:
    model = FakeChatModel(responses=[GOOD], capable=False)
    result = run(model)
    assert result.source == "fallback" and result.attempts == 0 and model.calls == []


@pytest.mark.parametrize(
    "reply",
    [f"```json\n{GOOD}\n```", f"Here it is: {GOOD} Hope that helps.", GOOD],
)
def test_json_is_found_inside_prose_or_fences(reply: str) -> None:
    assert parse_reply(reply, Agenda) == Agenda(title="Tools", minutes=30)
    assert json.loads(extract_json(reply))["minutes"] == 30
