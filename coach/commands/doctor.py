"""``coach doctor``: the resolved settings and a health check of every component."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.commands import app, out, print_json


@app.command()
def doctor(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the resolved settings and check each component, saying how to fix problems."""
    from coach.config import get_settings
    from coach.diagnostics import resolved_settings, run_checks
    from coach.runtime import Runtime

    # Not the runtime itself: a broken data file must be reported here, not stop the command.
    given = ctx.find_root().obj
    settings = given.settings if isinstance(given, Runtime) else get_settings()
    checks = run_checks(settings)
    if as_json:
        print_json({"settings": resolved_settings(settings), "checks": [c.__dict__ for c in checks]})
    else:
        out.print("[bold]Settings[/]")
        for key, value in resolved_settings(settings).items():
            out.print(f"  {key:24} {value}")
        out.print("\n[bold]Checks[/]")
        for check in checks:
            mark = "[green]ok  [/]" if check.ok else "[red]FAIL[/]"
            out.print(f"  {mark} {check.name:16} {check.detail}")
            if not check.ok and check.fix:
                out.print(f"       fix: {check.fix}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
