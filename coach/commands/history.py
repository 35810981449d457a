"""``coach history`` and ``coach export``: one person's own practice and saved items, as that account.

Both need ``--as EMAIL`` and read only what that account owns, through the same checks
as the app; an export is recorded in the audit trail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import app, out, print_json, runtime
from coach.commands.users import operator

AS_HELP = "The account whose own items to read (required)."


@app.command()
def history(
    ctx: typer.Context,
    as_email: Annotated[str, typer.Option("--as", help=AS_HELP)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Your rehearsals: date, persona, overall score and per-criterion marks."""
    from coach.storage import open_database
    from coach.storage import repositories as repo

    db = open_database(runtime(ctx).settings)
    attempts = repo.list_attempts(db, operator(db, as_email))
    if as_json:
        print_json([a.model_dump(mode="json", exclude={"turns"}) for a in attempts])
        return
    for a in attempts:
        marks = " ".join(f"{k[:3]} {v:.1f}" for k, v in a.scores.items())
        out.print(f"{a.created_at:%Y-%m-%d %H:%M}  {a.persona:14} {a.overall or 0:5.1f}  {marks}")
    out.print(f"{len(attempts)} rehearsal(s)")


@app.command()
def export(
    ctx: typer.Context,
    as_email: Annotated[str, typer.Option("--as", help=AS_HELP)],
    out_file: Annotated[Optional[Path], typer.Option("--out", help="Write JSON here (default: stdout).")] = None,
) -> None:
    """Everything the account owns (rehearsals with transcripts, reflections, questions) as JSON."""
    from coach.accounts import audit
    from coach.storage import open_database
    from coach.storage import repositories as repo

    db = open_database(runtime(ctx).settings)
    actor = operator(db, as_email)
    data = {
        "account": {"email": actor.email, "display_name": actor.display_name, "role": actor.role.value},
        "rehearsals": [a.model_dump(mode="json") for a in repo.list_attempts(db, actor)],
        "reflections": [r.model_dump(mode="json") for r in repo.list_reflections(db, actor)],
        "saved_questions": [q.model_dump(mode="json") for q in repo.list_questions(db, actor)],
    }
    audit.record(db, "export", actor=actor, target="own data", client="cli")
    if out_file is None:
        print_json(data)
    else:
        out_file.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out_file.chmod(0o600)
        out.print(f"Wrote {out_file}")
