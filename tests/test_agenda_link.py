"""The agenda link of reminders and calendar files: who it opens for, which session, the .ics defaults.

Priya (Europe/London) and Martin (America/New_York) share a published pair whose sessions
fall on Tuesdays at 14:00 London time, 09:00 New York time. Sam is not in the program.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._components import SESSION_KEY
from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied
from coach.links import AGENDA_PAGE, MY_PROGRAM_PAGE, agenda_link
from coach.operations import program as ops
from coach.programs import lifecycle, matching_store
from coach.programs import repository as programs
from coach.programs.calendar import Attendee, CalendarSession, sessions_ics
from coach.programs.planned import open_agenda_link, planned_session
from coach.programs.views import MatchView
from coach.storage import Database, open_database
from tests.people import add_person
from tests.programs_fixtures import WordEmbedder
from tests.test_app_pages import (  # noqa: F401  (fixtures used by name)
    APP,
    TIMEOUT,
    app_data_dir,
    app_env,
    person,
    signed_in_token,
    texts,
)
from tests.test_operations_pages import program  # noqa: F401  (fixture used by name)
from tests.test_operations_program import CSV

START = date(2030, 3, 4)  # a Monday: sessions on Tuesdays 5 Mar, 19 Mar, 2 Apr, ...
APP_URL = "https://coach.example.org/"


def at(day: int) -> datetime:
    """Noon UTC, ``day`` days after the program's start."""
    return datetime(START.year, START.month, START.day, 12, tzinfo=UTC) + timedelta(days=day)


@pytest.fixture
def people(database: Database) -> dict[str, Actor]:
    """Cora publishes Priya and Martin's pair; Sam has an account but is in no program."""
    found = {
        "cora": add_person(database, "Cora", Role.COORDINATOR, email="coord@ex.org"),
        "priya": add_person(database, "Priya", Role.MENTOR, email="priya@ex.org"),
        "martin": add_person(database, "Martin", Role.MENTEE, email="martin@ex.org"),
        "sam": add_person(database, "Sam", Role.MENTOR, email="sam@ex.org"),
    }
    created = programs.create_program(database, found["cora"], "Spring", START, sessions=6, cadence_days=14)
    programs.import_participants(database, found["cora"], created.id, CSV)
    matching_store.propose(database, found["cora"], created.id, WordEmbedder())
    matching_store.publish(database, found["cora"], created.id)
    return found


def utc(moment: datetime | None) -> datetime:
    """A stored start as an aware UTC time (SQLite gives it back without its zone)."""
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def their_match(database: Database, who: Actor) -> MatchView:
    (match,) = lifecycle.my_matches(database, who)
    assert match.pair_id is not None
    return match


# --- the link itself ---------------------------------------------------------------------
def test_the_link_names_the_pages_url_path_and_its_parameters() -> None:
    assert agenda_link(APP_URL, 7, 3) == "https://coach.example.org/agenda?pair=7&session=3"
    assert agenda_link("http://127.0.0.1:8501", 7) == "http://127.0.0.1:8501/agenda?pair=7"


def test_the_app_serves_the_linked_pages_at_the_linked_paths(program: int) -> None:  # noqa: F811
    at_ = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at_.session_state[SESSION_KEY] = signed_in_token(person("Priya", Role.MENTOR))
    at_.run()
    assert not at_.exception, at_.exception
    # What st.navigation registered: each page's script and the URL path it answers on.
    registered = {
        Path(str(info["script_path"])).name: info["url_pathname"]
        for info in at_._registered_pages.values()
        if info.get("script_path")
    }
    assert registered["agenda.py"] == AGENDA_PAGE
    assert registered["my_program.py"] == MY_PROGRAM_PAGE


def test_calendar_files_and_reminders_link_to_the_pair_the_agenda_page_opens(
    database: Database, people: dict[str, Actor]
) -> None:
    match = their_match(database, people["priya"])
    ics = lifecycle.pair_calendar(database, people["priya"], match.id, "priya@ex.org", APP_URL).decode()
    assert f"agenda?pair={match.pair_id}&session=1" in ics.replace("\r\n ", "")
    first = utc(match.sessions[0].starts_at)
    ops.run_nudges(database, Settings(llm_provider="fake", app_url=APP_URL), first - timedelta(hours=3))
    reminder = next(n for n in ops.inbox(database, people["martin"]) if n.kind == "reminder")
    assert agenda_link(APP_URL, match.pair_id, 1) in reminder.body  # type: ignore[arg-type]
    assert agenda_link(APP_URL, match.pair_id, 1) in reminder.calendar.replace("\r\n ", "")  # type: ignore[arg-type]
    # The id in the link is the one the agenda page opens, for either of the two.
    target = open_agenda_link(database, people["martin"], str(match.pair_id), "1", now=first - timedelta(hours=3))
    assert target is not None and target.pair.id == match.pair_id and target.number == 1


