"""Glue between the app and the coach that is not page logic.

Uploads are stored under a generated name (a path in the uploaded file's name is never
used), checked for type and size first; documents are listed, removed and re-indexed;
rehearsal turns are reduced to the scores stored with an attempt.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from coach.actors import PROGRAM_STAFF, Actor, require_role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied
from coach.knowledge.readers import SUPPORTED_EXTENSIONS
from coach.knowledge.review import DocumentReview

if TYPE_CHECKING:
    from coach.knowledge.ingest import IngestSummary, ProgressCallback
    from coach.runtime import Runtime
    from coach.storage.db import Database

log = logging.getLogger("coach.access")
UPLOAD_PREFIX = "uploads/"
UPLOAD_EXTENSIONS = (".md", ".txt", ".pdf", ".docx", ".html")
MAX_STEM_CHARS = 40
_UNSAFE = re.compile(r"[^a-z0-9]+")


class SavedUpload(BaseModel):
    """An uploaded file as stored: its original name, generated path and index source name."""

    original_name: str
    path: Path
    source: str


class FileResult(BaseModel):
    """The outcome of indexing one file."""

    name: str
    source: str
    ok: bool
    detail: str


class DocumentInfo(BaseModel):
    """An indexed document and how many chunks it has."""

    source: str
    chunks: int
    uploaded: bool
    quarantined: int = 0


class DocumentPreview(BaseModel):
    """What a document would add to the index, before it goes live, and what it would keep out."""

    name: str
    ok: bool
    detail: str = ""
    title: str = ""
    sections: list[tuple[str, str]] = []
    review: DocumentReview | None = None


def require_editor(actor: Actor | None, action: str, audit_db: Database | None = None) -> Actor:
    """Knowledge-base edits are for coordinators and administrators (refusals are logged,
    and recorded in the audit trail when ``audit_db`` is given).

    Raises:
        PermissionDenied: anyone else, or nobody signed in.
    """
    if audit_db is not None:
        from coach.accounts import audit

        return audit.check_role(audit_db, actor, *PROGRAM_STAFF, action=action)
    try:
        return require_role(actor, *PROGRAM_STAFF, action=action)
    except PermissionDenied:
        log.warning("refused %s for %s", action, actor.email if actor else "anonymous")
        raise


def _record(audit_db: Database | None, actor: Actor | None, action: str, target: str, detail: str = "") -> None:
    """Every knowledge-base change goes into the audit trail (who, what, when)."""
    if audit_db is not None and actor is not None:
        from coach.accounts import audit

        audit.record(audit_db, action, actor=actor, target=target[:400], detail=detail)


def safe_upload_name(uploaded_name: str) -> str:
    """A generated file name: random prefix, a slug of the original stem, its extension.

    Directory parts (``../``, ``C:\\``) and unusual characters are dropped.

    Raises:
        InputError: the extension is not one of ``UPLOAD_EXTENSIONS``.
    """
    base = PurePosixPath(uploaded_name.replace("\\", "/")).name
    suffix = PurePosixPath(base).suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix == ".markdown":
        suffix = ".md"
    if suffix not in UPLOAD_EXTENSIONS or suffix not in SUPPORTED_EXTENSIONS:
        raise InputError(
            f"'{base or uploaded_name}' is not a supported file type.",
            hint=f"Upload one of: {', '.join(UPLOAD_EXTENSIONS)}.",
        )
    stem = _UNSAFE.sub("-", PurePosixPath(base).stem.lower()).strip("-")[:MAX_STEM_CHARS].strip("-") or "document"
    return f"{uuid.uuid4().hex[:8]}-{stem}{suffix}"


def save_upload(
    uploaded_name: str, data: bytes, settings: Settings, *, actor: Actor | None, audit_db: Database | None = None
) -> SavedUpload:
    """Validate an upload and write it under a safe generated name in ``uploads_dir``.

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator.
        InputError: unsupported type, empty file, or over ``max_upload_bytes``.
    """
    require_editor(actor, "add documents to the knowledge base", audit_db)
    name = safe_upload_name(uploaded_name)
    if not data:
        raise InputError(f"'{uploaded_name}' is empty.", hint="Upload a file with some text in it.")
    if len(data) > settings.max_upload_bytes:
        raise InputError(
            f"'{uploaded_name}' is {len(data):,} bytes, over the {settings.max_upload_bytes:,}-byte limit.",
            hint="Split the document, or raise COACH_MAX_UPLOAD_BYTES.",
        )
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    _record(audit_db, actor, "knowledge: uploaded", UPLOAD_PREFIX + name, f"{uploaded_name}, {len(data):,} bytes")
    return SavedUpload(original_name=uploaded_name, path=path, source=UPLOAD_PREFIX + name)


def ingest_uploads(
    runtime: Runtime,
    uploads: Sequence[SavedUpload],
    progress: ProgressCallback | None = None,
    *,
    actor: Actor | None,
    audit_db: Database | None = None,
) -> list[FileResult]:
    """Index saved uploads; one result per file (a failed file is removed from disk); coordinators and administrators."""
    require_editor(actor, "index documents", audit_db)
    from coach.knowledge.ingest import ingest_paths

    summary = ingest_paths(
        [], runtime.settings, runtime.store, runtime.embedder, progress, sources=[(u.path, u.source) for u in uploads]
    )
    failed = {f.source: f.reason for f in summary.failures}
    counts = {s: len(ids) for s, ids in runtime.store.ids_by_source().items()}
    results = []
    for upload in uploads:
        if upload.source in failed:
            upload.path.unlink(missing_ok=True)
            results.append(
                FileResult(name=upload.original_name, source=upload.source, ok=False, detail=failed[upload.source])
            )
        else:
            n = counts.get(upload.source, 0)
            results.append(
                FileResult(name=upload.original_name, source=upload.source, ok=True, detail=f"{n} chunks indexed")
            )
        _record(
            audit_db,
            actor,
            "knowledge: published" if results[-1].ok else "knowledge: refused",
            upload.source,
            results[-1].detail,
        )
    return results


def list_documents(runtime: Runtime) -> list[DocumentInfo]:
    """Indexed documents with chunk counts and quarantined sentences, by name."""
    from coach.knowledge.review import ReviewStore

    reviews = {r.source: len(r.quarantined) for r in ReviewStore(runtime.settings.review_dir).all()}
    return [
        DocumentInfo(source=s, chunks=len(ids), uploaded=s.startswith(UPLOAD_PREFIX), quarantined=reviews.get(s, 0))
        for s, ids in sorted(runtime.store.ids_by_source().items())
    ]


def quarantine_reviews(runtime: Runtime, actor: Actor | None) -> list[DocumentReview]:
    """The quarantine record of every document that needs review (coordinators and administrators only).

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator.
    """
    from coach.knowledge.review import ReviewStore

    require_editor(actor, "review quarantined sentences")
    return [r for r in ReviewStore(runtime.settings.review_dir).all() if r.needs_review]


def preview_document(uploaded_name: str, data: bytes, settings: Settings, actor: Actor | None) -> DocumentPreview:
    """Read and screen an upload without indexing it: the sections that would go live and
    what would be quarantined (coordinators and administrators only).

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator.
    """
    from coach.errors import CoachError
    from coach.knowledge.readers import parse_bytes
    from coach.knowledge.screening import screen_document

    require_editor(actor, "add documents")
    try:
        name = safe_upload_name(uploaded_name)
        if len(data) > settings.max_upload_bytes:
            raise InputError(f"'{uploaded_name}' is over the {settings.max_upload_bytes:,}-byte limit.")
        doc = parse_bytes(data, PurePosixPath(name).suffix, uploaded_name)
        review = screen_document(doc)
    except CoachError as exc:
        return DocumentPreview(name=uploaded_name, ok=False, detail=str(exc))
    sections = [(" > ".join(s.heading_path), s.text) for s in doc.sections]
    return DocumentPreview(
        name=uploaded_name,
        ok=bool(sections),
        title=doc.title,
        sections=sections,
        review=review,
        detail="" if sections else "no readable text left",
    )


def delete_documents(
    runtime: Runtime, sources: Iterable[str], *, actor: Actor | None, audit_db: Database | None = None
) -> int:
    """Remove documents from the index (and uploaded files from disk); returns chunks removed.

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator.
    """
    require_editor(actor, "remove documents from the knowledge base", audit_db)
    from coach.knowledge.ingest import remove_sources
    from coach.knowledge.review import ReviewStore

    names = list(sources)
    removed = remove_sources(names, runtime.store)
    reviews = ReviewStore(runtime.settings.review_dir)
    for source in names:
        reviews.delete(source)
        if source.startswith(UPLOAD_PREFIX):
            name = PurePosixPath(source).name
            (runtime.settings.uploads_dir / name).unlink(missing_ok=True)
        _record(audit_db, actor, "knowledge: removed", source)
    return removed


def reindex(
    runtime: Runtime,
    progress: ProgressCallback | None = None,
    *,
    actor: Actor | None,
    audit_db: Database | None = None,
) -> IngestSummary:
    """Re-index the knowledge folder and every kept upload (unchanged chunks are not re-embedded).

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator.
    """
    require_editor(actor, "re-index the knowledge base", audit_db)
    paths = [runtime.settings.knowledge_dir]
    if runtime.settings.uploads_dir.is_dir():
        paths.append(runtime.settings.uploads_dir)
    summary = runtime.ingest(paths, progress=progress)
    _record(audit_db, actor, "knowledge: re-indexed", "knowledge base", str(summary))
    return summary


def index_is_empty(runtime: Runtime) -> bool:
    """True when the store holds no chunks at all (first run)."""
    return runtime.store.count() == 0


def model_description(settings: Settings) -> str:
    """Which model answers, named from settings alone (nothing is loaded)."""
    if settings.llm_provider == "fake":
        return "Demo model (scripted, no language model)"
    if settings.llm_provider == "local":
        path = settings.local_model_path
        return f"Local model {path.name if path else '(not found)'} via llama.cpp"
    base = settings.llm_base_url or "https://api.openai.com/v1"
    return f"{settings.llm_model or 'default model'} at {base}"


def attempt_scores(turns: Sequence[Any]) -> tuple[list[dict[str, Any]], dict[str, float], float | None]:
    """Turns as JSON, per-criterion mean marks (0-2) and mean overall (0-100) of a rehearsal.

    Args:
        turns: ``PracticeTurn`` objects (anything with ``model_dump`` and a ``score``).
    """
    if not turns:
        return [], {}, None
    dumped = [t.model_dump(mode="json") for t in turns]
    criteria: dict[str, list[int]] = {}
    for turn in turns:
        for name, mark in turn.score.criteria.items():
            criteria.setdefault(name, []).append(int(mark.score))
    means = {name: round(sum(v) / len(v), 2) for name, v in criteria.items()}
    overall = round(sum(int(t.score.overall) for t in turns) / len(turns), 1)
    return dumped, means, overall


def check_connection(settings: Settings) -> str:
    """Build the configured chat model and ask it for a few tokens; returns what it said.

    Raises:
        ModelError: the model cannot be built or the endpoint failed (with a fix hint).
    """
    from langchain_core.messages import HumanMessage

    from coach.errors import CoachError, ModelError
    from coach.llm.generation import invoke_messages
    from coach.llm.providers import build_chat_model, model_label

    try:
        model = build_chat_model(settings)
        reply = invoke_messages(model, [HumanMessage(content="Reply with the single word: ready")], max_tokens=8)
    except CoachError:
        raise
    except Exception as exc:  # a provider failure that translate_error did not recognise
        raise ModelError(
            f"The model did not answer ({exc.__class__.__name__}: {exc}).",
            hint="Check the endpoint and model name, or choose the local provider.",
        ) from exc
    return f"{model_label(model)} answered: {' '.join(reply.split())[:80] or '(empty reply)'}"


def resume_practice(
    persona_id: str,
    difficulty: str,
    saved_turns: Sequence[dict[str, Any]],
    embedder: Any = None,
    model: Any = None,
    retriever: Any = None,
) -> Any:
    """A ``PracticeSession`` continued from an attempt's saved turns (after a refresh).

    The mentor's saved turns are replayed without the model, so the persona's state
    (patience, what it has heard, lines already used) is what it was; the transcript
    keeps the saved replies and scores. The model is attached afterwards for new turns.

    Raises:
        InputError: unknown persona or difficulty, or turns saved without their replies.
    """
    from pydantic import ValidationError

    from coach.flows.roleplay.session import PracticeSession, PracticeTurn

    session = PracticeSession(persona_id, difficulty, embedder=embedder, model=None, retriever=retriever)
    ordered = sorted(saved_turns, key=lambda t: int(t.get("seq", 0)))
    try:
        kept = [PracticeTurn.model_validate(saved) for saved in ordered]
    except ValidationError as exc:
        raise InputError(
            "The last rehearsal was saved without its replies, so it cannot be resumed.",
            hint="Start a new rehearsal; the old one stays in My history.",
        ) from exc
    for saved in ordered:
        session.respond(str(saved["user"]))
    session.turns = kept
    session.model = model
    return session
