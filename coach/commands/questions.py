"""``coach questions``: open questions a senior mentee can ask their mentor about a topic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import app, out, print_json, read_text, runtime


@app.command()
def questions(
    ctx: typer.Context,
    topic: Annotated[
        Optional[str], typer.Option("--topic", help="What the mentee wants to learn about ('-' reads standard input).")
    ] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="Read the topic from this file.")] = None,
    mentee: Annotated[str, typer.Option("--mentee", help="Who the (senior) mentee is, in a sentence.")] = "",
    count: Annotated[int, typer.Option("--count", help="How many questions (5 to 10).")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the questions as JSON.")] = False,
) -> None:
    """Prepare open, non-leading questions grouped understand / explore / apply, with sources."""
    from coach.commands.sources import labels_for
    from coach.flows.questions.prep import GROUPS, prepare_questions

    topic = read_text(topic, file, "topic")
    rt = runtime(ctx)
    result = prepare_questions(mentee, topic, rt.retriever, count=count)
    if as_json:
        print_json(result.public())
        return
    labels = labels_for(rt.store, [c for q in result.questions for c in q.citations])
    for group in GROUPS:
        chosen = [q for q in result.questions if q.group == group]
        if not chosen:
            continue
        out.print(f"[bold]{group.capitalize()}[/]")
        for question in chosen:
            out.print(f"  • {question.text}", markup=False, highlight=False)
            sources = "; ".join(dict.fromkeys(labels[c] for c in question.citations))
            out.print(f"    {question.why} (sources: {sources})", style="dim", markup=False, highlight=False)