def test_an_ics_without_planned_times_still_links_each_session() -> None:
    owner, other = Attendee("a@ex.org", "A", "UTC"), Attendee("b@ex.org", "B", "UTC")
    sessions = [
        CalendarSession(1, datetime(2030, 3, 5, 14, tzinfo=UTC), 60, "planned"),
        CalendarSession(2, None, 60, "planned"),
    ]
    text = sessions_ics(owner, other, "P", 12, sessions, 2, APP_URL).decode().replace("\r\n ", "")
    assert "agenda?pair=12&session=1" in text and "session=2" not in text


# --- who the link opens for, and which session ----------------------------------------------
def test_a_member_gets_the_named_session_at_its_start_in_their_own_time_zone(
    database: Database, people: dict[str, Actor]
) -> None:
    match = their_match(database, people["priya"])
    pid = str(match.pair_id)
    hers = open_agenda_link(database, people["priya"], pid, "3", now=at(0))
    his = open_agenda_link(database, people["martin"], pid, "3", now=at(0))
    assert hers is not None and his is not None and hers.planned is not None and his.planned is not None
    assert hers.number == his.number == 3
    assert hers.planned.starts_at == his.planned.starts_at == utc(match.sessions[2].starts_at)  # one instant
    assert (hers.planned.timezone, his.planned.timezone) == ("Europe/London", "America/New_York")
    assert hers.planned.starts_at.date() == date(2030, 4, 2)
    assert (hers.planned.starts_at.hour, his.planned.starts_at.hour) == (14, 9)  # each one's own local time
    staff = planned_session(database, people["cora"], match.pair_id, 3, now=at(0))  # type: ignore[arg-type]
    assert staff is not None and staff.timezone == "Europe/London"  # staff see the mentor's time


def test_without_a_session_the_link_opens_the_next_planned_one(database: Database, people: dict[str, Actor]) -> None:
    match = their_match(database, people["priya"])
    pid = str(match.pair_id)
    later = open_agenda_link(database, people["martin"], pid, None, now=at(20))  # sessions 1 and 2 are past
    assert later is not None and later.number == 3
    lifecycle.set_session_status(database, people["cora"], match.id, 3, "held")
    assert planned_session(database, people["martin"], match.pair_id, 3, now=at(20)) is None  # type: ignore[arg-type]
    moved_on = open_agenda_link(database, people["martin"], pid, "", now=at(20))
    assert moved_on is not None and moved_on.number == 4 and moved_on.planned is not None
    assert moved_on.planned.starts_at == utc(match.sessions[3].starts_at)
    after_all = open_agenda_link(database, people["martin"], pid, None, now=at(200))
    assert after_all is not None and after_all.number is None and after_all.planned is None
    assert open_agenda_link(database, people["martin"], None, "3", now=at(0)) is None


