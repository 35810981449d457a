"""A pair's planned sessions as the agenda page needs them: a link's target and the ``.ics`` defaults.

The agenda link in reminders and calendar files (``coach.links.agenda_link``) names a pair
and, usually, a session. ``open_agenda_link`` checks that the actor may see that pair
(``repositories.get_pair``: the pair's two people, the account that created it, and
program staff) and returns the session to prepare: the one named, or else the pair's next
planned session. ``planned_session`` gives that session's start in the actor's own time
zone when they are one of the two (otherwise in the mentor's), for the calendar export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coach.actors import Actor
from coach.errors import InputError
from coach.programs.models import Match, Participant, ScheduledSession
from coach.programs.profiles import Profile
from coach.storage import repositories as repo
from coach.storage.db import Database
from coach.storage.views import PairView

PLANNED = "planned"


@dataclass(frozen=True)
class PlannedSession:
    """One planned session of a program pair; ``starts_at`` is in ``timezone``."""

    pair_id: int
    number: int
    starts_at: datetime
    timezone: str
    minutes: int


@dataclass(frozen=True)
class AgendaLink:
    """What an agenda link opens: the pair, the session number (None: the page's own choice), its plan."""

    pair: PairView
    number: int | None
    planned: PlannedSession | None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _zone(session: Session, match: Match, actor: Actor) -> str:
    """The actor's own time zone when they are one of the pair, otherwise the mentor's (UTC if unknown)."""
    email = actor.email.lower()
    own = email if email in (match.mentor_email, match.mentee_email) else match.mentor_email
    row = session.scalar(
        select(Participant).where(Participant.program_id == match.program_id, Participant.email == own)
    )
    return Profile.model_validate(row.profile).timezone if row is not None else "UTC"


def planned_session(
    db: Database, actor: Actor, pair_id: int, number: int | None = None, *, now: datetime
) -> PlannedSession | None:
    """Session ``number`` of the pair if it is planned and has a start; without ``number``, the
    pair's next planned session that starts at or after ``now``. None when there is no such session
    (or the pair is not a program pair).

    Raises:
        InputError: no such pair.
        PermissionDenied: a pair the actor may not see.
    """
    repo.get_pair(db, actor, pair_id)
    with db.read() as session:
        match = session.scalar(select(Match).where(Match.pair_id == pair_id).order_by(Match.id.desc()))
        if match is None:
            return None
        query = select(ScheduledSession).where(
            ScheduledSession.match_id == match.id,
            ScheduledSession.status == PLANNED,
            ScheduledSession.starts_at.is_not(None),
        )
        if number is not None:
            query = query.where(ScheduledSession.number == number)
        rows = [
            (r.number, _aware(r.starts_at), r.minutes)  # type: ignore[arg-type]
            for r in session.scalars(query)  # type: ignore[arg-type]
            if number is not None or _aware(r.starts_at) >= now  # type: ignore[arg-type]
        ]  # type: ignore[arg-type]
        zone = _zone(session, match, actor)
    if not rows:
        return None
    found, starts_at, minutes = min(rows, key=lambda row: row[1])
    return PlannedSession(pair_id, found, starts_at.astimezone(ZoneInfo(zone)), zone, minutes)


def _whole_number(text: str, what: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(
            f"The link's {what} '{text[:40]}' is not a {what} number.",
            hint="Open the link from the reminder again, or pick the pair below.",
        )
    return value


def open_agenda_link(
    db: Database, actor: Actor, pair: str | None, session: str | None = None, *, now: datetime
) -> AgendaLink | None:
    """The pair and session an agenda link names, for ``actor``; None when the link names no pair.

    Raises:
        InputError: a malformed pair or session number, no such pair, or a session the pair does not have.
        PermissionDenied: a pair the actor may not see (the refusal is recorded).
    """
    if pair is None or not pair.strip():
        return None
    pair_id = _whole_number(pair, "pair")
    found = repo.get_pair(db, actor, pair_id)
    number = _whole_number(session, "session") if session is not None and session.strip() else None
    if number is not None and number > found.program_sessions:
        raise InputError(
            f"The pair has {found.program_sessions} sessions, not {number}.", hint="Pick the session below."
        )
    planned = planned_session(db, actor, pair_id, number, now=now)
    return AgendaLink(found, number if number is not None else planned.number if planned else None, planned)
