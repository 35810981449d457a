"""One ``.ics`` calendar per person of a pair: every scheduled session, both attendees, the agenda link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from coach.links import DEFAULT_APP_URL, agenda_link

PRODID = "-//Reverse Mentoring Coach//Program sessions//EN"


@dataclass(frozen=True)
class Attendee:
    """Someone invited to the sessions."""

    email: str
    name: str
    timezone: str


@dataclass(frozen=True)
class CalendarSession:
    """A session as the calendar shows it."""

    number: int
    starts_at: datetime | None
    minutes: int
    status: str


def sessions_ics(
    owner: Attendee,
    other: Attendee,
    program: str,
    pair_id: int,
    sessions: Sequence[CalendarSession],
    total: int,
    app_url: str = DEFAULT_APP_URL,
) -> bytes:
    """``owner``'s calendar of the pair's sessions (unscheduled ones are left out).

    Times are written in UTC; each description also gives the start in the owner's own zone.
    """
    from icalendar import Calendar, Event, vCalAddress, vText

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{program}: sessions with {other.name}")
    local = ZoneInfo(owner.timezone)
    for session in sessions:
        if session.starts_at is None:
            continue
        start = session.starts_at.astimezone(UTC)
        link = agenda_link(app_url, pair_id, session.number)
        event = Event()
        event.add("uid", f"pair-{pair_id}-session-{session.number}@reverse-mentoring-coach")
        event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=session.minutes))
        event.add("summary", f"{program}: session {session.number} of {total} with {other.name}")
        event.add(
            "description",
            f"Starts {start.astimezone(local):%a %d %b %H:%M} your time ({owner.timezone}).\nAgenda: {link}",
        )
        event.add("url", link)
        event.add("status", "CONFIRMED")
        for person in (owner, other):
            address = vCalAddress(f"mailto:{person.email}")
            address.params["cn"] = vText(person.name)
            address.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", address, encode=False)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


__all__ = ["DEFAULT_APP_URL", "Attendee", "CalendarSession", "agenda_link", "sessions_ics"]
