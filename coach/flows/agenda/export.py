"""Agenda exports: clean Markdown with minutes and sources, plain text, and an iCalendar event."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from coach.flows.agenda.blocks import load_blocks

if TYPE_CHECKING:
    from coach.flows.agenda.schema import Agenda

PRODID = "-//Reverse Mentoring Coach//Session agenda//EN"
LOCATIONS = {"video": "Video call", "in person": "In person"}
ATTACHMENT_NAME = "agenda.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def agenda_to_markdown(agenda: Agenda) -> str:
    """The agenda as Markdown: objectives, a timed table, item details, preparation, sources.

    Citations are numbered in the order of the sources section, e.g. ``[1]``.
    """
    numbers = {c.id: n for n, c in enumerate(agenda.citations, 1)}
    label = load_blocks().stages[agenda.stage].label
    lines = [f"# {agenda.title}", "", f"**{agenda.duration_minutes} minutes** · {agenda.format} · {label}", ""]
    lines += ["## Objectives", "", *[f"- {o}" for o in agenda.objectives], ""]
    lines += ["## Agenda", "", "| Time | Minutes | Item | Owner |", "| --- | ---: | --- | --- |"]
    clock = 0
    for item in agenda.items:
        lines.append(
            f"| {_clock(clock)}–{_clock(clock + item.minutes)} | {item.minutes} | {_cell(item.title)} | {item.owner} |"
        )
        clock += item.minutes
    lines += ["", f"Total: {sum(i.minutes for i in agenda.items)} minutes", ""]
    for n, item in enumerate(agenda.items, 1):
        refs = " ".join(f"[{numbers[c]}]" for c in item.citations if c in numbers)
        lines += [f"### {n}. {item.title} ({item.minutes} min, {item.owner})", ""]
        lines += [f"*{item.purpose}*", "", item.details + (f" {refs}" if refs else ""), ""]
    lines += ["## Preparation", ""]
    for who, tasks in (("Mentor", agenda.preparation.mentor), ("Mentee", agenda.preparation.mentee)):
        lines += [f"**{who}**", "", *([f"- {t}" for t in tasks] or ["- Nothing extra."]), ""]
    lines += ["## Follow-up", "", *[f"- {f}" for f in agenda.follow_up], ""]
    if agenda.citations:
        lines += ["## Sources", ""]
        for n, citation in enumerate(agenda.citations, 1):
            lines.append(f"{n}. **{citation.title}** ({citation.source}): “{citation.quote}”")
        lines.append("")
    return "\n".join(lines)


def next_hour(now: datetime | None = None) -> datetime:
    """The next full hour after ``now`` (default: the current local time), timezone-aware."""
    now = (now or datetime.now()).astimezone()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def agenda_to_text(agenda: Agenda) -> str:
    """The agenda as plain text for a calendar description: no Markdown, no tables."""
    label = load_blocks().stages[agenda.stage].label
    lines = [agenda.title, f"{agenda.duration_minutes} minutes, {agenda.format}, {label}", "", "Objectives"]
    lines += [f"- {o}" for o in agenda.objectives]
    lines += ["", "Agenda"]
    clock = 0
    for n, item in enumerate(agenda.items, 1):
        span = f"{_clock(clock)}-{_clock(clock + item.minutes)}"
        lines.append(f"{n}. {span} {' '.join(item.title.split())} ({item.minutes} min, {item.owner})")
        clock += item.minutes
    lines += ["", "Preparation"]
    lines += [f"- Mentor: {t}" for t in agenda.preparation.mentor] + [
        f"- Mentee: {t}" for t in agenda.preparation.mentee
    ]
    if agenda.follow_up:
        lines += ["", "Follow-up", *[f"- {f}" for f in agenda.follow_up]]
    lines += ["", "The full agenda with details and sources is attached as agenda.md."]
    return "\n".join(lines)


def agenda_to_ics(agenda: Agenda, start: datetime | None = None) -> bytes:
    """One VEVENT for the session: start (default: next full hour), end from the duration.

    A naive ``start`` is read as local time; an aware one keeps its time zone and is
    written in UTC. SUMMARY is the title, DESCRIPTION the plain-text agenda, and the
    Markdown agenda is attached inline (ATTACH, base64, ``text/markdown``).
    """
    from icalendar import Calendar, Event, vBinary

    begin = (start.astimezone() if start is not None else next_hour()).astimezone(UTC)
    end = begin + timedelta(minutes=agenda.duration_minutes)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    event = Event()
    digest = hashlib.sha256(f"{agenda.title}|{begin.isoformat()}".encode()).hexdigest()[:24]
    event.add("uid", f"{digest}@reverse-mentoring-coach")
    event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    event.add("dtstart", begin)
    event.add("dtend", end)
    event.add("summary", agenda.title)
    event.add("description", agenda_to_text(agenda))
    event.add("location", LOCATIONS[agenda.format])
    markdown = agenda_to_markdown(agenda).encode("utf-8")
    event.add("attach", vBinary(markdown), parameters={"FMTTYPE": "text/markdown", "X-FILENAME": ATTACHMENT_NAME})
    calendar.add_component(event)
    return bytes(calendar.to_ical())
