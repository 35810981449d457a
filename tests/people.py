"""Accounts for tests: rows written straight into a migrated database (no password hashing)."""

from __future__ import annotations

from coach.accounts.directory import actor_of
from coach.actors import Actor, Role
from coach.storage import Database
from coach.storage.models import Account


def add_person(db: Database, name: str, role: Role = Role.MENTOR, email: str | None = None) -> Actor:
    """An enabled account with no local password, as an ``Actor``."""
    with db.write() as session:
        row = Account(
            email=email or f"{name.lower().replace(' ', '.')}@example.org",
            display_name=name,
            role=role.value,
            password_hash=None,
            disabled=False,
        )
        session.add(row)
        session.flush()
        return actor_of(row)
