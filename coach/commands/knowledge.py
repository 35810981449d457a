"""Commands over the knowledge base: ingest, retrieve, documents, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import app, console, out, print_json, runtime


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: knowledge/).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="Follow symbolic links whose target is inside the folder.")
    ] = False,
) -> None:
    """Index documents (.md .txt .pdf .docx .html); unchanged content is not embedded again.

    Documents are named by their folder plus their path inside it. Hidden text is removed
    and suspicious sentences (instructions to the assistant, requests for credentials,
    sign-in links, forwarding private material, outside addresses) are quarantined: kept
    out of the index and listed for review.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    rt = runtime(ctx)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task("Reading" if phase == "read" else "Embedding", total=total)
            bar.update(tasks[phase], completed=done, total=total)

        summary = rt.ingest(list(paths) if paths else None, progress=progress, follow_symlinks=follow_symlinks)
    if as_json:
        print_json(summary.model_dump(mode="json"))
    else:
        for failure in summary.failures:
            console.print(f"[red]failed[/] {failure.line()}", highlight=False)
        for note in summary.notes():
            out.print(note)
        out.print(str(summary))
    if summary.failures:
        raise typer.Exit(1)


@app.command()
def retrieve(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 5,
    audience: Annotated[Optional[str], typer.Option(help="mentor, mentee, coordinator or all.")] = None,
    stage: Annotated[
        Optional[str], typer.Option(help="prepare, first-session, ongoing, review, closing, program.")
    ] = None,
    topic: Annotated[Optional[list[str]], typer.Option(help="Restrict to documents with this topic.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find the passages of guidance that best match a query (hybrid dense + BM25)."""
    from coach.knowledge.retrieval import Filters

    rt = runtime(ctx)
    passages = rt.retriever.retrieve(query, k=k, filters=Filters(audience, stage, tuple(topic or ())))
    if as_json:
        print_json([p.model_dump(include={"id", "source", "title", "heading", "text", "score"}) for p in passages])
        return
    for i, p in enumerate(passages, 1):
        out.print(f"[bold][{i}] {p.title}[/] — {p.heading or '(intro)'}  [dim]{p.source} · {p.score:.4f}[/]")
        out.print(p.text.strip()[:400] + ("…" if len(p.text) > 400 else ""))
        out.print()


@app.command()
def documents(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List indexed documents and their chunk counts."""
    rt = runtime(ctx)
    counts = {s: len(ids) for s, ids in sorted(rt.store.ids_by_source().items())}
    if as_json:
        print_json([{"source": s, "chunks": n} for s, n in counts.items()])
        return
    for source, n in counts.items():
        out.print(f"{n:5d}  {source}")
    out.print(f"{len(counts)} documents, {sum(counts.values())} chunks")


@app.command()
def remove(
    ctx: typer.Context,
    sources: Annotated[list[str], typer.Argument(help="Document names as shown by 'coach documents'.")],
) -> None:
    """Delete documents from the index."""
    from coach.knowledge.ingest import remove_sources
    from coach.knowledge.review import ReviewStore

    rt = runtime(ctx)
    n = remove_sources(sources, rt.store)
    for source in sources:
        ReviewStore(rt.settings.review_dir).delete(source)
    out.print(f"Removed {n} chunks.")
