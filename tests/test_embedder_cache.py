"""Vectors derived from an embedder are cached per embedder object, never per ``id()``."""

from __future__ import annotations

import gc
import weakref

import numpy as np

from coach.flows.stereotypes.features import anchor_bank, load_taxonomy
from coach.knowledge.embeddings import embedder_cache


class _Embedder:
    name = "tiny"

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def embed(self, texts: list[str], progress: object = None) -> np.ndarray:
        vectors = np.ones((len(texts), self.dimension), dtype=np.float32)
        return vectors / np.sqrt(self.dimension)


def test_each_embedder_object_has_its_own_cache_that_dies_with_it() -> None:
    first, second = _Embedder(4), _Embedder(4)
    embedder_cache(first)["key"] = "first"
    assert "key" not in embedder_cache(second)
    assert embedder_cache(first)["key"] == "first"
    ref = weakref.ref(first)
    del first
    gc.collect()
    assert ref() is None


def _bank_width(taxonomy: dict[str, object], dimension: int) -> int:
    """Anchor width for a throwaway embedder, freed on return so the next one can reuse its id."""
    return int(anchor_bank(taxonomy, _Embedder(dimension)).vectors.shape[1])  # type: ignore[arg-type]


def test_a_new_embedder_never_sees_a_freed_ones_vectors() -> None:
    """CPython usually gives the next embedder the id of the one just freed; its anchors must still be its own."""
    taxonomy = load_taxonomy()
    assert [_bank_width(taxonomy, d) for d in (8, 16, 32, 64)] == [8, 16, 32, 64]


def test_unhashable_embedders_are_simply_not_cached() -> None:
    class Unhashable(_Embedder):
        __hash__ = None  # type: ignore[assignment]

    embedder = Unhashable(4)
    embedder_cache(embedder)["key"] = 1
    assert "key" not in embedder_cache(embedder)
