"""A scripted chat model for tests and the demo mode; it never calls anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

_TOKEN = re.compile(r"\s*\S+")


class FakeChatModel(BaseChatModel):
    """Returns ``responses`` in order (cycling), token by token when streamed.

    Every call's messages are recorded in ``calls`` so tests can check what the model
    was shown (for example, that a validation error was fed back).
    """

    responses: list[str] = Field(default_factory=lambda: ["This is a scripted answer."])
    capable: bool = True
    context_window: int = 2048
    _index: int = PrivateAttr(default=0)
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "fake"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """The messages of every call so far, oldest first."""
        return self._calls

    def get_num_tokens(self, text: str) -> int:
        """Whitespace tokens: deterministic and cheap."""
        return len(_TOKEN.findall(text))

    def _next(self, messages: list[BaseMessage], max_tokens: int | None) -> str:
        self._calls.append(list(messages))
        if not self.responses:
            return ""
        text = self.responses[self._index % len(self.responses)]
        self._index += 1
        if max_tokens is not None:
            text = "".join(_TOKEN.findall(text)[:max_tokens])
        return text

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._next(messages, kwargs.get("max_tokens"))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages, kwargs.get("max_tokens"))
        if not _TOKEN.findall(text):
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))
        for piece in _TOKEN.findall(text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
