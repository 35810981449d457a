"""Turn files into structured documents: front matter plus a list of headed sections.

Supported: Markdown (including HTML heading tags and bold pseudo-headings), plain text,
PDF, Word (.docx) and HTML. Every failure is a ``DocumentError`` naming the file and the
reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.errors import DocumentError
from coach.knowledge.sanitise import HIDING_ATTRIBUTES, Removal, normalise_text, strip_hidden_markup

SUPPORTED_EXTENSIONS = (".md", ".markdown", ".txt", ".pdf", ".docx", ".html", ".htm")
TEXT_EXTENSIONS = (".md", ".markdown", ".txt", ".html", ".htm")
AUDIENCES = ("mentor", "mentee", "coordinator", "all")
STAGES = ("prepare", "first-session", "ongoing", "review", "closing", "program")


@dataclass
class Section:
    """A run of text under one heading path, e.g. ``("Giving feedback", "Examples")``."""

    heading_path: tuple[str, ...]
    text: str


@dataclass
class ParsedDocument:
    """A readable document: its metadata and its sections in order."""

    source: str
    title: str
    audience: str = "all"
    stage: str = "program"
    topics: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    """Hidden or invisible content taken out while reading, for review."""


def read_document(path: Path, source: str, max_bytes: int) -> ParsedDocument:
    """Read one file into a ``ParsedDocument``.

    Args:
        path: The file on disk.
        source: The stable name the index knows the document by.
        max_bytes: Files larger than this are refused.

    Raises:
        DocumentError: the file is empty, too large, binary, not UTF-8, corrupt,
            encrypted, or of an unsupported type.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise DocumentError(
            source, f"unsupported file type '{suffix or 'none'}' (use {', '.join(SUPPORTED_EXTENSIONS)})"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(source, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(source, f"cannot be read ({exc.strerror or exc})") from exc
    return parse_bytes(data, suffix, source)


def parse_bytes(data: bytes, suffix: str, source: str) -> ParsedDocument:
    """Parse file content already in memory (used for uploads as well as files)."""
    if not data.strip():
        raise DocumentError(source, "file is empty")
    removed: list[Removal] = []
    if suffix in TEXT_EXTENSIONS:
        text = normalise_text(_decode_text(data, source), removed)
        if suffix in (".html", ".htm"):
            doc = _parse_html(text, source, removed)
        elif suffix == ".txt":
            doc = _parse_plain(text, source)
        else:
            doc = _parse_markdown(strip_hidden_markup(text, removed), source)
    elif suffix == ".pdf":
        doc = _parse_pdf(data, source)
    elif suffix == ".docx":
        doc = _parse_docx(data, source)
    else:
        raise DocumentError(source, f"unsupported file type '{suffix}'")
    if suffix not in TEXT_EXTENSIONS:
        for section in doc.sections:
            section.text = normalise_text(section.text, removed)
    doc.removed = removed + doc.removed
    doc.sections = [s for s in doc.sections if s.text.strip()]
    if not doc.sections:
        raise DocumentError(source, "no readable text found")
    return doc


def _decode_text(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError(source, "looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            source, f"is not valid UTF-8 (bad byte at offset {exc.start}); re-save it as UTF-8"
        ) from exc
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(8, len(text[:8192]) // 50):
        raise DocumentError(source, "looks like a binary file, not text")
    return text


def _title_from_source(source: str) -> str:
    stem = Path(source).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_HTML_HEADING = re.compile(r"^\s*<h([1-6])[^>]*>(.*?)</h\1>\s*$", re.IGNORECASE)
_BOLD_HEADING = re.compile(r"^\s*\*\*([^*]{2,80})\*\*\s*:?\s*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")


def _front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(source, f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(meta, dict):
        raise DocumentError(source, "front matter must be a mapping of keys to values")
    return meta, text[match.end() :]


def _apply_meta(doc: ParsedDocument, meta: dict[str, Any]) -> None:
    if meta.get("title"):
        doc.title = str(meta["title"]).strip()
    audience = str(meta.get("audience", doc.audience)).strip().lower()
    doc.audience = audience if audience in AUDIENCES else "all"
    stage = str(meta.get("stage", doc.stage)).strip().lower()
    doc.stage = stage if stage in STAGES else "program"
    topics = meta.get("topics") or []
    if isinstance(topics, str):
        topics = [t.strip() for t in topics.split(",")]
    doc.topics = [str(t).strip().lower() for t in topics if str(t).strip()]


def _clean_inline(line: str) -> str:
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _TAG.sub("", line)
    return line.replace("&nbsp;", " ").replace("&amp;", "&").rstrip()


class _SectionBuilder:
    """Accumulates lines under a heading stack."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.lines: list[str] = []
        self.sections: list[Section] = []

    def heading(self, level: int, title: str) -> None:
        self.flush()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title.strip()))

    def add(self, line: str) -> None:
        self.lines.append(line)

    def flush(self) -> None:
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip()
        if text:
            self.sections.append(Section(tuple(t for _, t in self.stack), text))
        self.lines = []


def _parse_markdown(text: str, source: str) -> ParsedDocument:
    meta, body = _front_matter(text, source)
    doc = ParsedDocument(source=source, title=_title_from_source(source))
    builder = _SectionBuilder()
    in_code = False
    first_h1: str | None = None
    for raw in body.splitlines():
        if raw.strip().startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            md = _MD_HEADING.match(raw)
            html = _HTML_HEADING.match(raw)
            bold = _BOLD_HEADING.match(raw)
            if md is not None or html is not None:
                if md is not None:
                    level, title = len(md.group(1)), _clean_inline(md.group(2)).strip()
                else:
                    assert html is not None
                    level, title = int(html.group(1)), _clean_inline(html.group(2)).strip()
                if title:
                    if level == 1 and first_h1 is None:
                        first_h1 = title
                        builder.flush()
                        continue
                    builder.heading(level, title)
                continue
            if bold:
                builder.heading(7, bold.group(1).strip())
                continue
        cleaned = _clean_inline(raw)
        builder.add(cleaned)
    builder.flush()
    doc.sections = builder.sections
    if first_h1:
        doc.title = first_h1
    _apply_meta(doc, meta)
    return doc


def _parse_plain(text: str, source: str) -> ParsedDocument:
    doc = ParsedDocument(source=source, title=_title_from_source(source))
    doc.sections = [Section((), text.strip())]
    return doc


def _parse_html(text: str, source: str, removed: list[Removal]) -> ParsedDocument:
    from bs4 import BeautifulSoup, Comment, Tag

    soup = BeautifulSoup(text, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip():
            removed.append(Removal("html comment", " ".join(comment.split())))
        comment.extract()
    for tag in soup(["script", "style", "noscript", "nav", "footer", "template"]):
        tag.decompose()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.decomposed:
            continue
        attributes = " ".join(f'{k}="{" ".join(v) if isinstance(v, list) else v}"' for k, v in tag.attrs.items())
        if "hidden" in tag.attrs or HIDING_ATTRIBUTES.search(attributes + '"'):
            hidden = " ".join(tag.get_text(" ", strip=True).split())
            if hidden:
                removed.append(Removal("hidden element", hidden))
            tag.decompose()
    for image in soup.find_all("img"):
        if isinstance(image, Tag) and str(image.get("alt") or "").strip():
            removed.append(Removal("image alt text", str(image.get("alt")).strip()))
    doc = ParsedDocument(source=source, title=_title_from_source(source))
    if soup.title and soup.title.get_text(strip=True):
        doc.title = soup.title.get_text(strip=True)
    builder = _SectionBuilder()
    root = soup.body or soup
    for element in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td"]):
        content = " ".join(element.get_text(" ", strip=True).split())
        if not content:
            continue
        if element.name and element.name[0] == "h" and element.name[1:].isdigit():
            builder.heading(int(element.name[1]), content)
        elif element.name == "li":
            builder.add(f"- {content}")
        else:
            builder.add(content)
            builder.add("")
    builder.flush()
    doc.sections = builder.sections
    return doc


def _parse_pdf(data: bytes, source: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(source, "PDF is encrypted; save an unprotected copy and upload that")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(source, f"PDF is corrupt or unreadable ({exc.__class__.__name__})") from exc
    except Exception as exc:  # pypdf raises a wide variety on damaged files
        raise DocumentError(source, f"PDF is corrupt or unreadable ({exc.__class__.__name__})") from exc
    doc = ParsedDocument(source=source, title=_title_from_source(source))
    meta_title = (reader.metadata.title if reader.metadata else None) or ""
    if meta_title.strip():
        doc.title = meta_title.strip()
    doc.sections = [Section((f"Page {i}",), text.strip()) for i, text in enumerate(pages, 1) if text.strip()]
    return doc


def _parse_docx(data: bytes, source: str) -> ParsedDocument:
    import zipfile

    from docx import Document as load_docx

    try:
        word = load_docx(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(source, f"Word file is corrupt or unreadable ({exc.__class__.__name__})") from exc
    except Exception as exc:  # python-docx surfaces several package errors
        raise DocumentError(source, f"Word file is corrupt or unreadable ({exc.__class__.__name__})") from exc
    doc = ParsedDocument(source=source, title=_title_from_source(source))
    if word.core_properties.title:
        doc.title = word.core_properties.title
    builder = _SectionBuilder()
    for para in _docx_paragraphs(word, doc.removed):
        text = _visible_text(para, doc.removed).strip()
        style = (para.style.name if para.style is not None else "") or ""
        if not text:
            continue
        if style == "Title":
            doc.title = text
        elif style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            builder.heading(level, text)
        else:
            builder.add(text)
            builder.add("")
    builder.flush()
    doc.sections = builder.sections
    return doc


def _docx_paragraphs(word: Any, removed: list[Removal]) -> list[Any]:
    """Body paragraphs and table-cell paragraphs, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    found: list[Any] = []
    for block in word.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            found.append(Paragraph(block, word))
        elif tag == "tbl":
            for row in Table(block, word).rows:
                for cell in row.cells:
                    found.extend(cell.paragraphs)
    return found


def _visible_text(para: Any, removed: list[Removal]) -> str:
    """A paragraph's text without runs marked hidden (Word's "hidden" font effect)."""
    runs = list(para.runs)
    hidden = [r.text for r in runs if r.font.hidden and r.text.strip()]
    if not hidden:
        return str(para.text)
    removed.append(Removal("hidden element", " ".join(hidden)))
    return "".join(r.text for r in runs if not r.font.hidden)
