"""The packaged embedding model run with ONNX Runtime, with no PyTorch import to embed.

Tokenization (``tokenizers``, from the model's own ``tokenizer.json``), mean pooling over
the attention mask and L2 normalisation reproduce sentence-transformers exactly, so the
vectors match the PyTorch encoder (cosine 0.99999 for fp32; ``bench/embeddings.py``).
The ONNX file is exported once from the local weights into the model cache folder and
reused by every later process. Hidden layers for the feedback scorer (``embed_layer``)
still come from PyTorch, loaded the first time a scorer asks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from coach.knowledge.embeddings import (
    SentenceTransformerEmbedder,
    encode_by_length,
    model_name,
    require_model_dir,
)
from coach.knowledge.onnx_export import INPUT_NAMES

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Variant = Literal["fp32", "int8"]
#: Bumped when the export or quantization recipe changes, so old cached files are not reused.
EXPORT_RECIPE = 1
DEFAULT_MAX_TOKENS = 256

log = logging.getLogger(__name__)


def cached_model_path(model_path: Path, cache_dir: Path, variant: Variant) -> Path:
    """Where the export of this model folder lives: named by model, weights fingerprint and variant."""
    digest = hashlib.sha256(f"{EXPORT_RECIPE}:{model_path.resolve()}".encode())
    for file in sorted(model_path.glob("*.json")) + sorted(model_path.glob("*.safetensors")):
        stat = file.stat()
        digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_dir / f"{model_name(model_path)}-{digest.hexdigest()[:12]}-{variant}.onnx"


def ensure_exported(model_path: Path, cache_dir: Path, variant: Variant) -> Path:
    """The cached ONNX file for ``variant``, exported (fp32) or quantized (int8) first if missing."""
    from coach.knowledge import onnx_export

    fp32 = cached_model_path(model_path, cache_dir, "fp32")
    if not fp32.exists():
        log.warning("exporting the embedding model to ONNX once (%s)", fp32)
        onnx_export.export_fp32(model_path, fp32)
    if variant == "fp32":
        return fp32
    target = cached_model_path(model_path, cache_dir, variant)
    if not target.exists():
        onnx_export.quantize_int8(fp32, target)
    return target


def unsupported_reason(model_path: Path) -> str | None:
    """Why this model folder cannot run here (no fast tokenizer file, or not mean pooling), else None."""
    if not (model_path / "tokenizer.json").exists():
        return "it has no tokenizer.json"
    pooling = model_path / "1_Pooling" / "config.json"
    if pooling.exists() and not json.loads(pooling.read_text(encoding="utf-8")).get("pooling_mode_mean_tokens", False):
        return "it does not use mean pooling"
    return None


def load_tokenizer(model_path: Path) -> Tokenizer:
    """The model's fast tokenizer, truncating at the model's limit and padding to the longest text."""
    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    limit = DEFAULT_MAX_TOKENS
    config = model_path / "sentence_bert_config.json"
    if config.exists():
        limit = int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", limit))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=limit)
    pad = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=pad if pad is not None else 0, pad_token="[PAD]")
    return tokenizer


def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average token states over the attention mask, then scale each row to unit length."""
    weights = mask[..., None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.asarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)


class OnnxEmbedder:
    """The embedding model on ONNX Runtime; ``embed_layer`` delegates to PyTorch, loaded lazily.

    ONNX Runtime sessions and a configured ``tokenizers.Tokenizer`` may be called from
    many threads at once; only loading is locked.
    """

    def __init__(
        self,
        model_path: Path | None,
        batch_size: int = 16,
        cache_dir: Path | None = None,
        variant: Variant = "fp32",
        onnx_file: Path | None = None,
    ) -> None:
        self.model_path = require_model_dir(model_path)
        self.batch_size = batch_size
        self.cache_dir = cache_dir or self.model_path / ".onnx"
        self.variant = variant
        self._onnx_file = onnx_file
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._layers: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return model_name(self.model_path)

    @property
    def backend(self) -> str:
        return f"onnx-{self.variant}"

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        with self._lock:
            if self._session is None or self._tokenizer is None:
                path = self._onnx_file or ensure_exported(self.model_path, self.cache_dir, self.variant)
                options = onnxruntime.SessionOptions()
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.log_severity_level = 3
                self._tokenizer = load_tokenizer(self.model_path)
                self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            return self._session, self._tokenizer

    @property
    def dimension(self) -> int:
        return int(self.embed(["dimension"]).shape[1])

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Encode texts in batches, longest first, reporting how many were done after each batch."""
        session, tokenizer = self._load()
        wanted = {i.name for i in session.get_inputs()}

        def encode(batch: list[str]) -> np.ndarray:
            # sentence-transformers strips surrounding whitespace before tokenizing.
            encodings = tokenizer.encode_batch([text.strip() for text in batch])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds: dict[str, Any] = dict(zip(INPUT_NAMES, (ids, mask, np.zeros_like(ids)), strict=True))
            states = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
            return mean_pool(np.asarray(states), mask)

        return encode_by_length(texts, encode, self.batch_size, progress)

    def embed_layer(self, texts: Sequence[str], layer: int) -> np.ndarray:
        """One transformer layer's pooled hidden states, from the PyTorch model (loaded on first use).

        Raises:
            ValueError: If ``layer`` is not between 0 and the model's number of layers.
        """
        return self.pytorch().embed_layer(texts, layer)

    def pytorch(self) -> SentenceTransformerEmbedder:
        """The same model on PyTorch, created on first use (importing torch takes seconds)."""
        with self._lock:
            if self._layers is None:
                self._layers = SentenceTransformerEmbedder(self.model_path, self.batch_size)
            return self._layers
