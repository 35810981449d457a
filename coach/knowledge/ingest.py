"""Idempotent ingestion of documents into the vector store.

A run reads every file, chunks it, and compares chunk ids (content hashes) with what the
store already holds for that document. Only new chunks are embedded. New chunks are
written before stale ones are deleted, so an interrupted run leaves every document
searchable, and the next run completes the change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from coach.config import Settings
from coach.errors import CoachError, DocumentError
from coach.knowledge.chunking import Chunk, chunk_document
from coach.knowledge.embeddings import Embedder
from coach.knowledge.readers import SUPPORTED_EXTENSIONS, read_document
from coach.knowledge.store import VectorStore

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(phase, done, total)``; phases are 'read' and 'embed'."""


class FileFailure(BaseModel):
    source: str
    reason: str

    def line(self) -> str:
        return f"{self.source}: {self.reason}"


class IngestSummary(BaseModel):
    """What an ingest did, for people (``str``) and tools (``model_dump_json``)."""

    files_read: int = 0
    files_skipped: int = 0
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    documents_removed: int = 0
    failures: list[FileFailure] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def chunks_embedded(self) -> int:
        return self.chunks_added + self.chunks_updated

    def __str__(self) -> str:
        return (
            f"{self.files_read} files read, {self.chunks_added} chunks added, "
            f"{self.chunks_updated} updated, {self.chunks_removed} removed, "
            f"{self.chunks_unchanged} unchanged, {len(self.failures)} failed, {self.seconds:.1f}s"
        )


@dataclass
class _Target:
    path: Path
    source: str


@dataclass
class _Plan:
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    read_sources: set[str] = field(default_factory=set)
    # Roots whose contents are synchronised: documents under them that vanished are removed.
    synced_prefixes: list[str] = field(default_factory=list)


def collect_targets(paths: Sequence[Path], summary: IngestSummary) -> tuple[list[_Target], list[str]]:
    """Expand paths into files with stable source names.

    A directory's files are named relative to the directory (``guides/x.md``) and every
    supported file below it is synchronised; other files in it are skipped quietly. A file
    given by name is always attempted, so an unsupported type gets its error.
    """
    targets: list[_Target] = []
    synced: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            prefix = f"{path.resolve().name}/"
            synced.append(prefix)
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in file.relative_to(path).parts):
                    continue
                if file.suffix.lower() not in SUPPORTED_EXTENSIONS:
                    summary.files_skipped += 1
                    continue
                targets.append(_Target(file, prefix + file.relative_to(path).as_posix()))
        elif path.exists():
            targets.append(_Target(path, path.name))
        else:
            summary.failures.append(FileFailure(source=str(path), reason="no such file or directory"))
    return targets, synced


def ingest_paths(
    paths: Sequence[Path],
    settings: Settings,
    store: VectorStore,
    embedder: Embedder,
    progress: ProgressCallback | None = None,
    sources: Iterable[tuple[Path, str]] = (),
) -> IngestSummary:
    """Bring the store in line with the given files and folders.

    Args:
        paths: Files and folders to ingest.
        settings: Chunking and upload limits.
        store: Where chunks go.
        embedder: Turns chunk text into vectors; called only for new chunks.
        progress: Optional callback for progress bars.
        sources: Extra (file, source name) pairs, e.g. uploads with generated names.

    Returns:
        The run's summary. Failures are listed, never raised, so one bad file does not
        stop the rest.
    """
    started = time.perf_counter()
    summary = IngestSummary()
    targets, synced = collect_targets(paths, summary)
    targets += [_Target(p, s) for p, s in sources]
    plan = _Plan(synced_prefixes=synced)
    for done, target in enumerate(targets, 1):
        try:
            doc = read_document(target.path, target.source, settings.max_upload_bytes)
            chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            if not chunks:
                raise DocumentError(target.source, "no readable text found")
            plan.chunks[target.source] = chunks
            plan.read_sources.add(target.source)
            summary.files_read += 1
        except DocumentError as exc:
            summary.failures.append(FileFailure(source=exc.source, reason=exc.reason))
            plan.read_sources.add(target.source)  # a failed file keeps its old chunks
        if progress:
            progress("read", done, len(targets))
    _apply(plan, store, embedder, summary, progress, slice_size=settings.ingest_slice_size)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _apply(
    plan: _Plan,
    store: VectorStore,
    embedder: Embedder,
    summary: IngestSummary,
    progress: ProgressCallback | None,
    slice_size: int,
) -> None:
    existing = store.ids_by_source()
    to_embed: list[Chunk] = []
    to_delete: list[str] = []
    for source, chunks in plan.chunks.items():
        old = existing.get(source, set())
        new_ids = {c.id for c in chunks}
        fresh = [c for c in chunks if c.id not in old]
        stale = old - new_ids
        updated = min(len(fresh), len(stale))
        summary.chunks_updated += updated
        summary.chunks_added += len(fresh) - updated
        summary.chunks_removed += len(stale) - updated
        summary.chunks_unchanged += len(new_ids & old)
        to_embed.extend(fresh)
        to_delete.extend(stale)
    for source, ids in existing.items():
        vanished = source not in plan.read_sources and any(source.startswith(p) for p in plan.synced_prefixes)
        if vanished:
            summary.documents_removed += 1
            summary.chunks_removed += len(ids)
            to_delete.extend(ids)
    if to_embed:
        _embed_and_add(to_embed, store, embedder, progress, slice_size)
    if to_delete:
        store.delete(sorted(set(to_delete)))
    if to_embed or to_delete:
        store.bump_version()


def _embed_and_add(
    chunks: list[Chunk], store: VectorStore, embedder: Embedder, progress: ProgressCallback | None, slice_size: int
) -> None:
    """Embed and write in slices, so an interruption keeps every finished slice.

    Chunks go longest first, so every embedding batch holds texts of similar length (the
    padding saved is most of the gap to one big ``encode`` call over the whole corpus).
    """
    chunks = sorted(chunks, key=lambda c: -len(c.embedding_text()))
    done = 0
    for start in range(0, len(chunks), slice_size):
        part = chunks[start : start + slice_size]
        offset = done

        def report(n: int, offset: int = offset) -> None:
            nonlocal done
            done = min(len(chunks), done + n)
            if progress:
                progress("embed", done, len(chunks))

        vectors = embedder.embed([c.embedding_text() for c in part], progress=report)
        store.add([c.id for c in part], vectors, [c.text for c in part], [c.metadata() for c in part])
        done = offset + len(part)


def remove_sources(sources: Sequence[str], store: VectorStore) -> int:
    """Delete every chunk of the named documents; returns how many chunks went."""
    existing = store.ids_by_source()
    ids = [i for s in sources for i in existing.get(s, set())]
    if not ids:
        raise CoachError(f"No indexed document named {', '.join(sources)}.", hint="See 'coach documents' for names.")
    store.delete(ids)
    store.bump_version()
    return len(ids)
