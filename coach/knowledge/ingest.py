"""Idempotent ingestion of documents into the vector store.

A run reads every file, chunks it, and compares chunk ids (content hashes) with what the
store already holds for that document. Only new chunks are embedded. New chunks are
written before stale ones are deleted, so an interrupted run leaves every document
searchable, and the next run completes the change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from coach.config import Settings
from coach.errors import CoachError, DocumentError
from coach.knowledge.chunking import Chunk, chunk_document
from coach.knowledge.readers import SUPPORTED_EXTENSIONS, read_document
from coach.knowledge.store import VectorStore
from coach.ports import Embedder

if TYPE_CHECKING:
    from coach.knowledge.review import DocumentReview

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
    removed_documents: list[str] = Field(default_factory=list, description="Documents deleted from the index.")
    links_skipped: list[str] = Field(default_factory=list, description="Symbolic links that were not followed.")
    quarantined: dict[str, int] = Field(
        default_factory=dict, description="Suspicious sentences kept out of the index, per document read."
    )
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

    def notes(self) -> list[str]:
        """Lines a person should read besides the totals: removals, quarantines, skipped links."""
        lines = []
        if self.removed_documents:
            names = ", ".join(self.removed_documents)
            lines.append(f"Removed {len(self.removed_documents)} document(s) no longer in their folder: {names}")
        for source, n in self.quarantined.items():
            if n:
                lines.append(f"Quarantined {n} suspicious sentence(s) in {source} (review them on the Knowledge page)")
        lines += [f"Skipped {link}" for link in self.links_skipped]
        return lines


@dataclass
class _Target:
    path: Path
    source: str
    root: str


@dataclass
class _Root:
    """A folder whose contents are synchronised: its documents that vanished are removed."""

    label: str
    legacy_prefix: str  # how earlier versions named this folder's documents: its last name only


@dataclass
class _Plan:
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)  # source -> root label
    read_sources: set[str] = field(default_factory=set)
    synced: list[_Root] = field(default_factory=list)


def root_label(root: Path, settings: Settings) -> str:
    """The stable name of an ingest root, the first part of every document name under it.

    The knowledge folder is named by its last name (``knowledge``) and the uploads folder
    ``uploads``; another folder inside the project by its path from the project folder
    (``team1/docs``); anything else by its absolute path. So two folders or files with
    the same name never share a document name.
    """
    root = root.resolve()
    named = {settings.knowledge_dir.resolve(): settings.knowledge_dir.name, settings.uploads_dir.resolve(): "uploads"}
    if root in named:
        return named[root]
    base = settings.knowledge_dir.resolve().parent
    try:
        label = root.relative_to(base).as_posix()
    except ValueError:
        return root.as_posix()
    return root.as_posix() if label in named.values() else ("" if label == "." else label)


def _join(label: str, relative: str) -> str:
    return f"{label}/{relative}" if label else relative


def _walk(root: Path, follow_symlinks: bool, skipped: list[str]) -> Iterator[Path]:
    """Files below ``root`` (hidden names skipped); symbolic links only when allowed and inside."""
    real_root = root.resolve()
    seen: set[Path] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        if folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink() and not _link_allowed(entry, real_root, follow_symlinks, skipped):
                continue
            if entry.is_dir():
                stack.append(entry)
            elif entry.is_file():
                yield entry


def _link_allowed(link: Path, real_root: Path, follow_symlinks: bool, skipped: list[str]) -> bool:
    if not follow_symlinks:
        skipped.append(f"{link}: a symbolic link (not followed; use --follow-symlinks for links inside the folder)")
        return False
    if not link.resolve().is_relative_to(real_root):
        skipped.append(f"{link}: a symbolic link to {link.resolve()}, outside the ingested folder")
        return False
    return True


def collect_targets(
    paths: Sequence[Path], summary: IngestSummary, settings: Settings, follow_symlinks: bool = False
) -> tuple[list[_Target], list[_Root]]:
    """Expand paths into files named by their ingest root plus their path below it.

    A folder is the root of every file below it (``team1/docs/guides/x.md``), and its
    supported files are synchronised; other files in it are skipped quietly. A file given
    by name has its own folder as root (``a/notes.md``) and is always attempted, so an
    unsupported type gets its error. Symbolic links are not followed unless
    ``follow_symlinks``, and then only to targets inside the root.
    """
    targets: list[_Target] = []
    synced: list[_Root] = []
    for raw in paths:
        path = Path(raw)
        if path.is_symlink() and not _link_allowed(path, path.parent.resolve(), follow_symlinks, summary.links_skipped):
            continue
        if path.is_dir():
            label = root_label(path, settings)
            synced.append(_Root(label, f"{path.resolve().name}/"))
            for file in sorted(_walk(path, follow_symlinks, summary.links_skipped)):
                if file.suffix.lower() not in SUPPORTED_EXTENSIONS:
                    summary.files_skipped += 1
                    continue
                targets.append(_Target(file, _join(label, file.relative_to(path).as_posix()), label))
        elif path.exists():
            label = root_label(path.parent, settings)
            targets.append(_Target(path, _join(label, path.name), label))
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
    follow_symlinks: bool = False,
) -> IngestSummary:
    """Bring the store in line with the given files and folders.

    Every document is made safe first (``coach.knowledge.screening``): hidden text is
    removed and sentences that try to instruct the assistant or the reader about
    credentials, sign-in links, private material or outside addresses are quarantined:
    kept out of the index and recorded for review (``coach.knowledge.review``).

    Args:
        paths: Files and folders to ingest.
        settings: Chunking and upload limits.
        store: Where chunks go.
        embedder: Turns chunk text into vectors; called only for new chunks.
        progress: Optional callback for progress bars.
        sources: Extra (file, source name) pairs, e.g. uploads with generated names.
        follow_symlinks: Follow symbolic links whose target is inside the ingested folder.

    Returns:
        The run's summary. Failures are listed, never raised, so one bad file does not
        stop the rest.
    """
    from coach.knowledge.review import ReviewStore

    started = time.perf_counter()
    summary = IngestSummary()
    targets, synced = collect_targets(paths, summary, settings, follow_symlinks)
    targets += [_Target(p, s, PurePosixPath(s).parent.as_posix().strip(".")) for p, s in sources]
    plan = _Plan(synced=synced)
    reviews = ReviewStore(settings.review_dir)
    for done, target in enumerate(targets, 1):
        try:
            chunks, review = prepare_document(target.path, target.source, settings)
            plan.chunks[target.source] = chunks
            plan.roots[target.source] = target.root
            plan.read_sources.add(target.source)
            summary.files_read += 1
            summary.quarantined[target.source] = len(review.quarantined)
            reviews.save(review)
        except DocumentError as exc:
            summary.failures.append(FileFailure(source=exc.source, reason=exc.reason))
            plan.read_sources.add(target.source)  # a failed file keeps its old chunks
        if progress:
            progress("read", done, len(targets))
    _apply(plan, store, embedder, summary, progress, slice_size=settings.ingest_slice_size)
    for source in summary.removed_documents:
        reviews.delete(source)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def prepare_document(path: Path, source: str, settings: Settings) -> tuple[list[Chunk], DocumentReview]:
    """Read, make safe and chunk one file: the chunks to index and what was kept out.

    Raises:
        DocumentError: the file cannot be read, or nothing readable is left.
    """
    from coach.knowledge.screening import screen_document

    doc = read_document(path, source, settings.max_upload_bytes)
    review = screen_document(doc)
    chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
    if not chunks:
        raise DocumentError(source, "no readable text found")
    return chunks, review


def _apply(
    plan: _Plan,
    store: VectorStore,
    embedder: Embedder,
    summary: IngestSummary,
    progress: ProgressCallback | None,
    slice_size: int,
) -> None:
    existing = store.documents()
    to_embed: list[Chunk] = []
    to_delete: list[str] = []
    to_relabel: list[Chunk] = []
    for source, chunks in plan.chunks.items():
        entry = existing.get(source)
        old = entry.ids if entry else set()
        root = plan.roots[source]
        chunks = [c if c.root == root else replace(c, root=root) for c in chunks]
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
        if entry is not None and entry.root != root:  # indexed before documents recorded their root
            to_relabel.extend(c for c in chunks if c.id in old)
    for source in sorted(existing):
        if source not in plan.read_sources and _vanished(source, existing[source].root, plan):
            summary.documents_removed += 1
            summary.removed_documents.append(source)
            summary.chunks_removed += len(existing[source].ids)
            to_delete.extend(existing[source].ids)
    if to_embed:
        _embed_and_add(to_embed, store, embedder, progress, slice_size)
    if to_relabel:
        store.update_metadata([c.id for c in to_relabel], [c.metadata() for c in to_relabel])
    if to_delete:
        store.delete(sorted(set(to_delete)))
    if to_embed or to_delete or to_relabel:
        store.bump_version()


def _vanished(source: str, root: str | None, plan: _Plan) -> bool:
    """Whether an indexed document belongs to a synchronised folder but was not found in it.

    Documents indexed before roots were recorded (``root`` None) were named by the
    folder's last name only; such a document is taken as this folder's when the folder
    kept that naming (the knowledge folder) or now holds the same file under its full name.
    """
    for synced in plan.synced:
        if root is not None:
            if root == synced.label:
                return True
            continue
        if not source.startswith(synced.legacy_prefix):
            continue
        if synced.label + "/" == synced.legacy_prefix:
            return True
        if _join(synced.label, source[len(synced.legacy_prefix) :]) in plan.chunks:
            return True
    return False


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
    missing = [s for s in sources if s not in existing]
    if missing:
        raise CoachError(f"No indexed document named {', '.join(missing)}.", hint="See 'coach documents' for names.")
    ids = [i for s in sources for i in existing.get(s, set())]
    if not ids:
        raise CoachError(f"No indexed document named {', '.join(sources)}.", hint="See 'coach documents' for names.")
    store.delete(ids)
    store.bump_version()
    return len(ids)
