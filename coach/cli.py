"""Entry point of the ``coach`` command: registers command modules and translates errors."""

from __future__ import annotations

import sys

# Importing a command module registers its commands on ``app``.
from coach.commands import agenda as _agenda  # noqa: F401
from coach.commands import app, console
from coach.commands import ask as _ask  # noqa: F401
from coach.commands import chat as _chat  # noqa: F401
from coach.commands import doctor as _doctor  # noqa: F401
from coach.commands import evaluate as _evaluate  # noqa: F401
from coach.commands import feedback as _feedback  # noqa: F401
from coach.commands import history as _history  # noqa: F401
from coach.commands import knowledge as _knowledge  # noqa: F401
from coach.commands import match as _match  # noqa: F401
from coach.commands import nudges as _nudges  # noqa: F401
from coach.commands import practice as _practice  # noqa: F401
from coach.commands import questions as _questions  # noqa: F401
from coach.commands import stereotypes as _stereotypes  # noqa: F401
from coach.commands import users as _users  # noqa: F401
from coach.config import Settings, apply_offline_environment, get_settings
from coach.errors import CoachError, InputError


def main() -> None:
    """Run the CLI; a ``CoachError`` becomes a one-line message and a non-zero exit."""
    apply_offline_environment()
    try:
        app()
    except CoachError as exc:
        console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2 if isinstance(exc, InputError) else 1)
    except KeyboardInterrupt:
        console.print("Interrupted.")
        sys.exit(130)
    except Exception as exc:
        from coach.failures import server_failure

        failure = server_failure(exc, _settings())
        if failure is None:
            raise
        console.print(f"[bold red]Error:[/] {failure}", highlight=False, soft_wrap=True)
        sys.exit(1)


def _settings() -> Settings | None:
    try:
        return get_settings()
    except Exception:  # settings that cannot even be read must not hide the first error
        return None


if __name__ == "__main__":
    main()
