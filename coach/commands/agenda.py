"""``coach agenda``: a timed, cited session agenda as a table, JSON, Markdown or an .ics file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from coach.commands import app, console, out, print_json, runtime
from coach.errors import InputError

if TYPE_CHECKING:
    from coach.flows.agenda.builder import Agenda

MAX_NOTES_BYTES = 1_000_000
DEFAULT_PROGRAM_SESSIONS = 6  # a six-month program meeting monthly, the common shape in the guides


@app.command()
def agenda(
    ctx: typer.Context,
    duration: Annotated[int, typer.Option("--duration", help="Session length in minutes (10 to 180).")],
    session_number: Annotated[int, typer.Option("--session-number", help="Which session this is, from 1.")],
    program_sessions: Annotated[
        int, typer.Option("--program-sessions", help="How many sessions the program has.")
    ] = DEFAULT_PROGRAM_SESSIONS,
    focus: Annotated[str, typer.Option("--focus", help="The topic or goals of this session.")] = "",
    mentor: Annotated[str, typer.Option("--mentor", help="Who the (junior) mentor is, in a sentence.")] = "",
    mentee: Annotated[str, typer.Option("--mentee", help="Who the (senior) mentee is, in a sentence.")] = "",
    session_format: Annotated[str, typer.Option("--format", help="video or in-person.")] = "in-person",
    notes: Annotated[
        Optional[Path], typer.Option("--notes", help="Previous session notes; open action items are carried over.")
    ] = None,
    actions: Annotated[Optional[list[str]], typer.Option("--action", help="An open action item (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the agenda as JSON.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print the agenda as Markdown.")] = False,
    ics: Annotated[Optional[Path], typer.Option("--ics", help="Write a calendar event (.ics) to this file.")] = None,
    start: Annotated[
        Optional[str],
        typer.Option("--start", help="Start for the .ics event, e.g. 2025-03-04T14:00 (default: next hour)."),
    ] = None,
) -> None:
    """Plan a session: items with minutes that add up to the duration, each citing guidance."""
    from coach.flows.agenda.builder import AgendaRequest, agenda_to_ics, agenda_to_markdown, build_agenda

    if sum([as_json, as_markdown, ics is not None]) > 1:
        raise InputError("Choose one output: --json, --markdown or --ics FILE.")
    request = AgendaRequest(
        mentor=mentor,
        mentee=mentee,
        session_number=session_number,
        program_sessions=program_sessions,
        duration_minutes=duration,
        focus=focus,
        format=session_format,  # type: ignore[arg-type]  # normalised and checked by the model
        notes=_read_notes(notes) if notes else "",
        open_actions=actions or [],
    )
    result = build_agenda(request, runtime(ctx).retriever)
    if as_json:
        print_json(result.public())
    elif as_markdown:
        out.print(agenda_to_markdown(result), markup=False, highlight=False)
    elif ics is not None:
        ics.write_bytes(agenda_to_ics(result, _parse_start(start)))
        console.print(f"Wrote {ics} ({result.duration_minutes} minutes, {len(result.items)} items).")
    else:
        _print_table(result)


def _read_notes(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"Notes file not found: {path}.", hint="Pass a text or Markdown file with --notes.")
    if path.stat().st_size > MAX_NOTES_BYTES:
        raise InputError(f"Notes file {path} is larger than {MAX_NOTES_BYTES // 1000} kB.", hint="Pass a shorter file.")
    return path.read_text(encoding="utf-8", errors="replace")


def _parse_start(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"Cannot read start time '{value}'.", hint="Use ISO format, e.g. 2025-03-04T14:00.") from exc


def _print_table(result: Agenda) -> None:
    from rich.table import Table
    from rich.text import Text

    numbers = {c.id: n for n, c in enumerate(result.citations, 1)}
    out.print(Text(result.title, style="bold"))
    out.print(f"{result.duration_minutes} minutes · {result.format} · {result.stage}", highlight=False)
    out.print()
    out.print("[bold]Objectives[/]")
    for objective in result.objectives:
        out.print(f"  • {objective}", markup=False)
    table = Table(show_lines=True)
    table.add_column("Min", justify="right")
    table.add_column("Item")
    table.add_column("Owner")
    table.add_column("Details")
    table.add_column("Sources")
    for item in result.items:
        refs = " ".join(f"[{numbers[c]}]" for c in item.citations if c in numbers)
        table.add_row(str(item.minutes), Text(item.title), item.owner, Text(item.details), Text(refs))
    table.add_row(str(sum(i.minutes for i in result.items)), "[bold]Total[/]", "", "", "")
    out.print(table)
    for who, tasks in (("Mentor prepares", result.preparation.mentor), ("Mentee prepares", result.preparation.mentee)):
        out.print(f"[bold]{who}[/]")
        for task in tasks:
            out.print(f"  • {task}", markup=False)
    out.print("[bold]Follow-up[/]")
    for line in result.follow_up:
        out.print(f"  • {line}", markup=False)
    out.print("[bold]Sources[/]")
    for n, citation in enumerate(result.citations, 1):
        out.print(f"  [{n}] {citation.title} ({citation.source})", markup=False, highlight=False)
