"""Rehearsals (practice attempts): each one private to the account that started it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from coach.accounts import audit
from coach.actors import Actor
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import PracticeAttempt
from coach.storage.views import AttemptView


def _attempt_view(r: PracticeAttempt) -> AttemptView:
    turns = sorted(r.turns, key=lambda t: int(t.get("seq", 0)) if isinstance(t, dict) else 0)
    return AttemptView(
        id=r.id,
        owner_id=r.owner_id or 0,
        persona=r.persona,
        difficulty=r.difficulty,
        turns=list(turns),
        scores={k: float(v) for k, v in r.scores.items()},
        overall=r.overall,
        created_at=r.created_at,
    )


def start_attempt(db: Database, actor: Actor, persona: str, difficulty: str) -> int:
    """Record a new rehearsal owned by the actor; returns its id."""
    audit.signed_in(db, actor, "rehearse")
    row = PracticeAttempt(
        owner_id=actor.account_id,
        legacy_owner="",
        persona=persona,
        difficulty=difficulty,
        turns=[],
        scores={},
        overall=None,
        turn_count=0,
    )
    with db.write() as session:
        session.add(row)
        session.flush()
        return row.id


def record_attempt(
    db: Database,
    actor: Actor,
    attempt_id: int,
    turns: list[dict[str, Any]],
    scores: Mapping[str, float],
    overall: float | None,
) -> None:
    """Store an attempt's turns and scores so far (only its owner writes it).

    Raises:
        PermissionDenied: the attempt does not exist or belongs to someone else.
    """
    audit.signed_in(db, actor, "rehearse")
    with db.write() as session:
        result = session.execute(
            update(PracticeAttempt)
            .where(PracticeAttempt.id == attempt_id, PracticeAttempt.owner_id == actor.account_id)
            .values(turns=list(turns), scores=dict(scores), overall=overall, turn_count=len(turns))
        )
        changed = getattr(result, "rowcount", 1)
    if not changed:
        audit.deny(db, actor, "write a rehearsal", f"attempt {attempt_id}", "That rehearsal is not yours.")


def record_attempt_turn(
    db: Database,
    actor: Actor,
    attempt_id: int,
    seq: int,
    turn: Mapping[str, Any],
    scores: Mapping[str, float],
    overall: float | None,
) -> None:
    """Append turn number ``seq`` (from 1) to the actor's attempt, stored with its sequence number.

    The write only lands when turns 1 to ``seq - 1`` are already saved and turn ``seq`` is
    not, so two saves racing each other can neither swap nor overwrite turns.

    Raises:
        PermissionDenied: the attempt is someone else's (or does not exist).
        InputError: ``seq`` is not the next turn.
    """
    audit.signed_in(db, actor, "write a rehearsal")
    with db.write() as session:
        row = session.get(PracticeAttempt, attempt_id)
        mine = row is not None and row.owner_id == actor.account_id
        if mine and row is not None:
            if row.turn_count != seq - 1:
                raise InputError(
                    f"Turn {seq} does not follow the {row.turn_count} turn(s) already saved.",
                    hint="Reload the page to see the saved rehearsal, then continue.",
                )
            turns = [*row.turns, {**dict(turn), "seq": seq}]
            written = session.execute(
                update(PracticeAttempt)
                .where(PracticeAttempt.id == attempt_id, PracticeAttempt.turn_count == seq - 1)
                .values(turns=turns, scores=dict(scores), overall=overall, turn_count=seq)
            )
            if getattr(written, "rowcount", 1) != 1:  # another tab saved this turn between our read and write
                raise InputError(
                    f"Turn {seq} was saved from another tab a moment ago.",
                    hint="Reload the page to see the saved rehearsal, then continue.",
                )
    if not mine:
        audit.deny(db, actor, "write a rehearsal", f"attempt {attempt_id}", "That rehearsal is not yours.")


def latest_attempt(db: Database, actor: Actor) -> AttemptView | None:
    """The actor's most recently started attempt (with or without turns), or None."""
    audit.signed_in(db, actor, "resume a rehearsal")
    with db.read() as session:
        row = session.scalar(
            select(PracticeAttempt)
            .where(PracticeAttempt.owner_id == actor.account_id)
            .order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())
            .limit(1)
        )
        return None if row is None else _attempt_view(row)


def list_attempts(db: Database, actor: Actor) -> list[AttemptView]:
    """The actor's own attempts with at least one turn, oldest first."""
    audit.signed_in(db, actor, "list rehearsals")
    with db.read() as session:
        rows = session.scalars(
            select(PracticeAttempt)
            .where(PracticeAttempt.owner_id == actor.account_id, PracticeAttempt.turn_count > 0)
            .order_by(PracticeAttempt.created_at, PracticeAttempt.id)
        )
        return [_attempt_view(r) for r in rows]


def get_attempt(db: Database, actor: Actor, attempt_id: int) -> AttemptView:
    """One rehearsal with its transcript, for its owner only.

    Raises:
        PermissionDenied: anyone else, and for ids that do not exist (no hint which).
    """
    audit.signed_in(db, actor, "read a rehearsal")
    with db.read() as session:
        row = session.get(PracticeAttempt, attempt_id)
    if row is None or row.owner_id != actor.account_id:
        audit.deny(db, actor, "read a rehearsal", f"attempt {attempt_id}", "That rehearsal is private to its author.")
    return _attempt_view(row)
