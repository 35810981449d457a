"""Checks and clean-up of what callers write, and the retried write transaction.

Shared by every repository module: names and texts are normalised and bounded before
they reach a row, and a write that lost a race on a unique key is run once more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.errors import InputError
from coach.storage.db import Database

MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 20_000
T = TypeVar("T")


def clean_name(value: str, what: str) -> str:
    """``value`` with runs of whitespace collapsed to one space.

    Raises:
        InputError: empty, or longer than ``MAX_NAME_CHARS``.
    """
    value = " ".join(value.split())
    if not value:
        raise InputError(f"The {what} is empty.", hint=f"Enter a {what}.")
    if len(value) > MAX_NAME_CHARS:
        raise InputError(f"The {what} is longer than {MAX_NAME_CHARS} characters.", hint="Shorten it.")
    return value


def clean_text(value: str, what: str, required: bool = False) -> str:
    """``value`` without surrounding whitespace.

    Raises:
        InputError: empty when ``required``, or longer than ``MAX_TEXT_CHARS``.
    """
    value = value.strip()
    if required and not value:
        raise InputError(f"The {what} is empty.", hint=f"Write the {what} first.")
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"The {what} is longer than {MAX_TEXT_CHARS:,} characters.", hint="Shorten it.")
    return value


def retry_on_conflict(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a write transaction, once more if a concurrent insert won a unique key."""
    try:
        with db.write() as session:
            return work(session)
    except IntegrityError:
        with db.write() as session:
            return work(session)
