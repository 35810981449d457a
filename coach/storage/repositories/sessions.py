"""A pair's sessions: agendas, notes, held or planned, action items, and what carries over."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coach.actors import Actor
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import ActionItem, MentoringSession, utcnow
from coach.storage.repositories.inputs import clean_text, retry_on_conflict
from coach.storage.repositories.pairs import pair_row
from coach.storage.views import ActionItemView, CarryOver, SessionStatus, SessionView


def _session_row(db: Database, session: Session, actor: Actor, pair_id: int, number: int) -> MentoringSession:
    pair_row(db, session, actor, pair_id, "change a pair's sessions")
    if number < 1:
        raise InputError("Session numbers start at 1.", hint="Pick session 1 or later.")
    row = session.scalar(
        select(MentoringSession).where(MentoringSession.pair_id == pair_id, MentoringSession.number == number)
    )
    if row is None:
        row = MentoringSession(pair_id=pair_id, number=number, status="planned", notes="")
        session.add(row)
        session.flush()
    return row


def save_agenda(db: Database, actor: Actor, pair_id: int, number: int, agenda: Mapping[str, Any]) -> int:
    """Store the agenda of session ``number`` (creating the session); returns its id."""

    def work(session: Session) -> int:
        row = _session_row(db, session, actor, pair_id, number)
        row.agenda = dict(agenda)
        row.updated_at = utcnow()
        return row.id

    return retry_on_conflict(db, work)


def save_notes(db: Database, actor: Actor, pair_id: int, number: int, notes: str, held: bool | None = None) -> int:
    """Store a session's notes (and optionally whether it was held); returns its id."""
    clean = clean_text(notes, "notes")

    def work(session: Session) -> int:
        row = _session_row(db, session, actor, pair_id, number)
        row.notes = clean
        if held is not None:
            row.status = "held" if held else "planned"
        row.updated_at = utcnow()
        return row.id

    return retry_on_conflict(db, work)


def set_session_status(db: Database, actor: Actor, pair_id: int, number: int, status: SessionStatus) -> None:
    """Mark a session planned or held."""

    def work(session: Session) -> None:
        row = _session_row(db, session, actor, pair_id, number)
        row.status = status
        row.updated_at = utcnow()

    retry_on_conflict(db, work)


def add_action_items(db: Database, actor: Actor, pair_id: int, number: int, texts: Iterable[str]) -> list[int]:
    """Add action items to a session; items already open there are not duplicated."""
    wanted = [t for t in (" ".join(x.split()) for x in texts) if t]

    def work(session: Session) -> list[int]:
        row = _session_row(db, session, actor, pair_id, number)
        # Lock the session row (PostgreSQL; SQLite writers are already serialised), so two
        # tabs adding the same item at once cannot both miss the other's insert.
        session.execute(select(MentoringSession.id).where(MentoringSession.id == row.id).with_for_update())
        existing = set(session.scalars(select(ActionItem.text).where(ActionItem.session_id == row.id)))
        ids = []
        for text in wanted:
            if text in existing:
                continue
            existing.add(text)
            item = ActionItem(session_id=row.id, text=clean_text(text, "action item"), done=False)
            session.add(item)
            session.flush()
            ids.append(item.id)
        return ids

    return retry_on_conflict(db, work)


def set_action_done(db: Database, actor: Actor, item_id: int, done: bool = True) -> None:
    """Mark one action item of the actor's pair done (or open again)."""
    with db.write() as session:
        item = session.get(ActionItem, item_id)
        meeting = session.get(MentoringSession, item.session_id) if item is not None else None
        if item is None or meeting is None:
            raise InputError(f"No action item {item_id}.", hint="Reload the page.")
        pair_row(db, session, actor, meeting.pair_id, "change an action item")
        item.done = done


def list_sessions(db: Database, actor: Actor, pair_id: int) -> list[SessionView]:
    """A pair's sessions with their notes and action items, by number (the pair and staff only)."""
    with db.read() as session:
        pair_row(db, session, actor, pair_id, "read a pair's sessions")
        rows = list(
            session.scalars(
                select(MentoringSession).where(MentoringSession.pair_id == pair_id).order_by(MentoringSession.number)
            )
        )
        numbers = {r.id: r.number for r in rows}
        items: dict[int, list[ActionItemView]] = defaultdict(list)
        if rows:
            query = select(ActionItem).where(ActionItem.session_id.in_(numbers)).order_by(ActionItem.id)
            for item in session.scalars(query):
                items[item.session_id].append(
                    ActionItemView(id=item.id, session_number=numbers[item.session_id], text=item.text, done=item.done)
                )
        return [
            SessionView(
                id=r.id,
                pair_id=r.pair_id,
                number=r.number,
                status=r.status,  # type: ignore[arg-type]
                agenda=r.agenda,
                notes=r.notes,
                action_items=items[r.id],
            )
            for r in rows
        ]


def carry_over(db: Database, actor: Actor, pair_id: int, before_number: int) -> CarryOver:
    """The latest notes before session ``before_number`` and every open action item so far."""
    earlier = [s for s in list_sessions(db, actor, pair_id) if s.number < before_number]
    with_notes = [s for s in earlier if s.notes]
    latest = with_notes[-1] if with_notes else None
    open_actions = [i.text for s in earlier for i in s.action_items if not i.done]
    return CarryOver(
        previous_number=latest.number if latest else None,
        notes=latest.notes if latest else "",
        open_actions=list(dict.fromkeys(open_actions)),
    )
