"""``coach match``: match a participant CSV into pairs, explained, before anyone is enrolled."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import app, console, out, print_json, runtime
from coach.errors import InputError


@app.command()
def match(
    ctx: typer.Context,
    csv_file: Annotated[Path, typer.Option("--csv", help="Participant CSV (see README: the file contract).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print pairs and unmatched people as JSON.")] = False,
    never: Annotated[
        Optional[list[str]], typer.Option("--never", help="Two emails never to pair, 'a@x.org,b@x.org' (repeatable).")
    ] = None,
    weight: Annotated[
        Optional[list[str]],
        typer.Option("--weight", help="Override a component's weight, e.g. skills=0.6 (repeatable)."),
    ] = None,
) -> None:
    """Pair mentors with mentees: global solve, hard constraints, a score breakdown per pair."""
    from coach.programs import match_cohort
    from coach.programs.csv_import import read_participants

    if not csv_file.is_file():
        raise InputError(f"CSV file not found: {csv_file}.", hint="Pass the participant file with --csv FILE.")
    result = read_participants(csv_file.read_text(encoding="utf-8", errors="replace"))
    for error in result.errors:
        console.print(f"Skipped {error}", markup=False, highlight=False, soft_wrap=True)
    if not result.profiles:
        raise InputError("No usable rows in the participant file.", hint="Fix the rows reported above.")
    overrides = {"weights": dict(_weight(w) for w in weight)} if weight else None
    matching = match_cohort(
        result.profiles, runtime(ctx).embedder, overrides=overrides, never=[_pair(n) for n in never or []]
    )
    if as_json:
        print_json(matching.public())
        return
    for pair in matching.pairs:
        out.print(f"{pair.mentor} → {pair.mentee}  score {pair.score:.3f}", markup=False)
        out.print("   " + "  ".join(f"{k} {v:.2f}" for k, v in pair.components.items()), markup=False)
        for line in pair.why:
            out.print(f"   · {line}", markup=False)
    for person in matching.unmatched:
        out.print(f"unmatched {person.email}: {person.reason}", markup=False)


def _pair(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) != 2:
        raise InputError(f"Cannot read --never '{text}'.", hint="Write two emails separated by a comma.")
    return parts[0], parts[1]


def _weight(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError as exc:
        raise InputError(f"Cannot read --weight '{text}'.", hint="Write NAME=NUMBER, e.g. skills=0.6.") from exc
