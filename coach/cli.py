"""Entry point of the ``coach`` command: registers command modules and translates errors."""

from __future__ import annotations

import sys

from coach.commands import app, console
from coach.commands import ask as _ask  # noqa: F401
from coach.commands import doctor as _doctor  # noqa: F401

# Importing a command module registers its commands on ``app``.
from coach.commands import knowledge as _knowledge  # noqa: F401
from coach.errors import CoachError, InputError


def main() -> None:
    """Run the CLI; a ``CoachError`` becomes a one-line message and a non-zero exit."""
    try:
        app()
    except CoachError as exc:
        console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        sys.exit(2 if isinstance(exc, InputError) else 1)
    except KeyboardInterrupt:
        console.print("Interrupted.")
        sys.exit(130)


if __name__ == "__main__":
    main()
