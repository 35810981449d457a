"""``coach nudges``: the program's scheduled work, one pass at a time (for cron or a timer)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Optional

import typer

from coach.commands import app, out, print_json
from coach.errors import InputError

nudges = typer.Typer(
    help="Reminders, missing check-ins, quiet pairs and open surveys: record, then send by email.", no_args_is_help=True
)
app.add_typer(nudges, name="nudges")


def _moment(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"Cannot read --now '{text}'.", hint="Use ISO 8601, e.g. 2027-03-01T09:00+00:00.") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@nudges.command("run")
def run(
    now: Annotated[Optional[str], typer.Option("--now", help="Act as if it were this moment (ISO 8601).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the pass's counts as JSON.")] = False,
) -> None:
    """Record every nudge due now and send what is due; safe to run on several servers at once."""
    from coach.config import get_settings
    from coach.operations.program import run_nudges
    from coach.storage import open_database

    settings = get_settings()
    db = open_database(settings)
    try:
        report = run_nudges(db, settings, _moment(now))
    finally:
        db.dispose()
    if as_json:
        print_json(
            {
                "recorded": report.recorded,
                "sent": report.sent,
                "retrying": report.retrying,
                "failed": report.failed,
                "uncertain": report.uncertain,
                "email": bool(settings.smtp_host),
            }
        )
        return
    where = f"email via {settings.smtp_host}" if settings.smtp_host else "the app inbox only (COACH_SMTP_HOST unset)"
    out.print(f"Nudges: {report.line()}; delivery: {where}.", markup=False)
    for key in report.failed:
        out.print(f"Failed for good: {key}", markup=False)
    for key in report.uncertain:
        out.print(f"Interrupted mid-send, not resent: {key} (resend with `coach nudges resend KEY`)", markup=False)


@nudges.command("resend")
def resend(key: Annotated[str, typer.Argument(help="The nudge key printed by `coach nudges run`.")]) -> None:
    """Queue a failed or interrupted nudge again (after checking it did not arrive)."""
    from coach.config import get_settings
    from coach.operations import outbox
    from coach.storage import open_database

    db = open_database(get_settings())
    try:
        if not outbox.resend(db, key, datetime.now(UTC)):
            raise InputError(f"No failed or interrupted nudge with key {key!r}.", hint="Copy the key from the report.")
    finally:
        db.dispose()
    out.print(f"Queued again: {key}. The next `coach nudges run` sends it.", markup=False)
