"""The ONNX Runtime embedder: PyTorch's vectors, an export made once, and no torch import to embed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from coach.config import Settings
from coach.errors import ConfigurationError
from coach.knowledge.embeddings import SentenceTransformerEmbedder, build_embedder
from coach.knowledge.onnx_embedder import OnnxEmbedder, cached_model_path, ensure_exported

from .conftest import KNOWLEDGE_DIR

pytestmark = pytest.mark.integration

TEXTS = [
    "In Tuesday's review you interrupted Sam twice while she presented the budget.",
    "   Thanks!   ",
    "How do I give feedback to a senior leader without sounding rude?",
    "Older colleagues can't learn new tools. " * 60,  # longer than the 256-token limit
]


@pytest.fixture(scope="module")
def pytorch(embedder: OnnxEmbedder) -> SentenceTransformerEmbedder:
    return embedder.pytorch()


def test_vectors_match_the_pytorch_encoder(embedder: OnnxEmbedder, pytorch: SentenceTransformerEmbedder) -> None:
    onnx, torch = embedder.embed(TEXTS), pytorch.embed(TEXTS)
    assert onnx.shape == torch.shape == (len(TEXTS), 384)
    assert onnx.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(onnx * torch, axis=1))) > 0.9999
    assert embedder.embed([]).shape == (0, 384)


def test_batches_and_order_do_not_change_a_vector(embedder: OnnxEmbedder) -> None:
    alone = np.vstack([embedder.embed([t]) for t in TEXTS])
    np.testing.assert_allclose(embedder.embed(TEXTS), alone, atol=1e-5)
    reported: list[int] = []
    embedder.embed(TEXTS * 5, progress=reported.append)
    assert sum(reported) == len(TEXTS) * 5


def test_int8_variant_stays_close_to_fp32(embedder: OnnxEmbedder, tmp_path: Path) -> None:
    int8 = OnnxEmbedder(embedder.model_path, 16, embedder.cache_dir, "int8")
    assert int8.backend == "onnx-int8" and int8.name == embedder.name
    cosines = np.sum(int8.embed(TEXTS) * embedder.embed(TEXTS), axis=1)
    assert float(cosines.min()) > 0.95
    assert float(cosines.min()) < 0.99999  # really a different, quantized model


def test_the_export_is_made_once_and_reused(embedder: OnnxEmbedder) -> None:
    embedder.embed(["load"])
    path = cached_model_path(embedder.model_path, embedder.cache_dir, "fp32")
    before = path.stat().st_mtime_ns
    again = OnnxEmbedder(embedder.model_path, 16, embedder.cache_dir)
    again.embed(["load"])
    assert ensure_exported(embedder.model_path, embedder.cache_dir, "fp32") == path
    assert path.stat().st_mtime_ns == before
    assert not list(embedder.cache_dir.glob("*.tmp.onnx"))


def test_threads_share_one_embedder(embedder: OnnxEmbedder) -> None:
    expected = embedder.embed(TEXTS)
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(embedder.embed(TEXTS))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 30
    for vectors in results:
        np.testing.assert_allclose(vectors, expected, atol=1e-5)


@pytest.mark.parametrize(
    ("backend", "kind"),
    [("onnx", OnnxEmbedder), ("onnx-int8", OnnxEmbedder), ("torch", SentenceTransformerEmbedder)],
)
def test_backend_setting_picks_the_embedder(backend: str, kind: type, tmp_path: Path) -> None:
    embedder = build_embedder(Settings(data_dir=tmp_path, embedding_backend=backend))  # type: ignore[arg-type]
    assert isinstance(embedder, kind)


def test_missing_model_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="COACH_EMBEDDING_MODEL_PATH"):
        OnnxEmbedder(tmp_path / "absent")


PROBE = textwrap.dedent(
    """
    import sys
    from coach.cli import main
    sys.argv = ["coach", *sys.argv[1:]]
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy), "CODE=" + str(code), file=sys.stderr)
    """
)


@pytest.mark.slow
def test_ingest_retrieve_and_ask_never_import_torch(embedder: OnnxEmbedder, tmp_path: Path) -> None:
    embedder.embed(["export"])  # the session's model cache already holds the export
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(tmp_path / "data"), COACH_MODEL_CACHE_DIR=str(embedder.cache_dir))
    guide = sorted((KNOWLEDGE_DIR / "guides").glob("*.md"))[0]
    for args in (
        ["ingest", str(guide)],
        ["retrieve", "how do I give feedback to a senior leader", "--json"],
        ["ask", "How do I give feedback to a senior leader?", "--json"],
    ):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        last = done.stderr.strip().splitlines()[-1]
        assert last == "HEAVY= CODE=0", (args, done.stderr[-2000:])


@pytest.mark.slow
def test_feedback_scoring_loads_torch_when_first_needed(embedder: OnnxEmbedder, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(tmp_path / "data"), COACH_MODEL_CACHE_DIR=str(embedder.cache_dir))
    args = ["feedback", "score", "In Tuesday's review you interrupted Sam twice; could you let her finish?", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.stderr.strip().splitlines()[-1] == "HEAVY=sentence_transformers,torch,transformers CODE=0", done.stderr
    assert '"overall"' in done.stdout


def test_without_pytorch_the_export_fails_with_a_fix(
    embedder: OnnxEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    fresh = OnnxEmbedder(embedder.model_path, 16, tmp_path / "empty-cache")
    with pytest.raises(ConfigurationError, match="COACH_EMBEDDING_BACKEND=torch"):
        fresh.embed(["needs an export"])


def test_a_model_without_a_fast_tokenizer_file_falls_back_to_pytorch(tmp_path: Path) -> None:
    folder = tmp_path / "other-model"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    embedder = build_embedder(Settings(data_dir=tmp_path, embedding_model_path=folder))
    assert isinstance(embedder, SentenceTransformerEmbedder)
