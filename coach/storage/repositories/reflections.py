"""Reflections: each one private to the account that wrote it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from coach.accounts import audit
from coach.actors import Actor
from coach.storage.db import Database
from coach.storage.models import ReflectionEntry
from coach.storage.repositories.inputs import clean_text
from coach.storage.views import ReflectionView


def _reflection_view(r: ReflectionEntry) -> ReflectionView:
    return ReflectionView(
        id=r.id,
        owner_id=r.owner_id or 0,
        text=r.text,
        answers=dict(r.answers),
        flags=list(r.flags),
        private=r.private,
        created_at=r.created_at,
    )


def save_reflection(
    db: Database,
    actor: Actor,
    text: str,
    answers: Mapping[str, str],
    flags: list[dict[str, Any]],
    private: bool = True,
) -> int:
    """Save a reflection owned by the actor; returns its id."""
    audit.signed_in(db, actor, "save a reflection")
    row = ReflectionEntry(
        owner_id=actor.account_id,
        legacy_owner="",
        text=clean_text(text, "reflection text", required=True),
        answers={k: clean_text(v, "answer") for k, v in answers.items()},
        flags=flags,
        private=private,
    )
    with db.write() as session:
        session.add(row)
        session.flush()
        return row.id


def list_reflections(db: Database, actor: Actor) -> list[ReflectionView]:
    """The actor's own reflections, newest first."""
    audit.signed_in(db, actor, "list reflections")
    with db.read() as session:
        rows = session.scalars(
            select(ReflectionEntry)
            .where(ReflectionEntry.owner_id == actor.account_id)
            .order_by(ReflectionEntry.id.desc())
        )
        return [_reflection_view(r) for r in rows]


def get_reflection(db: Database, actor: Actor, reflection_id: int) -> ReflectionView:
    """One reflection, for its owner only.

    Raises:
        PermissionDenied: anyone else, and for ids that do not exist.
    """
    audit.signed_in(db, actor, "read a reflection")
    with db.read() as session:
        row = session.get(ReflectionEntry, reflection_id)
    if row is None or row.owner_id != actor.account_id:
        audit.deny(
            db, actor, "read a reflection", f"reflection {reflection_id}", "That reflection is private to its author."
        )
    return _reflection_view(row)
