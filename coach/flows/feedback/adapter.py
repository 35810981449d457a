"""A small low-rank adapter on the embedding model that rates all five feedback criteria at once.

The feedback scorer's logistic regressions read a frozen pooled layer of the embedding
model. This network instead tunes the first ``layers`` transformer layers of the same model
through low-rank updates (LoRA: each adapted linear map becomes ``W x + s * B A x`` with
rank ``r``) and reads the pooled result together with the standardised hand features, so
it can learn which words carry tone and specificity in feedback. The base model's weights
are never changed: the adapter works on its own copy, and retrieval keeps the original
vectors.

``coach.training`` trains it on the dev split and writes
``knowledge/data/feedback_adapter.npz``; ``score_feedback`` averages its class
probabilities with the regressions' (see ``eval/calibration.md`` for what that gains).
"""

from __future__ import annotations

import json
import logging
import threading
import zipfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    import torch

__all__ = ["AdapterSpec", "FeedbackAdapter", "adapter_path", "build_network", "load_adapter"]

#: Which linear maps of each adapted layer get a low-rank update (attribute paths in a BERT layer).
ADAPTED_MAPS = (
    "attention.self.query",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
#: The pooled vector is unit length times this, so it is on the scale of standardised features.
POOLED_SCALE = 20.0
MAX_TOKENS = 256

log = logging.getLogger(__name__)
ADAPTER_FILE = "feedback_adapter.npz"
_LOADING = threading.Lock()


@dataclass(frozen=True)
class AdapterSpec:
    """The network's shape; stored beside its weights so a file always rebuilds the same network."""

    criteria: tuple[str, ...]
    classes: tuple[int, ...]
    features: tuple[str, ...]
    layers: int = 4
    rank: int = 8
    alpha: float = 16.0
    embedding_model: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> AdapterSpec:
        data = json.loads(text)
        for name in ("criteria", "classes", "features"):
            data[name] = tuple(data[name])
        return cls(**data)


def build_network(model_path: Path, spec: AdapterSpec, seed: int = 0) -> torch.nn.Module:
    """The adapter network on a fresh copy of the embedding model at ``model_path``.

    Only the low-rank matrices and the output layer are trainable; the low-rank ``B``
    matrices start at zero, so an untrained network pools exactly the base model's layer.
    """
    import torch
    from torch import nn
    from transformers import AutoModel

    class LowRank(nn.Module):
        def __init__(self, base: nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.a = nn.Parameter(torch.randn(spec.rank, base.in_features) * 0.01)
            self.b = nn.Parameter(torch.zeros(base.out_features, spec.rank))
            self.scale = spec.alpha / spec.rank

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            encoder = AutoModel.from_pretrained(str(model_path))
            encoder.encoder.layer = encoder.encoder.layer[: spec.layers]
            for parameter in encoder.parameters():
                parameter.requires_grad_(False)
            for layer in encoder.encoder.layer:
                for dotted in ADAPTED_MAPS:
                    owner_path, _, name = dotted.rpartition(".")
                    owner = layer.get_submodule(owner_path)
                    setattr(owner, name, LowRank(getattr(owner, name)))
            self.encoder = encoder
            self.dropout = nn.Dropout(0.1)
            hidden = int(encoder.config.hidden_size)
            self.head = nn.Linear(hidden + len(spec.features), len(spec.criteria) * len(spec.classes))

        def forward(self, tokens: dict[str, torch.Tensor], hand: torch.Tensor) -> torch.Tensor:
            states = self.encoder(**tokens).last_hidden_state
            mask = tokens["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            pooled = nn.functional.normalize(pooled, dim=1) * POOLED_SCALE
            logits = self.head(torch.cat([self.dropout(pooled), hand], dim=1))
            return logits.view(-1, len(spec.criteria), len(spec.classes))

    torch.manual_seed(seed)
    return Network()


def trainable_state(network: torch.nn.Module) -> dict[str, np.ndarray]:
    """The weights the adapter adds (low-rank matrices and output layer), by parameter name."""
    return {name: p.detach().cpu().numpy() for name, p in network.named_parameters() if p.requires_grad}


class FeedbackAdapter:
    """A trained adapter: class probabilities per criterion for texts and their hand features.

    Shared by every thread of the app; a lock serialises scoring, because a Hugging Face
    fast tokenizer fails ("Already borrowed") when two threads use it at once.
    """

    def __init__(self, model_path: Path, spec: AdapterSpec, state: dict[str, np.ndarray]) -> None:
        import torch

        self._lock = threading.Lock()
        self.spec = spec
        self.mean = np.asarray(state["hand_mean"], dtype=np.float64)
        self.scale = np.asarray(state["hand_scale"], dtype=np.float64)
        self.network = build_network(model_path, spec)
        named = dict(self.network.named_parameters())
        with torch.no_grad():
            for name, value in state.items():
                if name in named:
                    named[name].copy_(torch.from_numpy(np.asarray(value)))
        missing = [n for n, p in named.items() if p.requires_grad and n not in state]
        if missing:
            raise ValueError(f"adapter file lacks {len(missing)} weights, e.g. {missing[0]}")
        self.network.eval()
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path))

    def probabilities(self, texts: Sequence[str], hand: np.ndarray) -> np.ndarray:
        """Shape (len(texts), criteria, classes): each criterion's class probabilities."""
        import torch

        z = (np.asarray(hand, dtype=np.float64) - self.mean) / self.scale
        with self._lock, torch.inference_mode():
            tokens = self.tokenizer(
                list(texts), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            )
            logits = self.network(tokens, torch.tensor(z, dtype=torch.float32))
            return np.asarray(torch.softmax(logits, dim=-1).numpy(), dtype=np.float64)


def adapter_path(knowledge_dir: Path | None = None) -> Path:
    """Where the trained adapter lives (``python -m coach.training fit`` writes it)."""
    if knowledge_dir is None:
        from coach.data import reference_data

        return reference_data().path(ADAPTER_FILE)
    return knowledge_dir / "data" / ADAPTER_FILE


def save_adapter(path: Path, spec: AdapterSpec, state: dict[str, np.ndarray]) -> None:
    """Write the spec and weights as one compressed ``.npz`` file (float16 for the low-rank maps)."""
    arrays: dict[str, Any] = {n: (v.astype(np.float16) if n.startswith("encoder.") else v) for n, v in state.items()}
    arrays["spec"] = np.array(spec.to_json())
    np.savez_compressed(path, **arrays)


@lru_cache(maxsize=2)
def _load(path: Path, mtime: float, model_path: Path, embedding_model: str) -> FeedbackAdapter | None:
    del mtime  # part of the cache key only, so a refitted file is re-read
    with np.load(path) as data:
        spec = AdapterSpec.from_json(str(data["spec"]))
        if spec.embedding_model != embedding_model:
            return None
        state = {name: np.asarray(data[name], dtype=np.float32) for name in data.files if name != "spec"}
    return FeedbackAdapter(model_path, spec, state)


def load_adapter(model_path: Path, embedding_model: str, path: Path | None = None) -> FeedbackAdapter | None:
    """The trained adapter for the embedding model named ``embedding_model``, or None.

    None when no adapter file exists, it was trained on another embedding model, or it
    cannot be read (logged as a warning); the scorer then relies on its regressions alone.
    Loaded once per file version and model.
    """
    path = path or adapter_path()
    if not path.exists():
        return None
    try:
        with _LOADING:  # threads scoring their first text at once build the network once
            return _load(path, path.stat().st_mtime, model_path, embedding_model)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("feedback adapter %s is unreadable (%s); scoring without it", path, exc)
        return None
