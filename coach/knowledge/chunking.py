"""Structure-aware chunking: one chunk per section, split by size with overlap when long.

Chunk ids are content hashes of (source, heading path, text), so re-reading an unchanged
document yields the same ids and nothing needs embedding again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from coach.knowledge.readers import ParsedDocument

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Chunk:
    """One indexable piece of a document with its metadata."""

    id: str
    source: str
    title: str
    heading: str
    text: str
    position: int
    audience: str
    stage: str
    topics: tuple[str, ...]
    root: str = ""  # the ingest root's label; with the path below it, the document's identity

    def embedding_text(self) -> str:
        """What the embedding model sees: title and heading give the chunk its context."""
        heading = f" > {self.heading}" if self.heading else ""
        return f"{self.title}{heading}\n{self.text}"

    def metadata(self) -> dict[str, str | int]:
        return {
            "source": self.source,
            "title": self.title,
            "heading": self.heading,
            "position": self.position,
            "audience": self.audience,
            "stage": self.stage,
            "topics": "|" + "|".join(self.topics) + "|" if self.topics else "",
            "root": self.root,
        }


def chunk_id(source: str, heading: str, text: str) -> str:
    digest = hashlib.sha256(f"{source}\x1f{heading}\x1f{text}".encode()).hexdigest()
    return digest[:24]


def split_text(text: str, size: int, overlap: int) -> list[str]:
    """Split text into pieces of at most ``size`` characters, sharing about ``overlap``.

    Paragraph and sentence boundaries are preferred; a single over-long sentence is cut
    on whitespace.
    """
    text = text.strip()
    if len(text) <= size:
        return [text] if text else []
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            while len(sentence) > size:
                cut = sentence.rfind(" ", 0, size)
                cut = cut if cut > size // 2 else size
                units.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                units.append(sentence)
        if units:
            units[-1] += "\n"
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    for unit in units:
        if current and length + len(unit) + 1 > size:
            pieces.append(" ".join(current).strip())
            carried: list[str] = []
            carried_len = 0
            for previous in reversed(current):
                if carried_len + len(previous) > overlap:
                    break
                carried.insert(0, previous)
                carried_len += len(previous) + 1
            current, length = carried, carried_len
        current.append(unit)
        length += len(unit) + 1
    if current:
        pieces.append(" ".join(current).strip())
    return [p.replace(" \n", "\n").strip() for p in pieces if p.strip()]


def chunk_document(doc: ParsedDocument, size: int, overlap: int) -> list[Chunk]:
    """Chunk a parsed document section by section."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in doc.sections:
        heading = " > ".join(section.heading_path)
        for piece in split_text(section.text, size, overlap):
            cid = chunk_id(doc.source, heading, piece)
            if cid in seen:  # identical repeated text in one section adds nothing
                continue
            seen.add(cid)
            chunks.append(
                Chunk(
                    id=cid,
                    source=doc.source,
                    title=doc.title,
                    heading=heading,
                    text=piece,
                    position=len(chunks),
                    audience=doc.audience,
                    stage=doc.stage,
                    topics=tuple(doc.topics),
                )
            )
    return chunks
