"""The agenda's calendar event: the chosen start and zone, a plain description, the Markdown attached."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from coach.flows.agenda.builder import agenda_to_ics, agenda_to_markdown, build_agenda
from coach.flows.agenda.export import agenda_to_text
from tests.test_agenda import request
from tests.test_agenda_support import FakeRetriever


def test_ics_keeps_the_chosen_zone_has_a_plain_description_and_attaches_the_markdown() -> None:
    from icalendar import Calendar

    agenda = build_agenda(request(duration_minutes=60), FakeRetriever())
    start = datetime(2030, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    event = next(iter(Calendar.from_ical(agenda_to_ics(agenda, start)).walk("VEVENT")))
    assert event.decoded("dtstart") == datetime(2030, 7, 1, 7, 30, tzinfo=UTC)
    description = str(event.get("description"))
    assert "|" not in description and "**" not in description and "#" not in description
    assert agenda.items[0].title in description and "0:00-" in description
    attachment = event.get("attach")
    assert attachment.params["FMTTYPE"] == "text/markdown" and attachment.params["X-FILENAME"] == "agenda.md"
    assert event.decoded("attach").decode("utf-8") == agenda_to_markdown(agenda)


def test_plain_text_agenda_lists_every_item_with_its_clock_time() -> None:
    agenda = build_agenda(request(duration_minutes=45), FakeRetriever())
    text = agenda_to_text(agenda)
    clock = 0
    for n, item in enumerate(agenda.items, 1):
        assert f"{n}. {clock // 60}:{clock % 60:02d}-" in text
        clock += item.minutes
    assert text.splitlines()[0] == agenda.title
