"""The ``coach`` command-line interface: one Typer app, one module per command group."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(
    name="coach",
    help="Reverse Mentoring Coach: grounded guidance, agendas and feedback rehearsal, offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Write JSON to stdout, exactly, for other tools to read."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def runtime() -> Any:
    """The process's lazily built components."""
    from coach.runtime import Runtime

    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = Runtime()
    return _RUNTIME


_RUNTIME: Any = None
