"""Structured results: a pydantic model from the chat model, or a deterministic fallback.

Capable models are asked for JSON matching the schema (with the provider's JSON mode
where it has one). The reply is validated; an invalid reply is sent back with the
validation error for another try, at most ``retries`` times; then the caller's
deterministic ``fallback`` is used. Models that cannot follow a schema (the tiny local
one) go straight to the fallback. No caller ever sees raw JSON or a traceback from a
misbehaving model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from coach.errors import ModelError
from coach.llm.generation import invoke_messages
from coach.llm.prompts import Prompt, load_prompt
from coach.llm.providers import with_json_schema
from coach.ports import profile_of

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
MAX_ERROR_CHARS = 600


@dataclass
class StructuredResult(Generic[T]):
    """The value, where it came from, how many model calls were made and what went wrong."""

    value: T
    source: Literal["model", "fallback"]
    attempts: int
    errors: list[str] = field(default_factory=list)


def extract_json(text: str) -> str:
    """The JSON object inside a reply that may wrap it in prose or Markdown fences."""
    text = _FENCE.sub("", text.strip())
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        return text
    return text[start : end + 1]


def parse_reply(text: str, schema: type[T]) -> T:
    """Validate a reply against ``schema``.

    Raises:
        ValueError: with a short, model-readable description of what is wrong.
    """
    candidate = extract_json(text)
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON ({exc.msg} at position {exc.pos}).") from exc
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ValueError(f"the JSON does not match the schema: {problems}"[:MAX_ERROR_CHARS]) from exc


def structured_messages(prompt: Prompt, variables: dict[str, str], schema: type[BaseModel]) -> list[BaseMessage]:
    """The task's messages with the JSON-schema instructions added (texts from prompt files)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    task_system, task_user = prompt.format(**variables)
    fmt_system, fmt_user = load_prompt("structured_output").format(
        schema=json.dumps(schema.model_json_schema(), ensure_ascii=False)
    )
    return [
        SystemMessage(content=f"{task_system.rstrip()}\n\n{fmt_system}"),
        HumanMessage(content=f"{task_user.rstrip()}\n\n{fmt_user}"),
    ]


def generate_structured(
    model: BaseChatModel,
    prompt: Prompt,
    variables: dict[str, str],
    schema: type[T],
    fallback: Callable[[], T],
    retries: int = 2,
) -> StructuredResult[T]:
    """A validated ``schema`` instance from the model, or ``fallback()``.

    Args:
        model: Any chat model from ``build_chat_model``.
        prompt: The task prompt.
        variables: Exactly the prompt's declared variables.
        schema: The pydantic model the result must satisfy.
        fallback: Builds the deterministic result when the model cannot.
        retries: Extra attempts after the first, each told what was wrong.

    Raises:
        PromptError: wrong variables.
        ModelError: the endpoint failed in a way the user must fix (unreachable, bad key).
    """
    from langchain_core.messages import AIMessage, HumanMessage

    if not profile_of(model).structured_output:
        return StructuredResult(fallback(), "fallback", 0, ["model not trusted with structured output"])
    messages = structured_messages(prompt, variables, schema)
    runnable = with_json_schema(model, schema)
    retry_prompt = load_prompt("structured_retry")
    errors: list[str] = []
    for attempt in range(1, retries + 2):
        try:
            reply = invoke_messages(model, messages, runnable=runnable)
        except ModelError:
            if runnable is model:
                raise
            # Some OpenAI-compatible servers reject a JSON-schema response format; the
            # schema is also in the prompt, so ask again without it.
            runnable = model
            reply = invoke_messages(model, messages, runnable=runnable)
        try:
            return StructuredResult(parse_reply(reply, schema), "model", attempt, errors)
        except ValueError as exc:
            problem = str(exc)
        errors.append(problem)
        _, retry_text = retry_prompt.format(error=problem)
        messages = [*messages, AIMessage(content=reply[:2000]), HumanMessage(content=retry_text)]
    return StructuredResult(fallback(), "fallback", retries + 1, errors)
