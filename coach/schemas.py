"""Pydantic models shared across the coach: passages and citations."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Passage(BaseModel):
    """One retrieved chunk of guidance."""

    id: str
    source: str
    title: str
    heading: str = ""
    text: str
    score: float = 0.0
    similarity: float | None = Field(default=None, description="Cosine similarity to the query, if dense.")
    phrasing_similarity: float | None = Field(
        default=None, description="Cosine of the query to the section's closest phrasing, if it has phrasings."
    )
    lexical_score: float | None = Field(
        default=None, description="BM25 score of the chunk for the query, if the lexical ranking found it."
    )
    audience: str = "all"
    stage: str = "program"
    topics: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    """A passage as cited by an answer or a flow result."""

    id: str
    source: str
    title: str
    quote: str

    @classmethod
    def from_passage(cls, passage: Passage, quote: str | None = None, max_chars: int = 240) -> Citation:
        text = quote if quote is not None else passage.text
        text = " ".join(text.split())
        if len(text) > max_chars:
            text = text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
        return cls(id=passage.id, source=passage.source, title=passage.title, quote=text)
