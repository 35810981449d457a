"""The planted-instruction set: its shape, its generated Word and PDF files, and the gate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from coach.config import Settings
from coach.evaluation.calibration import load_jsonl
from coach.evaluation.context import EvalContext
from coach.evaluation.injection import injection_suite
from coach.evaluation.plants import leaked, write_plant
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.knowledge.readers import read_document
from coach.knowledge.screening import screen_document

from .conftest import DATASETS_DIR, make_runtime

ROWS = load_jsonl(DATASETS_DIR / "injection_plants.jsonl", None)


def test_the_set_has_thirty_plants_in_many_disguises_and_both_splits() -> None:
    assert len(ROWS) >= 30 and len({r["id"] for r in ROWS}) == len(ROWS)
    assert Counter(r["split"] for r in ROWS).keys() == {"dev", "test"}
    assert {"md", "html", "txt", "docx", "pdf"} <= {r["format"] for r in ROWS}
    assert {"fr", "de", "es"} <= {r["language"] for r in ROWS}
    disguises = " ".join(r["disguise"] for r in ROWS)
    for kind in ("heading", "table", "comment", "footnote", "alt text", "split", "look-alike", "zero-width", "hidden"):
        assert kind in disguises, kind


@pytest.mark.parametrize("row", [r for r in ROWS if r["format"] in ("docx", "pdf")], ids=lambda r: r["id"])
def test_generated_word_and_pdf_plants_are_read_and_screened(row: dict[str, object], tmp_path: Path) -> None:
    path = write_plant(row, tmp_path)  # type: ignore[arg-type]
    doc = read_document(path, path.name, 10_000_000)
    before = " ".join(" ".join(s.heading_path) + " " + s.text for s in doc.sections)
    before += " " + " ".join(r.text for r in doc.removed)
    payload: list[str] = row["payload"]  # type: ignore[assignment]
    assert leaked(before, payload), "the reader must see the plant, or the test proves nothing"
    screen_document(doc)
    after = " ".join(" ".join(s.heading_path) + " " + s.text for s in doc.sections)
    assert not leaked(after, payload)
    assert any(word in after.lower() for word in ("session", "meet", "feedback", "notes"))  # the advice stays


@pytest.mark.slow
def test_nothing_planted_passes_and_no_guide_sentence_is_quarantined(
    embedder: SentenceTransformerEmbedder, settings: Settings
) -> None:
    runtime = make_runtime(settings, embedder)
    metrics = {m.name: m for m in injection_suite(EvalContext(runtime=runtime, split="test"))}
    assert metrics["plants_blocked"].n >= 15
    assert metrics["plants_blocked"].value == 1.0, metrics["plants_blocked"].details
    assert metrics["genuine_quarantined"].value == 0 and metrics["genuine_quarantined"].n > 1000
    assert all(m.passed for m in metrics.values())
