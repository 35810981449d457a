"""``coach stereotypes check|reflect``: spot age generalisations and reflect on them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import FILE_HELP, app, out, print_json, read_text, runtime

stereotypes_app = typer.Typer(help="Check text for generational stereotypes and reflect on them.", no_args_is_help=True)
app.add_typer(stereotypes_app, name="stereotypes")


@stereotypes_app.command("check")
def check(
    ctx: typer.Context,
    text: Annotated[Optional[str], typer.Argument(help="The text to check ('-' reads standard input).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help=FILE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    no_embeddings: Annotated[bool, typer.Option("--no-embeddings", help="Keyword model only; no citations.")] = False,
) -> None:
    """Flag sentences that generalise about an age group or generation."""
    from coach.flows.stereotypes.check import check_stereotypes

    text = read_text(text, file)
    rt = runtime(ctx)
    result = (
        check_stereotypes(text)
        if no_embeddings
        else check_stereotypes(text, retriever=rt.retriever, embedder=rt.embedder)
    )
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    from coach.commands.sources import labels_for

    if not result.has_stereotype:
        out.print("No generalisation about an age group found.")
        return
    for flag in result.flags:
        out.print(f'[bold red]"{flag.span}"[/] ({flag.category}, {flag.direction})')
        out.print(f"  why: {flag.explanation}")
        out.print(f"  try: {flag.reframe}")
        if flag.citations:
            labels = labels_for(rt.store, flag.citations)
            out.print(f"  sources: {'; '.join(dict.fromkeys(labels.values()))}", markup=False)


@stereotypes_app.command("reflect")
def reflect_command(
    ctx: typer.Context,
    text: Annotated[
        Optional[str], typer.Argument(help="The statement to reflect on ('-' reads standard input).")
    ] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help=FILE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reflection as JSON.")] = False,
) -> None:
    """Guided questions, then a reframe grounded in the guides with citations."""
    from coach.flows.stereotypes.check import reflect

    text = read_text(text, file, "statement")
    rt = runtime(ctx)
    result = reflect(text, retriever=rt.retriever, embedder=rt.embedder)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    out.print("[bold]Before you decide, ask yourself:[/]")
    for number, question in enumerate(result.questions, 1):
        out.print(f"  {number}. {question}")
    out.print("\n[bold]A reframe[/]")
    out.print(result.reframe)
    if result.citations:
        from coach.commands.sources import labels_for

        labels = labels_for(rt.store, [c.id for c in result.citations])
        out.print("\n[bold]Sources[/]")
        for citation in result.citations:
            out.print(f"  • {labels[citation.id]} ({citation.source})", markup=False)
