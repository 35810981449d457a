"""The per-document quarantine record: what ingest kept out of the index, for review.

One JSON file per document under ``settings.review_dir``, named by a hash of the
document's source name. A coordinator reads them on the Knowledge page; nothing here is
ever indexed or shown as advice.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, Field


class QuarantinedSentence(BaseModel):
    """A sentence (or heading) kept out of the index, where it was and why."""

    heading: str
    text: str
    reasons: list[str]


class DocumentReview(BaseModel):
    """What one document carried that is not advice: hidden content and suspicious sentences."""

    source: str
    title: str = ""
    removed: list[tuple[str, str]] = Field(default_factory=list, description="(kind, text) of hidden content.")
    quarantined: list[QuarantinedSentence] = Field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.quarantined or self.removed)


class ReviewStore:
    """Quarantine records on disk, one file per document."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, source: str) -> Path:
        return self.folder / f"{hashlib.sha256(source.encode()).hexdigest()[:24]}.json"

    def save(self, review: DocumentReview) -> None:
        """Keep the record of a document that needs review; forget the others."""
        path = self._path(review.source)
        if not review.needs_review:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(review.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(path)

    def get(self, source: str) -> DocumentReview | None:
        path = self._path(source)
        return DocumentReview.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None

    def delete(self, source: str) -> None:
        self._path(source).unlink(missing_ok=True)

    def all(self) -> list[DocumentReview]:
        """Every record, by source name."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(DocumentReview.model_validate(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                continue  # a damaged record is skipped; the next ingest rewrites it
        return sorted(found, key=lambda r: r.source)
