"""The ``openai`` provider: langchain-openai against OpenAI or any compatible server.

This module imports langchain-openai at import time, so only the provider factory
imports it. Failures of the endpoint are translated into ``ModelError`` with a hint by
``translate_openai_error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import PrivateAttr

from coach.errors import ModelError

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class CompatibleChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` that checks the model name once and speaks to older servers.

    Before the first request it asks the endpoint's ``/models`` list whether the
    configured model is served (servers that lack the list are trusted), so a wrong
    model name fails fast with the names that would work. Servers other than OpenAI's
    receive the widely supported ``max_tokens`` field.
    """

    context_window: int = 2048
    check_model: bool = True
    _checked: bool = PrivateAttr(default=False)

    @property
    def endpoint(self) -> str:
        """The base URL requests go to."""
        return self.openai_api_base or DEFAULT_BASE_URL

    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        if self.openai_api_base and "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        return payload

    def ensure_model_served(self) -> None:
        """Raise ``ModelError`` if the endpoint lists models and ours is not among them."""
        if self._checked or not self.check_model:
            return
        import openai

        try:
            served = [m.id for m in self.root_client.models.list()]
        except (openai.NotFoundError, openai.PermissionDeniedError, openai.UnprocessableEntityError):
            served = []  # the server does not publish a model list; trust the name
        except openai.OpenAIError as exc:
            raise translate_openai_error(exc, self) from exc
        if served and self.model_name not in served:
            shown = ", ".join(served[:10]) + (" …" if len(served) > 10 else "")
            raise ModelError(
                f"The endpoint {self.endpoint} does not serve a model named '{self.model_name}'.",
                hint=f"Set COACH_LLM_MODEL to one it serves: {shown}.",
            )
        self._checked = True

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.ensure_model_served()
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self.ensure_model_served()
        yield from super()._stream(*args, **kwargs)


def translate_openai_error(exc: BaseException, model: CompatibleChatOpenAI) -> ModelError:
    """Turn an openai SDK exception into a ``ModelError`` that says how to fix it."""
    import openai

    where = model.endpoint
    if isinstance(exc, openai.APITimeoutError):
        return ModelError(
            f"The language model at {where} did not answer within {model.request_timeout} s.",
            hint="Check that the server is running and not overloaded, or raise COACH_LLM_TIMEOUT.",
        )
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(
            f"Cannot reach the language model endpoint at {where}.",
            hint="Start the server, or fix COACH_LLM_BASE_URL; "
            "use COACH_LLM_PROVIDER=local to run the bundled model offline.",
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ModelError(
            f"The endpoint {where} rejected the API key.",
            hint="Set a valid key in OPENAI_API_KEY (or COACH_LLM_API_KEY).",
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelError(
            f"The endpoint {where} has no model named '{model.model_name}' (or the URL is wrong).",
            hint="Set COACH_LLM_MODEL to a model the server lists at /v1/models, and check COACH_LLM_BASE_URL.",
        )
    if isinstance(exc, openai.RateLimitError):
        return ModelError(
            f"The endpoint {where} is rate limiting requests (HTTP 429), even after retries.",
            hint="Wait and try again, raise COACH_LLM_MAX_RETRIES, or check your plan's quota.",
        )
    if isinstance(exc, openai.InternalServerError):
        return ModelError(
            f"The language model server at {where} failed (HTTP {exc.status_code}) after retries.",
            hint="Try again later, or check the server's logs.",
        )
    if isinstance(exc, openai.BadRequestError):
        return ModelError(
            f"The endpoint {where} refused the request: {exc.message}.",
            hint="Lower COACH_LLM_MAX_TOKENS or COACH_LLM_CONTEXT_WINDOW if the prompt is too long.",
        )
    return ModelError(f"The language model at {where} failed: {exc}.", hint="Run 'coach doctor' to check the setup.")