def test_someone_outside_the_pair_is_refused(database: Database, people: dict[str, Actor]) -> None:
    match = their_match(database, people["priya"])
    with pytest.raises(PermissionDenied, match="private"):
        open_agenda_link(database, people["sam"], str(match.pair_id), "1", now=at(0))
    with pytest.raises(PermissionDenied):
        planned_session(database, people["sam"], match.pair_id, 1, now=at(0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pair", "session", "error"),
    [
        ("abc", "1", "not a pair number"),
        ("-3", None, "not a pair number"),
        ("999", None, "No pair with id 999"),
        (None, None, ""),
        ("{pair}", "x", "not a session number"),
        ("{pair}", "7", "has 6 sessions, not 7"),
    ],
)
def test_a_bad_link_is_refused_with_a_reason(
    database: Database, people: dict[str, Actor], pair: str | None, session: str | None, error: str
) -> None:
    match = their_match(database, people["priya"])
    wanted = pair.format(pair=match.pair_id) if pair is not None else None
    if not error:
        assert open_agenda_link(database, people["priya"], wanted, session, now=at(0)) is None
        return
    with pytest.raises(InputError, match=error):
        open_agenda_link(database, people["priya"], wanted, session, now=at(0))


# --- the agenda page, opened from the link --------------------------------------------------
def _published_pair(name: str, role: Role) -> MatchView:
    db = open_database(Settings())
    try:
        (match,) = lifecycle.my_matches(db, person(name, role))
        return match
    finally:
        db.dispose()


def open_agenda(name: str, role: Role, **params: str) -> AppTest:
    """The app's agenda page as ``name`` sees it when opened at ``/agenda?...``."""
    page = AppTest.from_file(APP, default_timeout=TIMEOUT)
    page.session_state[SESSION_KEY] = signed_in_token(person(name, role))
    page.run()
    page.switch_page("app_pages/agenda.py")
    page.query_params.update(params)
    page.run()
    assert not page.exception, page.exception
    return page


def _pair_box(page: AppTest):  # type: ignore[no-untyped-def]
    return page.selectbox(key="agenda_pair")


def test_the_page_opens_the_linked_pair_and_session_for_a_member_only(program: int) -> None:  # noqa: F811
    match = _published_pair("Martin", Role.MENTEE)
    pid = str(match.pair_id)
    martin = open_agenda("Martin", Role.MENTEE, pair=pid, session="4")
    assert _pair_box(martin).value is not None and _pair_box(martin).value.id == match.pair_id
    assert martin.number_input(key=f"kept_agenda_number_{pid}").value == 4
    assert not martin.error

    sam = open_agenda("Sam", Role.MENTOR, pair=pid, session="4")
    assert _pair_box(sam).value is None  # the normal page: a new pair, nothing of theirs
    assert "private to the pair" in texts(sam) and "pick one of your pairs below" in texts(sam)
    assert f"kept_agenda_number_{pid}" not in [str(n.key) for n in sam.number_input]

    bad = open_agenda("Martin", Role.MENTEE, pair="twelve")
    assert "not a pair number" in texts(bad) and _pair_box(bad).value is None


def test_the_page_without_a_session_opens_the_next_planned_one(program: int) -> None:  # noqa: F811
    match = _published_pair("Priya", Role.MENTOR)
    now = datetime.now(UTC)
    upcoming = [
        s for s in match.sessions if s.status == "planned" and s.starts_at is not None and utc(s.starts_at) >= now
    ]
    priya = open_agenda("Priya", Role.MENTOR, pair=str(match.pair_id))
    assert _pair_box(priya).value.id == match.pair_id
    assert priya.number_input(key=f"kept_agenda_number_{match.pair_id}").value == upcoming[0].number


def test_the_calendar_export_starts_at_the_planned_session(program: int) -> None:  # noqa: F811
    match = _published_pair("Priya", Role.MENTOR)
    session = match.sessions[4]
    priya = open_agenda("Priya", Role.MENTOR, pair=str(match.pair_id), session="5")
    next(b for b in priya.button if b.label == "Build agenda").click().run()
    assert not priya.exception, priya.exception
    local = utc(session.starts_at).astimezone(ZoneInfo("Europe/London"))
    assert priya.date_input(key=f"kept_agenda_ics_date_{match.pair_id}_5").value == local.date()
    assert priya.time_input(key=f"kept_agenda_ics_time_{match.pair_id}_5").value == local.time().replace(tzinfo=None)
    assert priya.selectbox(key=f"kept_agenda_ics_zone_{match.pair_id}_5").value == "Europe/London"
    assert "Session 5 is planned for" in texts(priya)


def test_the_calendar_export_without_a_pair_keeps_tomorrow_at_ten(app_env: Path) -> None:  # noqa: F811
    page = open_agenda("Aisha", Role.MENTOR)
    page.text_input(key="kept_agenda_mentor_name").input("Aisha")
    page.text_input(key="kept_agenda_mentee_name").input("Robert")
    page.checkbox(key="kept_agenda_save_pair").uncheck()
    next(b for b in page.button if b.label == "Build agenda").click().run()
    assert not page.exception, page.exception
    assert page.date_input(key="kept_agenda_ics_date").value == date.today() + timedelta(days=1)
    assert str(page.time_input(key="kept_agenda_ics_time").value) == "10:00:00"
