"""Helpers for the program and matching tests: a word-hashing embedder and profile builders."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from coach.programs.profiles import Profile, parse_slot

DIM = 64


class WordEmbedder:
    """Bag-of-words vectors: phrases sharing words are close, others nearly orthogonal (fast, for unit tests)."""

    name = "word-hash"

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace("(", " ").replace(")", " ").replace(";", " ").split():
                digest = hashlib.sha256(word.encode()).digest()
                out[row, digest[0] % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def person(email: str, role: str, **fields: object) -> Profile:
    """A profile with defaults; ``availability`` may be given as strings like 'Tue 14-16'."""
    slots = fields.pop("availability", ["Tue 14-16"])
    name = fields.pop("name", email.split("@")[0].title())
    parsed = [parse_slot(s) if isinstance(s, str) else s for s in slots]  # type: ignore[attr-defined]
    return Profile(email=email, name=name, role=role, availability=parsed, **fields)  # type: ignore[arg-type]
