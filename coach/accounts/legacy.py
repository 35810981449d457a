"""Rows saved before accounts existed: filed under a display name, handed to an account on claim.

The migration keeps those rows with their name and no owner, so nobody can read them.
``coach users claim NAME --email E`` gives every such row filed under NAME to that
account; nothing is lost and nothing is shown to the wrong person.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from coach.accounts import audit
from coach.accounts.directory import find_account
from coach.actors import Actor, Role
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import PracticeAttempt, ReflectionEntry, SavedQuestion

LEGACY_TABLES: dict[str, type[PracticeAttempt] | type[ReflectionEntry] | type[SavedQuestion]] = {
    "rehearsals": PracticeAttempt,
    "reflections": ReflectionEntry,
    "saved questions": SavedQuestion,
}


def unclaimed_names(db: Database, actor: Actor) -> dict[str, int]:
    """Display names that still own rows without an account, with how many rows each; administrators."""
    audit.check_role(db, actor, Role.ADMINISTRATOR, action="list unclaimed items")
    counts: dict[str, int] = {}
    with db.read() as session:
        for model in LEGACY_TABLES.values():
            query = (
                select(model.legacy_owner, func.count()).where(model.owner_id.is_(None)).group_by(model.legacy_owner)
            )
            for name, n in session.execute(query):
                counts[name] = counts.get(name, 0) + int(n)
    return dict(sorted(counts.items()))


def claim(db: Database, actor: Actor, name: str, email: str) -> dict[str, int]:
    """Give every ownerless row filed under ``name`` to the account with ``email``; administrators.

    Raises:
        InputError: no such account.
    """
    audit.check_role(db, actor, Role.ADMINISTRATOR, action="hand unclaimed items to an account")
    wanted = " ".join(name.split())
    moved: dict[str, int] = {}
    with db.write() as session:
        account = find_account(session, email)
        if account is None:
            raise InputError(f"No account for {email}.", hint="Invite the person first, then claim.")
        for what, model in LEGACY_TABLES.items():
            result = session.execute(
                update(model).where(model.owner_id.is_(None), model.legacy_owner == wanted).values(owner_id=account.id)
            )
            moved[what] = int(getattr(result, "rowcount", 0) or 0)
    audit.record(db, "items claimed", actor=actor, target=email, detail=f"{wanted}: {moved}")
    return moved
