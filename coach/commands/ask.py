"""``coach ask``: a grounded answer from the guidance, streamed as it is verified."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import FILE_HELP, app, console, out, print_json, read_text, runtime


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[
        Optional[str], typer.Argument(help="Your question about reverse mentoring ('-' reads standard input).")
    ] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help=FILE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer and citations as JSON.")] = False,
    mode: Annotated[
        Optional[str], typer.Option("--mode", help="extractive (passage sentences) or generative (model prose).")
    ] = None,
    k: Annotated[Optional[int], typer.Option("-k", min=1, max=50, help="How many passages to retrieve.")] = None,
) -> None:
    """Answer a question from the guidance, citing passages as [1], [2]..."""
    from rich.markup import escape

    from coach.answering import answer_question
    from coach.commands.sources import section_label

    question = read_text(question, file, "question")
    rt = runtime(ctx)
    settings = rt.settings
    chosen = mode or settings.answer_mode
    model = rt.chat_model if chosen == "generative" else None

    def show(piece: str) -> None:
        out.print(piece, end="", markup=False, highlight=False)

    result = answer_question(
        question, rt.retriever, settings, model=model, mode=chosen, k=k, on_token=None if as_json else show
    )
    if as_json:
        print_json(result.public())
        return
    out.print()
    headings = {p.id: p.heading for p in result.passages}
    if result.citations:
        out.print()
        out.print("[bold]Sources[/]" if result.covered else "[bold]Closest passages[/]")
        for number, citation in enumerate(result.citations, 1):
            label = section_label(citation.title, headings.get(citation.id, ""))
            out.print(f"  [{number}] {escape(label)} [dim]({escape(citation.source)})[/]", highlight=False)
            out.print(f"      [dim]{escape(citation.quote)}[/]", highlight=False)
    if result.covered and result.see_also:
        out.print("[bold]See also[/]")
        for citation in result.see_also:
            label = section_label(citation.title, headings.get(citation.id, ""))
            out.print(f"  • {escape(label)} [dim]({escape(citation.source)})[/]", highlight=False)
    dropped = result.total_sentences - result.grounded_sentences
    note = f"{result.model}; {result.grounded_sentences}/{result.total_sentences} sentences grounded"
    if dropped:
        note += f"; {dropped} unsupported sentence(s) left out"
    if result.fell_back:
        note += "; the model's answer was not supported, so passage sentences are shown"
    console.print(f"[dim]{note}[/]", highlight=False)
