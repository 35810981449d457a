"""The feedback adapter: a low-rank tuned copy of the embedding model that rates all criteria."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.flows.feedback.adapter import (
    AdapterSpec,
    FeedbackAdapter,
    adapter_path,
    build_network,
    load_adapter,
    save_adapter,
    trainable_state,
)
from coach.flows.feedback.features import HAND_FEATURES
from coach.flows.feedback.scoring import CRITERIA, _adapter_for, score_feedback
from coach.knowledge.embeddings import SentenceTransformerEmbedder

pytestmark = pytest.mark.integration

TEXTS = [
    "In Tuesday's stand-up you cut Amira off twice; she stopped sharing. Could you let her finish next time?",
    "You're hopeless with anything digital.",
    "Sorry, this is probably nothing, but maybe the slides could be shorter?",
    "Thanks for chairing the retro on Friday. You asked each person for one idea, and everyone spoke.",
]


def _spec(embedder: SentenceTransformerEmbedder, layers: int = 4) -> AdapterSpec:
    return AdapterSpec(
        criteria=CRITERIA,
        classes=(0, 1, 2),
        features=tuple(HAND_FEATURES),
        layers=layers,
        embedding_model=embedder.name,
    )


def test_untrained_adapter_pools_the_base_models_layer(embedder: SentenceTransformerEmbedder) -> None:
    """The low-rank updates start at zero, so the adapted copy reproduces ``embed_layer`` exactly."""
    import torch
    from transformers import AutoTokenizer

    network = build_network(embedder.model_path, _spec(embedder, layers=4))
    network.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(embedder.model_path))
    tokens = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        states = network.encoder(**tokens).last_hidden_state  # type: ignore[operator]
    mask = tokens["attention_mask"].unsqueeze(-1).float()
    pooled = torch.nn.functional.normalize((states * mask).sum(1) / mask.sum(1), dim=1).numpy()
    expected = embedder.embed_layer(TEXTS, 4)
    assert np.allclose(pooled, expected, atol=1e-5)
    trainable = trainable_state(network)
    assert all(name.startswith(("encoder.", "head.")) for name in trainable)
    assert all(not np.any(value) for name, value in trainable.items() if name.endswith(".b"))


def test_trained_adapter_round_trips_through_its_file(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    from coach.training.adapter import train

    spec = _spec(embedder, layers=2)
    hand = np.random.default_rng(0).normal(size=(len(TEXTS), len(HAND_FEATURES)))
    labels = np.array([[2, 2, 2, 2, 2], [0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [2, 2, 2, 0, 2]])
    state = train(embedder.model_path, spec, TEXTS, hand, labels, log=lambda _line: None, epochs=1)
    assert any(np.any(value) for name, value in state.items() if name.endswith(".b")), "training moved nothing"
    path = tmp_path / "adapter.npz"
    save_adapter(path, spec, state)

    loaded = load_adapter(embedder.model_path, embedder.name, path)
    assert loaded is not None
    assert loaded.spec == spec
    direct = FeedbackAdapter(embedder.model_path, spec, state).probabilities(TEXTS, hand)
    probabilities = loaded.probabilities(TEXTS, hand)
    assert probabilities.shape == (len(TEXTS), len(CRITERIA), 3)
    assert np.allclose(probabilities.sum(axis=-1), 1.0)
    assert np.allclose(probabilities, direct, atol=1e-2)  # the low-rank maps are stored as float16

    assert load_adapter(embedder.model_path, "another-model", path) is None
    assert load_adapter(embedder.model_path, embedder.name, tmp_path / "missing.npz") is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:1000])
    assert load_adapter(embedder.model_path, embedder.name, broken) is None
    del state["head.weight"]
    with pytest.raises(ValueError, match="lacks"):
        FeedbackAdapter(embedder.model_path, spec, state)


def test_shipped_adapter_matches_the_scorer(embedder: SentenceTransformerEmbedder) -> None:
    adapter = _adapter_for(embedder)
    assert adapter is not None, f"no trained adapter at {adapter_path()}"
    assert adapter.spec.features == tuple(HAND_FEATURES)
    assert adapter.spec.criteria == CRITERIA
    assert adapter.spec.extra["dev_cv"], "the adapter file records its dev cross-validation"
    probabilities = adapter.probabilities(TEXTS[:1], np.zeros((1, len(HAND_FEATURES))))
    assert np.allclose(probabilities.sum(axis=-1), 1.0)


def test_adapter_changes_nothing_for_retrieval(embedder: SentenceTransformerEmbedder) -> None:
    """Scoring with the adapter loaded leaves the shared embedding model's vectors as they were."""
    before = embedder.embed(TEXTS)
    result = score_feedback(TEXTS[0], embedder=embedder)
    assert result.criteria["situation"].score == 2
    assert np.array_equal(before, embedder.embed(TEXTS))


def test_embedders_without_a_local_model_skip_the_adapter() -> None:
    class Remote:
        name = "all-MiniLM-L6-v2"

    assert _adapter_for(Remote()) is None  # type: ignore[arg-type]
