"""Mentoring pairs: creating them, listing them, and who may use one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coach.accounts import audit
from coach.actors import PROGRAM_STAFF, Actor
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import Pair
from coach.storage.repositories.inputs import clean_name, clean_text
from coach.storage.views import PairView


def _pair_view(row: Pair) -> PairView:
    return PairView(
        id=row.id,
        mentor=row.mentor,
        mentee=row.mentee,
        mentor_profile=row.mentor_profile,
        mentee_profile=row.mentee_profile,
        goals=row.goals,
        program_sessions=row.program_sessions,
    )


def _may_use_pair(session: Session, actor: Actor, row: Pair) -> bool:
    """Staff, the account that created the pair, or one of a published program pair's two people."""
    from coach.programs.models import Match

    if actor.role in PROGRAM_STAFF or (row.created_by is not None and row.created_by == actor.account_id):
        return True
    email = actor.email.lower()
    linked = session.scalar(
        select(Match.id).where(
            Match.pair_id == row.id,
            Match.state.in_(("published", "ended")),
            (Match.mentor_email == email) | (Match.mentee_email == email),
        )
    )
    return linked is not None


def pair_row(db: Database, session: Session, actor: Actor, pair_id: int, action: str) -> Pair:
    """The pair, after checking ``actor`` may use it (refusals are recorded).

    Raises:
        InputError: no such pair.
        PermissionDenied: someone else's pair.
    """
    row = session.get(Pair, pair_id)
    if row is None:
        raise InputError(f"No pair with id {pair_id}.", hint="Pick a pair from the list or create one.")
    if not _may_use_pair(session, actor, row):
        session.rollback()
        audit.deny(
            db, actor, action, f"pair {pair_id}", "That pair's sessions are private to the pair and the program staff."
        )
    return row


def create_pair(
    db: Database,
    actor: Actor,
    mentor: str,
    mentee: str,
    goals: str = "",
    program_sessions: int = 6,
    mentor_profile: str = "",
    mentee_profile: str = "",
) -> PairView:
    """Add a pair, owned by the account that creates it.

    Raises:
        InputError: empty names or a program length outside 1..100.
    """
    audit.signed_in(db, actor, "create a pair")
    if not 1 <= program_sessions <= 100:
        raise InputError("A program has between 1 and 100 sessions.", hint="Pick a number in that range.")
    row = Pair(
        mentor=clean_name(mentor, "mentor's name"),
        mentee=clean_name(mentee, "mentee's name"),
        goals=clean_text(goals, "goals"),
        program_sessions=program_sessions,
        mentor_profile=clean_text(mentor_profile, "mentor profile"),
        mentee_profile=clean_text(mentee_profile, "mentee profile"),
        created_by=actor.account_id,
    )
    with db.write() as session:
        session.add(row)
        session.flush()
        return _pair_view(row)


def list_pairs(db: Database, actor: Actor) -> list[PairView]:
    """The pairs the actor may use (every pair for staff), oldest first."""
    audit.signed_in(db, actor, "list pairs")
    with db.read() as session:
        rows = session.scalars(select(Pair).order_by(Pair.id)).all()
        return [_pair_view(p) for p in rows if _may_use_pair(session, actor, p)]


def get_pair(db: Database, actor: Actor, pair_id: int) -> PairView:
    """One pair the actor may use.

    Raises:
        InputError: no such pair.
        PermissionDenied: someone else's pair.
    """
    with db.read() as session:
        return _pair_view(pair_row(db, session, actor, pair_id, "read a pair"))
