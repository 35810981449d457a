"""Text generation with streaming, token limits and translated endpoint errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError, ModelError
from coach.llm.providers import context_window, count_tokens, default_max_tokens, translate_error

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

    from coach.llm.prompts import Prompt

MIN_ANSWER_TOKENS = 32
MESSAGE_OVERHEAD_TOKENS = 8  # chat template markers around each message


@contextmanager
def translated_errors(model: BaseChatModel) -> Iterator[None]:
    """Turn an endpoint failure into a ``ModelError`` with a fix hint; anything else propagates."""
    try:
        yield
    except CoachError:
        raise
    except Exception as exc:
        translated = translate_error(exc, model)
        if translated is None:
            raise
        raise translated from exc


def prompt_tokens(model: BaseChatModel, messages: list[BaseMessage]) -> int:
    """Tokens the messages take in the model's context, chat markers included."""
    return sum(count_tokens(model, str(m.content)) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def fit_max_tokens(model: BaseChatModel, messages: list[BaseMessage], max_tokens: int | None) -> int:
    """The answer length that fits the context window next to ``messages``.

    Raises:
        ModelError: the prompt leaves fewer than ``MIN_ANSWER_TOKENS`` for the answer.
    """
    wanted = max_tokens or default_max_tokens(model)
    room = context_window(model) - prompt_tokens(model, messages)
    if room < MIN_ANSWER_TOKENS:
        raise ModelError(
            f"The prompt needs {context_window(model) - room} tokens; the model's context window is "
            f"{context_window(model)}.",
            hint="Shorten the input, or raise COACH_LLM_CONTEXT_WINDOW for a model that supports more.",
        )
    return min(wanted, room)


def stream_messages(
    model: BaseChatModel, messages: list[BaseMessage], max_tokens: int | None = None, **kwargs: Any
) -> Iterator[str]:
    """Stream the model's reply to ``messages`` as text pieces.

    Raises:
        ModelError: the endpoint failed in a way the user can fix (with a hint).
    """
    limit = fit_max_tokens(model, messages, max_tokens)
    with translated_errors(model):
        for chunk in model.stream(messages, max_tokens=limit, **kwargs):
            text = chunk.text if isinstance(chunk.content, list) else str(chunk.content)
            if text:
                yield text


def stream_text(
    model: BaseChatModel, prompt: Prompt, variables: dict[str, str], max_tokens: int | None = None
) -> Iterator[str]:
    """Render ``prompt`` and stream the model's answer as it is generated.

    Args:
        model: Any chat model from ``build_chat_model``.
        prompt: A loaded prompt.
        variables: Exactly the prompt's declared variables.
        max_tokens: Answer length cap; defaults to the model's setting and is lowered
            to fit the context window.

    Yields:
        Text pieces in order; joined they are the whole answer.

    Raises:
        PromptError: wrong variables.
        ModelError: the prompt does not fit, or the endpoint failed (with a fix hint).
    """
    yield from stream_messages(model, prompt.render(**variables), max_tokens)


def generate_text(
    model: BaseChatModel, prompt: Prompt, variables: dict[str, str], max_tokens: int | None = None
) -> str:
    """Render ``prompt`` and return the model's whole answer (one non-streaming call).

    Raises:
        PromptError: wrong variables.
        ModelError: the prompt does not fit, or the endpoint failed (with a fix hint).
    """
    return invoke_messages(model, prompt.render(**variables), max_tokens).strip()


def invoke_messages(
    model: BaseChatModel,
    messages: list[BaseMessage],
    max_tokens: int | None = None,
    *,
    runnable: Runnable[Any, Any] | None = None,
) -> str:
    """One non-streaming call to ``runnable`` (default: ``model``), within ``model``'s limits.

    Raises:
        ModelError: the prompt does not fit, or the endpoint failed (with a fix hint).
    """
    limit = fit_max_tokens(model, messages, max_tokens)
    with translated_errors(model):
        reply = (runnable or model).invoke(messages, max_tokens=limit)
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)
