"""Builders for small real documents used by the ingestion tests."""

from __future__ import annotations

import io


def make_docx(title: str, paragraphs: list[tuple[str, str]]) -> bytes:
    """A Word file with a title and (style, text) paragraphs."""
    from docx import Document

    document = Document()
    document.add_paragraph(title, style="Title")
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer holds ``text``."""
    from coach.evaluation.plants import build_pdf

    return build_pdf([text])
