"""Reading every supported format, keeping structure, and refusing bad input clearly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from coach.errors import DocumentError
from coach.knowledge.chunking import chunk_document, chunk_id, split_text
from coach.knowledge.readers import parse_bytes, read_document

from .conftest import EXTERNAL_DIR
from .documents import make_docx, make_pdf

MD = """---
title: Listening well
audience: mentor
stage: ongoing
topics: [listening, questions]
---
# Listening well

Intro paragraph.

## Paraphrase

Say back what you heard.

### Example

"So the worry is the deadline?"

## Silence

Leave a pause.
"""


def test_markdown_front_matter_and_heading_paths() -> None:
    doc = parse_bytes(MD.encode(), ".md", "x/listening.md")
    assert (doc.title, doc.audience, doc.stage, doc.topics) == (
        "Listening well",
        "mentor",
        "ongoing",
        ["listening", "questions"],
    )
    paths = [s.heading_path for s in doc.sections]
    assert paths == [(), ("Paraphrase",), ("Paraphrase", "Example"), ("Silence",)]
    assert doc.sections[2].text.startswith('"So the worry')


def test_markdown_with_html_headings_images_and_bold_pseudo_headings() -> None:
    text = (
        "<h2>Preparing</h2>\n\nSome text ![pic](img.png) with a [link](http://x).\n\n"
        "**Checklist**\n\n- one\n\n<h3>Details</h3>\n\nMore.\n"
    )
    doc = parse_bytes(text.encode(), ".md", "guide.md")
    assert [s.heading_path for s in doc.sections] == [
        ("Preparing",),
        ("Preparing", "Checklist"),
        ("Preparing", "Details"),
    ]
    assert "pic" not in doc.sections[0].text and "link" in doc.sections[0].text
    assert "http" not in doc.sections[0].text


def test_real_messy_guide_keeps_its_structure() -> None:
    folder = EXTERNAL_DIR / "mentoring-guides" / "buckwoody"
    for path in sorted(folder.glob("*.md")):
        doc = read_document(path, path.name, 10_000_000)
        headed = [s for s in doc.sections if s.heading_path]
        assert len(headed) >= 3, path.name
        assert not any("<h2" in s.text.lower() or "<h3" in s.text.lower() for s in doc.sections), path.name
        assert not any("](" in s.text and "![" in s.text for s in doc.sections), path.name


def test_html_structure() -> None:
    html = "<html><head><title>T</title><script>x()</script></head><body><h1>A</h1><p>one</p><h2>B</h2><ul><li>two</li></ul></body></html>"
    doc = parse_bytes(html.encode(), ".html", "p.html")
    assert doc.title == "T"
    assert [s.heading_path for s in doc.sections] == [("A",), ("A", "B")]
    assert "x()" not in " ".join(s.text for s in doc.sections)


def test_docx_headings() -> None:
    doc = parse_bytes(make_docx("Guide", [("Heading 1", "Start"), ("Normal", "Hello there.")]), ".docx", "g.docx")
    assert doc.title == "Guide"
    assert doc.sections[0].heading_path == ("Start",) and "Hello there." in doc.sections[0].text


def test_pdf_text() -> None:
    doc = parse_bytes(make_pdf("Active listening builds trust."), ".pdf", "a.pdf")
    assert "Active listening builds trust." in doc.sections[0].text


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf("secret"))).pages:
        writer.add_page(page)
    writer.encrypt("pw")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\n ", "empty"),
        ("binary.md", b"\x00\x01\x02PNG\x00" * 50, "binary"),
        ("latin1.txt", "café résumé".encode("latin-1"), "UTF-8"),
        ("corrupt.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%garbage", "corrupt"),
        ("encrypted.pdf", _encrypted_pdf(), "encrypted"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt"),
        ("notes.rtf", b"{\\rtf1 hello}", "unsupported"),
        ("only-front-matter.md", b"---\ntitle: x\n---\n", "no readable text"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as caught:
        read_document(path, name, 1_000_000)
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    assert reason.lower() in message.lower()


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_text("word " * 5000)
    with pytest.raises(DocumentError, match="limit"):
        read_document(path, "big.md", 1000)


def test_split_text_respects_size_and_overlaps() -> None:
    sentences = [f"Sentence number {i} talks about mentoring and feedback." for i in range(60)]
    pieces = split_text(" ".join(sentences), size=300, overlap=80)
    assert len(pieces) > 5
    assert all(len(p) <= 300 for p in pieces)
    for first, second in zip(pieces, pieces[1:], strict=False):
        assert first.split(". ")[-1].rstrip(".") in second  # the last sentence is carried over


def test_chunk_ids_are_stable_content_hashes() -> None:
    doc = parse_bytes(MD.encode(), ".md", "x/listening.md")
    first = chunk_document(doc, 1000, 100)
    second = chunk_document(parse_bytes(MD.encode(), ".md", "x/listening.md"), 1000, 100)
    assert [c.id for c in first] == [c.id for c in second]
    assert first[1].id == chunk_id("x/listening.md", "Paraphrase", "Say back what you heard.")
    edited = chunk_document(
        parse_bytes(MD.replace("Leave a pause.", "Leave a long pause.").encode(), ".md", "x/listening.md"), 1000, 100
    )
    assert [c.id for c in edited][:3] == [c.id for c in first][:3] and edited[3].id != first[3].id
    assert first[2].heading == "Paraphrase > Example" and first[2].metadata()["topics"] == "|listening|questions|"
