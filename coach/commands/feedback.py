"""``coach feedback score``: rate upward feedback against the SBI rubric."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import FILE_HELP, app, out, print_json, read_text, runtime

feedback_app = typer.Typer(help="Score feedback and suggest an SBI rewrite.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.callback()
def feedback_group() -> None:
    """Score feedback and suggest an SBI rewrite."""


@feedback_app.command("score")
def score(
    ctx: typer.Context,
    text: Annotated[Optional[str], typer.Argument(help="The feedback to score ('-' reads standard input).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help=FILE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    no_embeddings: Annotated[
        bool, typer.Option("--no-embeddings", help="Keyword rules only (skips loading the embedding model).")
    ] = False,
) -> None:
    """Score feedback on situation, behaviour, impact, request and respect."""
    from coach.flows.feedback.scoring import score_feedback

    text = read_text(text, file, "feedback")
    result = score_feedback(text, embedder=None if no_embeddings else runtime(ctx).embedder)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    out.print(f"[bold]Overall {result.overall}/100 ({result.level})[/]")
    for name, criterion in result.criteria.items():
        mark = "[green]met[/]" if criterion.met else f"{criterion.score}/2"
        out.print(f"  {name:10} {mark:>6}  {criterion.evidence or '-'}")
    for issue in result.issues:
        out.print(f'  [yellow]{issue.kind}[/] "{issue.span}": {issue.message}')
    for flag in result.stereotype_flags:
        out.print(f'  [red]stereotype[/] ({flag.category}, {flag.direction}) "{flag.span}"')
    for tip in result.tips:
        out.print(f"  tip: {tip}")
    if result.nothing_to_change:
        out.print(
            "\n[bold]Nothing to change[/]: situation, behaviour, impact and request are all there, in your own words."
        )
        return
    out.print(f"\n[bold]Suggested rewrite[/]\n{result.rewrite}")
