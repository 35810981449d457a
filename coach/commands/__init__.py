"""The ``coach`` command-line interface: one Typer app, one module per command group."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from coach.runtime import Runtime

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


MAX_INPUT_BYTES = 1_000_000
FILE_HELP = "Read the text from this file instead ('-' as the text reads standard input)."


def read_text(text: str | None, file: Path | None, what: str = "text") -> str:
    """The text a command works on: the argument, standard input for ``-``, or ``--file``.

    Raises:
        InputError: both or neither were given, or the file cannot be read as UTF-8 text.
    """
    from coach.errors import InputError

    if file is not None and text not in (None, ""):
        raise InputError(f"Give the {what} or --file, not both.")
    if file is not None:
        try:
            data = file.read_bytes()[: MAX_INPUT_BYTES + 1]
        except OSError as exc:
            raise InputError(f"Cannot read {file} ({exc.strerror or exc}).", hint="Check the path.") from exc
    elif text == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    elif text is None:
        raise InputError(f"No {what} given.", hint=f"Pass the {what}, '-' to read standard input, or --file PATH.")
    else:
        return text
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"The {what} is over {MAX_INPUT_BYTES:,} bytes.", hint="Split it into smaller parts.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"The {what} is not valid UTF-8 text.", hint="Save it as UTF-8 and try again.") from exc


def runtime(ctx: typer.Context) -> Runtime:
    """The runtime of this command, kept in Typer's context object and built on first use.

    A caller may hand one in (``app(obj=runtime)``, or ``CliRunner().invoke(app, args,
    obj=runtime)`` in tests); otherwise it is built from the environment's settings.
    """
    from coach.runtime import Runtime

    root = ctx.find_root()
    if not isinstance(root.obj, Runtime):
        root.obj = Runtime()
    return root.obj
