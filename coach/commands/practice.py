"""``coach practice``: rehearse upward feedback with a senior persona, then get a debrief."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from coach.commands import app, console, out, print_json, runtime
from coach.errors import CoachError, InputError

if TYPE_CHECKING:
    from coach.actors import Actor
    from coach.flows.roleplay.session import Debrief, PracticeSession, PracticeTurn

END_WORDS = {"done", "quit", "exit", "bye"}


@app.command()
def practice(
    ctx: typer.Context,
    persona: Annotated[str, typer.Option("--persona", help="Persona id, e.g. defensive, busy, tech-sceptic.")],
    difficulty: Annotated[str, typer.Option("--difficulty", help="easy, normal or hard.")] = "normal",
    script: Annotated[
        Optional[Path], typer.Option("--script", help="A file with one turn per non-empty line (non-interactive).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --script: print turns and debrief as JSON.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Varies which lines the persona picks.")] = 0,
    as_email: Annotated[
        Optional[str], typer.Option("--as", help="Save the rehearsal to this account's history.")
    ] = None,
    scenario: Annotated[
        Optional[str],
        typer.Option("--scenario", help="Your own situation: who the feedback is for and what happened."),
    ] = None,
) -> None:
    """Practise giving feedback to a senior persona; 'done', an empty line or Ctrl-D ends."""
    owner = _owner(ctx, as_email) if as_email else None  # an unknown account fails before the rehearsal
    session = _session(ctx, persona, difficulty, seed, scenario)
    try:
        _run(session, script, as_json)
    finally:
        if owner is not None and session.turns:
            _save(ctx, session, owner)


def _run(session: PracticeSession, script: Path | None, as_json: bool) -> None:
    if script is not None:
        turns = _read_script(script)
        for text in turns:
            turn = session.respond(text)
            if not as_json:
                _show_turn(turn)
        debrief = session.debrief()
        if as_json:
            print_json(
                {
                    "turns": [
                        {
                            "user": t.user,
                            "reply": t.reply,
                            "score": t.score.model_dump(mode="json"),
                            "reaction": t.reaction,
                        }
                        for t in session.turns
                    ],
                    "debrief": debrief.model_dump(mode="json"),
                }
            )
        else:
            _show_debrief(debrief)
        return
    if as_json:
        raise InputError("--json needs --script.", hint="Pass --script FILE with one turn per line.")
    _interactive(session)


def _owner(ctx: typer.Context, as_email: str) -> Actor:
    from coach.commands.users import operator
    from coach.storage import open_database

    return operator(open_database(runtime(ctx).settings), as_email)


def _save(ctx: typer.Context, session: PracticeSession, actor: Actor) -> None:
    """Store the turns and scores as one rehearsal of the account (same checks as the app)."""
    from coach.services import attempt_scores
    from coach.storage import open_database
    from coach.storage import repositories as repo

    db = open_database(runtime(ctx).settings)
    attempt = repo.start_attempt(db, actor, session.persona.id, session.difficulty)
    turns, criteria, overall = attempt_scores(session.turns)
    repo.record_attempt(db, actor, attempt, turns, criteria, overall)
    console.print(f"Saved to the rehearsal history of {actor.email}.")


def _session(
    ctx: typer.Context, persona: str, difficulty: str, seed: int, scenario: str | None = None
) -> PracticeSession:
    from coach.flows.roleplay.session import start_practice

    rt = runtime(ctx)
    model: Any = None
    try:
        model = rt.chat_model
    except CoachError:
        model = None
    return start_practice(
        persona, scenario, difficulty, embedder=rt.embedder, model=model, retriever=rt.retriever, seed=seed
    )


def _read_script(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read the script {path}: {exc.strerror}.", hint="Check the path.") from exc
    turns = [line.strip() for line in lines if line.strip()]
    if not turns:
        raise InputError(f"The script {path} has no turns.", hint="Write one turn per line.")
    return turns


def _interactive(session: PracticeSession) -> None:
    p = session.persona
    out.print(f"[bold]{p.name}[/], {p.title} ({session.difficulty}). Type your turn; 'done' or an empty line ends.\n")
    out.print(f"[bold]{p.name.split()[0]}:[/] {session.opening()}", highlight=False)
    while True:
        try:
            text = input("\nYou: ")
        except EOFError:
            out.print()
            break
        if not text.strip() or text.strip().lower() in END_WORDS:
            break
        out.print(f"[bold]{p.name.split()[0]}:[/] ", end="")
        for piece in session.stream_reply(text):
            out.print(piece, end="", markup=False, highlight=False)
            sys.stdout.flush()
        out.print()
        _scorecard(session.turns[-1])
    if session.turns:
        _show_debrief(session.debrief())


def _scorecard(turn: PracticeTurn) -> None:
    marks = " ".join(f"{name[:3]} {c.score}/2" for name, c in turn.score.criteria.items())
    console.print(f"[dim]  {turn.reaction} | {turn.score.overall}/100 {turn.score.level} | {marks}[/]")


def _show_turn(turn: PracticeTurn) -> None:
    out.print(f"\n[bold]You:[/] {turn.user}", highlight=False)
    out.print(f"[bold]Reply:[/] {turn.reply}", highlight=False)
    _scorecard(turn)


def _show_debrief(debrief: Debrief) -> None:
    from rich.markup import escape

    out.print("\n[bold]Debrief[/]")
    out.print(escape(debrief.summary))
    for t in debrief.turns:
        out.print(f"  Turn {t.turn}: {t.overall}/100 ({t.level}), reaction {t.reaction}")
        for criterion, quote in t.quotes.items():
            out.print(f'    {criterion}: "{escape(quote)}"', highlight=False)
    if debrief.improved:
        out.print(f"[bold]Improved:[/] {', '.join(debrief.improved)}")
    out.print(f"[bold]Try next time:[/] {escape(debrief.try_next)}")
    for c in debrief.citations:
        out.print(f"  [dim]{escape(c.title)} ({escape(c.source)}): {escape(c.quote)}[/]", highlight=False)
