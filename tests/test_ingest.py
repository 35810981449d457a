"""Ingestion against the real embedding model and a real Chroma in tmp_path."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from coach.config import Settings
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.knowledge.ingest import ingest_paths
from coach.knowledge.store import VectorStore

from .conftest import KNOWLEDGE_DIR
from .documents import make_docx, make_pdf

pytestmark = pytest.mark.integration


class CountingEmbedder:
    """Wraps the real model, counts texts embedded, and can fail after N batches."""

    def __init__(self, inner: SentenceTransformerEmbedder, fail_after_calls: int | None = None) -> None:
        self.inner = inner
        self.embedded = 0
        self.calls = 0
        self.fail_after_calls = fail_after_calls

    @property
    def name(self) -> str:
        return self.inner.name

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if self.fail_after_calls is not None and self.calls >= self.fail_after_calls:
            raise KeyboardInterrupt("simulated interruption")
        self.calls += 1
        self.embedded += len(texts)
        return self.inner.embed(texts, progress)


def _corpus(tmp_path: Path, n: int = 6) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in sorted((KNOWLEDGE_DIR / "guides").glob("*.md"))[:n]:
        shutil.copy(path, folder / path.name)
    return folder


def _all_text(store: VectorStore) -> str:
    return " ".join(c.text for c in store.iter_chunks())


def test_second_ingest_embeds_nothing(
    settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    folder = _corpus(tmp_path)
    store = VectorStore(settings)
    counting = CountingEmbedder(embedder)
    first = ingest_paths([folder], settings, store, counting)
    assert first.ok and first.chunks_added > 10 and counting.embedded == first.chunks_added
    count = store.count()
    second = ingest_paths([folder], settings, store, counting)
    assert counting.embedded == first.chunks_added  # nothing new embedded
    assert (second.chunks_added, second.chunks_updated, second.chunks_removed) == (0, 0, 0)
    assert second.chunks_unchanged == count == store.count()


def test_changed_and_removed_documents_are_replaced(
    settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    folder = _corpus(tmp_path, n=4)
    store = VectorStore(settings)
    ingest_paths([folder], settings, store, embedder)
    files = sorted(folder.glob("*.md"))
    edited, removed = files[0], files[1]
    edited.write_text(
        edited.read_text() + "\n\n## Zebra crossing\n\nA brand new paragraph about zebras and mentoring.\n"
    )
    removed_source = f"{folder.resolve().as_posix()}/{removed.name}"
    removed.unlink()
    counting = CountingEmbedder(embedder)
    summary = ingest_paths([folder], settings, store, counting)
    assert summary.ok and summary.documents_removed == 1 and summary.removed_documents == [removed_source]
    assert counting.embedded == summary.chunks_added + summary.chunks_updated >= 1
    by_source = store.ids_by_source()
    assert removed_source not in by_source
    assert "zebras" in _all_text(store)


BAD_FILES: dict[str, bytes] = {
    "empty.md": b"",
    "binary.txt": b"\x89PNG\x00\x00\x00\rIHDR" * 40,
    "latin1.md": "# Caf\xe9\n\nna\xefve r\xe9sum\xe9".encode("latin-1"),
    "corrupt.pdf": b"%PDF-1.7\n%%%% broken",
    "huge.md": b"# Big\n\n" + b"word " * 20_000,
    "slides.pptx": b"PK\x03\x04whatever",
}


def test_bad_inputs_fail_alone_and_lose_nothing(
    settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings.model_copy(update={"max_upload_bytes": 64_000})
    folder = _corpus(tmp_path, n=3)
    store = VectorStore(settings)
    ingest_paths([folder], settings, store, embedder)
    before = store.ids_by_source()
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    paths = []
    for name, data in BAD_FILES.items():
        (bad_dir / name).write_bytes(data)
        paths.append(bad_dir / name)
    (bad_dir / "good.docx").write_bytes(
        make_docx("Good doc", [("Heading 1", "Fine"), ("Normal", "A readable Word file.")])
    )
    (bad_dir / "good.pdf").write_bytes(make_pdf("A readable PDF about reverse mentoring."))
    summary = ingest_paths([*paths, bad_dir / "good.docx", bad_dir / "good.pdf", folder], settings, store, embedder)
    failed = {Path(f.source).name: f.reason for f in summary.failures}
    assert set(failed) == set(BAD_FILES)
    assert all("\n" not in reason and reason for reason in failed.values())
    assert "unsupported" in failed["slides.pptx"] and "limit" in failed["huge.md"] and "UTF-8" in failed["latin1.md"]
    after = store.ids_by_source()
    for source, ids in before.items():
        assert after[source] == ids  # nothing already indexed was lost
    assert f"{bad_dir.resolve().as_posix()}/good.docx" in after and f"{bad_dir.resolve().as_posix()}/good.pdf" in after


def test_cli_reports_failures_with_nonzero_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "ok.txt").write_text("Active listening means paraphrasing what you heard.")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "empty.md"), str(tmp_path / "ok.txt"), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["files_read"] == 1 and summary["chunks_added"] == 1
    assert summary["failures"] == [{"source": f"{tmp_path.resolve().as_posix()}/empty.md", "reason": "file is empty"}]
    assert set(summary) >= {
        "files_read",
        "chunks_added",
        "chunks_updated",
        "chunks_removed",
        "chunks_unchanged",
        "seconds",
    }


def test_interrupted_ingest_leaves_index_usable_and_next_run_completes(
    settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    folder = _corpus(tmp_path, n=8)
    settings = settings.model_copy(update={"embedding_batch_size": 8, "ingest_slice_size": 16})
    store = VectorStore(settings)
    ingest_paths([folder], settings, store, embedder)
    original = store.ids_by_source()
    # Rewrite every document so a full re-embed is needed, then die part-way through.
    for path in folder.glob("*.md"):
        path.write_text(path.read_text().replace("mentor", "guide"))
    big = folder / "extra.md"
    big.write_text(
        "\n\n".join(f"## Part {i}\n\n" + f"Paragraph {i} on sponsorship and trust. " * 20 for i in range(40))
    )
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([folder], settings, store, CountingEmbedder(embedder, fail_after_calls=1))
    # Every original chunk is still there: deletions only happen after all writes.
    survived = store.ids_by_source()
    for source, ids in original.items():
        assert ids <= survived[source]
    hits = store.query(embedder.embed(["how do I match pairs"])[0], n=3)
    assert hits, "index must stay queryable"
    counting = CountingEmbedder(embedder)
    resumed = ingest_paths([folder], settings, store, counting)
    assert resumed.ok
    total = sum(len(ids) for ids in store.ids_by_source().values())
    # The slice written before the interruption is not embedded again.
    assert counting.embedded == resumed.chunks_added + resumed.chunks_updated < total
    final = ingest_paths([folder], settings, store, CountingEmbedder(embedder, fail_after_calls=0))
    assert final.chunks_embedded == 0 and final.chunks_removed == 0
    text = _all_text(store)
    assert "sponsorship" in text and " mentor " not in text  # stale chunks are gone
