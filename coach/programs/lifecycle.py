"""A published pair's life: what participants see, session status, ending or re-matching, calendars, history.

Participants see only published (and later ended) pairs they are part of; proposals are
never returned to them. Ending a pair keeps it, its sessions and its history; a re-match
also forbids the same two people from being proposed together again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select

from coach.actors import Actor
from coach.errors import InputError, PermissionDenied
from coach.programs.calendar import DEFAULT_APP_URL, Attendee, CalendarSession, sessions_ics
from coach.programs.matching_store import match_views
from coach.programs.models import Match, MatchRule, Participant, Program, ProgramEvent, ScheduledSession
from coach.programs.profiles import Profile
from coach.programs.repository import log, staff
from coach.programs.views import EventView, MatchView, SessionState
from coach.storage import repositories as repo
from coach.storage.db import Database
from coach.storage.models import utcnow

VISIBLE = ("published", "ended")
MAX_REASON_CHARS = 1000


def my_matches(db: Database, actor: Actor) -> list[MatchView]:
    """The actor's own published or ended pairs, in any program. Nothing before publishing."""
    email = actor.email.lower()
    with db.read() as session:
        rows = list(
            session.scalars(
                select(Match)
                .where(Match.state.in_(VISIBLE), or_(Match.mentor_email == email, Match.mentee_email == email))
                .order_by(Match.id)
            )
        )
        return match_views(session, rows)


def _visible_match(db: Database, actor: Actor, match_id: int) -> Match:
    with db.read() as session:
        row = session.get(Match, match_id)
    if row is None or (
        not actor.is_staff
        and (row.state not in VISIBLE or actor.email.lower() not in (row.mentor_email, row.mentee_email))
    ):
        raise InputError(f"No pair with id {match_id}.", hint="Pick one of your pairs.")
    return row


def _reason(reason: str) -> str:
    clean = " ".join(reason.split())
    if not clean:
        raise InputError("Give a reason.", hint="Say in a few words why, for the program's history.")
    return clean[:MAX_REASON_CHARS]


def end_match(db: Database, actor: Actor, match_id: int, reason: str, rematch: bool = False) -> MatchView:
    """End a published pair with a reason; with ``rematch`` its two people return to the pool, never to be re-paired.

    Raises:
        InputError: no such published pair, or an empty reason.
    """
    staff(actor, "end a pair")
    why = _reason(reason)
    with db.write() as session:
        row = session.get(Match, match_id)
        if row is None or row.state != "published":
            raise InputError(f"Pair {match_id} is not a published pair.", hint="Only published pairs can be ended.")
        row.state, row.end_reason, row.ended_at = "ended", why, utcnow()
        if rematch:
            exists = session.scalar(
                select(MatchRule.id).where(
                    MatchRule.program_id == row.program_id,
                    MatchRule.kind == "forbid",
                    MatchRule.first == row.mentor_email,
                    MatchRule.second == row.mentee_email,
                )
            )
            if exists is None:
                session.add(
                    MatchRule(program_id=row.program_id, kind="forbid", first=row.mentor_email, second=row.mentee_email)
                )
        log(session, row.program_id, "rematch" if rematch else "ended", why, actor, row.id)
        session.flush()
        return match_views(session, [row])[0]


def set_session_status(
    db: Database,
    actor: Actor,
    match_id: int,
    number: int,
    status: SessionState,
    reason: str = "",
    starts_at: datetime | None = None,
) -> MatchView:
    """Mark a session planned, held, missed or rescheduled (a new start is required for rescheduled).

    Raises:
        InputError: unknown pair or session, an unknown status, or a reschedule without a new time.
    """
    row = _visible_match(db, actor, match_id)
    if status not in ("planned", "held", "missed", "rescheduled"):
        raise InputError(f"Unknown session status '{status}'.", hint="Use planned, held, missed or rescheduled.")
    if status == "rescheduled" and (starts_at is None or starts_at.tzinfo is None):
        raise InputError("A rescheduled session needs its new start, with a time zone.", hint="Pick the new time.")
    with db.write() as session:
        planned = session.scalar(
            select(ScheduledSession).where(ScheduledSession.match_id == match_id, ScheduledSession.number == number)
        )
        if planned is None:
            raise InputError(f"Pair {match_id} has no session {number}.", hint="Pick a session from its schedule.")
        planned.status, planned.reason, planned.updated_at = status, " ".join(reason.split()), utcnow()
        if starts_at is not None:
            planned.starts_at = starts_at.astimezone(UTC)
        log(
            session,
            row.program_id,
            f"session {status}",
            f"session {number}: {planned.reason}".rstrip(": "),
            actor,
            match_id,
        )
        session.flush()
        view = match_views(session, [session.get(Match, match_id)])[0]  # type: ignore[list-item]
    if row.pair_id is not None and status in ("planned", "held"):
        repo.set_session_status(db, actor, row.pair_id, number, status)  # the dashboard counts held sessions there
    return view


def pair_calendar(db: Database, actor: Actor, match_id: int, email: str, app_url: str = DEFAULT_APP_URL) -> bytes:
    """The ``.ics`` of one person of a pair: their own, or anyone's for staff.

    Raises:
        PermissionDenied: a participant asking for someone else's calendar.
        InputError: the pair is not visible, or ``email`` is not one of its two people.
    """
    row = _visible_match(db, actor, match_id)
    email = email.lower()
    if row.pair_id is None:
        raise InputError(f"Pair {match_id} is not published yet.", hint="Publish the program's pairs first.")
    if email not in (row.mentor_email, row.mentee_email):
        raise InputError(f"{email} is not in pair {match_id}.", hint="Pick the mentor's or the mentee's email.")
    if not actor.is_staff and email != actor.email.lower():
        raise PermissionDenied("You can only download your own calendar.")
    with db.read() as session:
        program = session.get(Program, row.program_id)
        people = {
            p.email: Profile.model_validate(p.profile)
            for p in session.scalars(
                select(Participant).where(
                    Participant.program_id == row.program_id,
                    Participant.email.in_([row.mentor_email, row.mentee_email]),
                )
            )
        }
        sessions = [
            CalendarSession(s.number, s.starts_at, s.minutes, s.status)
            for s in session.scalars(
                select(ScheduledSession).where(ScheduledSession.match_id == match_id).order_by(ScheduledSession.number)
            )
        ]
    other = row.mentee_email if email == row.mentor_email else row.mentor_email
    owner_p, other_p = people[email], people[other]
    name = program.name if program is not None else "Reverse mentoring"
    return sessions_ics(
        Attendee(owner_p.email, owner_p.name, owner_p.timezone),
        Attendee(other_p.email, other_p.name, other_p.timezone),
        name,
        row.pair_id,
        sessions,
        len(sessions),
        app_url,
    )


def history(db: Database, actor: Actor, program_id: int) -> list[EventView]:
    """Everything that happened in a program, oldest first."""
    staff(actor, "see a program's history")
    with db.read() as session:
        rows = session.scalars(
            select(ProgramEvent).where(ProgramEvent.program_id == program_id).order_by(ProgramEvent.id)
        )
        return [EventView(kind=r.kind, detail=r.detail, actor=r.actor, at=r.at, match_id=r.match_id) for r in rows]
