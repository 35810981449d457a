"""A session's calendar file (``icalendar``), attached to reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText


def session_calendar(
    *, uid: str, starts_at: datetime, minutes: int, people: tuple[str, ...], title: str, description: str, url: str
) -> str:
    """One VEVENT with both people as attendees; times are written in UTC."""
    calendar = Calendar()
    calendar.add("prodid", "-//Reverse Mentoring Coach//session//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", starts_at)
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + timedelta(minutes=minutes))
    event.add("summary", title)
    event.add("description", description)
    event.add("url", url)
    for person in people:
        attendee = vCalAddress(f"mailto:{person}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
