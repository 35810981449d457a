"""Programs in the database: roles, enrolment, rules, proposals, publishing visibility, lifecycle, calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import inspect

from coach.actors import Actor, Role
from coach.errors import InputError, PermissionDenied
from coach.programs import lifecycle, matching_store
from coach.programs import repository as programs
from coach.programs.csv_import import COLUMNS
from coach.programs.models import Base
from coach.programs.schedule import plan_sessions
from coach.storage import Database
from coach.storage import repositories as repo
from tests.programs_fixtures import WordEmbedder, person

COORDINATOR = Actor(1, "coord@ex.org", "Cora", Role.COORDINATOR)
PRIYA = Actor(2, "priya@ex.org", "Priya", Role.MENTOR)
MARTIN = Actor(3, "martin@ex.org", "Martin", Role.MENTEE)
OUTSIDER = Actor(4, "leo@ex.org", "Leo", Role.MENTOR)
CSV = "\n".join(
    [
        ",".join(COLUMNS),
        "priya@ex.org,Priya,mentor,Marketing,,tiktok video;canva,,climbing,,Tue 14-16,Europe/London",
        "leo@ex.org,Leo,mentor,Data,,python scripts,,chess,,Mon 9-11,America/New_York",
        "martin@ex.org,Martin,mentee,Finance,,,tiktok video,climbing,learn tiktok video,Tue 9-11,America/New_York",
        "sam@ex.org,Sam,mentee,Ops,,,python scripts,chess,,Mon 14-16,Europe/London",
        "oops@ex.org,Oops,mentee,,,,,,,Whenever,UTC",
    ]
)


@pytest.fixture
def program(database: Database) -> int:
    created = programs.create_program(
        database,
        COORDINATOR,
        "Spring cohort",
        date(2025, 3, 3),
        sessions=4,
        cadence_days=7,
        session_minutes=60,
        goals="Digital fluency",
        topics=["social media", "AI"],
    )
    result = programs.import_participants(database, COORDINATOR, created.id, CSV)
    assert [str(e) for e in result.errors] == ["line 6 (oops@ex.org): Cannot read availability 'Whenever'."]
    return created.id


def test_migration_creates_every_program_table(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    mine = {t.name for t in Base.metadata.sorted_tables if t.name.startswith("program")}
    assert mine == {
        "programs",
        "program_participants",
        "program_rules",
        "program_matches",
        "program_sessions",
        "program_events",
    }
    assert mine <= tables
    for name in mine:
        columns = {c["name"] for c in inspect(database.engine).get_columns(name)}
        assert columns == set(Base.metadata.tables[name].columns.keys()), name


def test_only_coordinators_create_programs_and_bad_values_are_refused(database: Database) -> None:
    with pytest.raises(PermissionDenied, match="Only a coordinator or administrator"):
        programs.create_program(database, PRIYA, "Mine", date(2025, 1, 1))
    with pytest.raises(InputError, match="between 1 and 100 sessions"):
        programs.create_program(database, COORDINATOR, "Big", date(2025, 1, 1), sessions=0)
    with pytest.raises(InputError, match="ends before it starts"):
        programs.create_program(database, COORDINATOR, "Odd", date(2025, 2, 1), ends_on=date(2025, 1, 1))
    assert programs.list_programs(database, COORDINATOR) == []


def test_import_keeps_good_rows_and_reimport_updates(database: Database, program: int) -> None:
    people = programs.list_participants(database, COORDINATOR, program)
    assert [p.email for p in people] == ["martin@ex.org", "sam@ex.org", "leo@ex.org", "priya@ex.org"]
    programs.import_participants(database, COORDINATOR, program, CSV.replace("Priya,mentor", "Priya K,mentor"))
    names = {p.email: p.profile.name for p in programs.list_participants(database, COORDINATOR, program)}
    assert names["priya@ex.org"] == "Priya K" and len(names) == 4
    with pytest.raises(PermissionDenied):
        programs.list_participants(database, PRIYA, program)


def test_participant_fills_only_their_own_intake_form(database: Database, program: int) -> None:
    mine = person("priya@ex.org", "mentor", skills_offered=["tiktok video"], mode="remote")
    saved = programs.save_profile(database, PRIYA, program, mine)
    assert saved.account_id == PRIYA.account_id and saved.profile.mode == "remote"
    with pytest.raises(PermissionDenied, match="your own intake form"):
        programs.save_profile(database, PRIYA, program, person("leo@ex.org", "mentor"))
    with pytest.raises(PermissionDenied, match="Only a coordinator can change"):
        programs.save_profile(database, PRIYA, program, person("priya@ex.org", "mentee"))
    stranger = Actor(8, "new@ex.org", "New", Role.MENTOR)
    with pytest.raises(PermissionDenied, match="not enrolled"):
        programs.save_profile(database, stranger, program, person("new@ex.org", "mentor"))


def test_nothing_is_visible_to_participants_before_publishing(database: Database, program: int) -> None:
    proposal = matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    assert {(m.mentor, m.mentee) for m in proposal.matches} == {
        ("priya@ex.org", "martin@ex.org"),
        ("leo@ex.org", "sam@ex.org"),
    }
    assert all(m.state == "proposed" and m.why for m in proposal.matches)
    assert lifecycle.my_matches(database, PRIYA) == []
    with pytest.raises(InputError, match="No pair"):
        lifecycle.set_session_status(database, PRIYA, proposal.matches[0].id, 1, "held")
    with pytest.raises(PermissionDenied):
        matching_store.list_matches(database, PRIYA, program)

    published = matching_store.publish(database, COORDINATOR, program)
    assert {m.state for m in published} == {"published"}
    [mine] = lifecycle.my_matches(database, PRIYA)
    assert (mine.mentor, mine.mentee, mine.mentee_name) == ("priya@ex.org", "martin@ex.org", "Martin")
    assert lifecycle.my_matches(database, MARTIN)[0].id == mine.id
    assert [m.mentee for m in lifecycle.my_matches(database, OUTSIDER)] == ["sam@ex.org"]
    pair = repo.get_pair(database, PRIYA, mine.pair_id or 0)
    assert (pair.mentor, pair.mentee, pair.program_sessions) == ("Priya", "Martin", 4)
    assert "learn tiktok video" in pair.goals and "Digital fluency" in pair.goals
    with pytest.raises(InputError, match="no proposed pairs"):
        matching_store.publish(database, COORDINATOR, program)


def test_pin_and_forbid_rules_steer_the_next_solve(database: Database, program: int) -> None:
    programs.add_rule(database, COORDINATOR, program, "pin", "priya@ex.org", "sam@ex.org")
    pinned = matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    assert ("priya@ex.org", "sam@ex.org") in {(m.mentor, m.mentee) for m in pinned.matches}
    assert [m.pinned for m in pinned.matches if m.mentee == "sam@ex.org"] == [True]
    rule = programs.list_rules(database, COORDINATOR, program)[0]
    programs.remove_rule(database, COORDINATOR, rule.id)
    programs.add_rule(database, COORDINATOR, program, "forbid", "priya@ex.org", "martin@ex.org")
    forbidden = matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    assert ("priya@ex.org", "martin@ex.org") not in {(m.mentor, m.mentee) for m in forbidden.matches}
    # Re-solving replaced the proposals instead of adding to them.
    assert len(matching_store.list_matches(database, COORDINATOR, program)) == len(forbidden.matches)
    with pytest.raises(InputError, match="mentor's email then a mentee's"):
        programs.add_rule(database, COORDINATOR, program, "pin", "martin@ex.org", "priya@ex.org")
    with pytest.raises(InputError, match="not enrolled"):
        programs.add_rule(database, COORDINATOR, program, "never", "priya@ex.org", "nobody@ex.org")
    with pytest.raises(PermissionDenied):
        programs.add_rule(database, PRIYA, program, "forbid", "priya@ex.org", "sam@ex.org")


def test_weights_preview_shows_what_changes_without_storing(database: Database, program: int) -> None:
    swapped = CSV.replace("tiktok video,climbing,learn", "tiktok video,chess,learn").replace(
        "python scripts,chess,,Mon 14-16", "python scripts,climbing,,Mon 14-16"
    )
    programs.import_participants(database, COORDINATOR, program, swapped)
    interests_only = {"weights": {"skills": 0, "interests": 1, "goals": 0, "swot": 0, "availability": 0}}
    preview = matching_store.preview_weights(database, COORDINATOR, program, WordEmbedder(), interests_only)
    assert {(c.mentee, c.before, c.after) for c in preview.changes} == {
        ("martin@ex.org", "priya@ex.org", "leo@ex.org"),
        ("sam@ex.org", "leo@ex.org", "priya@ex.org"),
    }
    assert preview.unchanged == 0 and preview.total_after > 0
    assert programs.get_program(database, COORDINATOR, program).weights == {}
    with pytest.raises(InputError, match="Unknown matching setting"):
        programs.set_weights(database, COORDINATOR, program, {"speed": 3})


def test_end_and_rematch_keep_history_and_forbid_the_old_pair(database: Database, program: int) -> None:
    matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    published = {m.mentor: m for m in matching_store.publish(database, COORDINATOR, program)}
    with pytest.raises(InputError, match="Give a reason"):
        lifecycle.end_match(database, COORDINATOR, published["priya@ex.org"].id, "  ")
    ended = lifecycle.end_match(database, COORDINATOR, published["priya@ex.org"].id, "Schedules clash", rematch=True)
    assert (ended.state, ended.end_reason) == ("ended", "Schedules clash")
    assert lifecycle.my_matches(database, PRIYA)[0].state == "ended"  # kept, still visible to them as history
    again = matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    assert ("priya@ex.org", "martin@ex.org") not in {(m.mentor, m.mentee) for m in again.matches}
    assert {u.email for u in again.unmatched} == {"priya@ex.org", "martin@ex.org"}  # Leo and Sam stay paired
    kinds = [e.kind for e in lifecycle.history(database, COORDINATOR, program)]
    assert kinds[:2] == ["created", "imported"] and "rematch" in kinds and kinds.count("published") == 2


def test_session_status_lifecycle(database: Database, program: int) -> None:
    matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    match = next(m for m in matching_store.publish(database, COORDINATOR, program) if m.mentor == "priya@ex.org")
    assert [s.status for s in match.sessions] == ["planned"] * 4
    lifecycle.set_session_status(database, MARTIN, match.id, 1, "held")
    lifecycle.set_session_status(database, PRIYA, match.id, 2, "missed", reason="ill")
    new_time = datetime(2025, 3, 20, 15, 0, tzinfo=UTC)
    view = lifecycle.set_session_status(database, PRIYA, match.id, 3, "rescheduled", "travel", starts_at=new_time)
    assert [(s.status, s.reason) for s in view.sessions] == [
        ("held", ""),
        ("missed", "ill"),
        ("rescheduled", "travel"),
        ("planned", ""),
    ]
    assert view.sessions[2].starts_at is not None and view.sessions[2].starts_at.astimezone(UTC) == new_time
    with pytest.raises(InputError, match="needs its new start"):
        lifecycle.set_session_status(database, PRIYA, match.id, 4, "rescheduled")
    with pytest.raises(InputError, match="No pair"):
        lifecycle.set_session_status(database, OUTSIDER, match.id, 4, "held")


def test_schedule_follows_each_persons_local_time_across_a_daylight_saving_change() -> None:
    london = person("l@ex.org", "mentor", availability=["Tue 14-16"], timezone="Europe/London")
    new_york = person("n@ex.org", "mentee", availability=["Tue 9-11"], timezone="America/New_York")
    plan = plan_sessions(london, new_york, date(2025, 3, 3), sessions=5, cadence_days=7, minutes=60)
    assert all(start is not None for start in plan)
    starts = [s for s in plan if s is not None]
    # New York moves to daylight time on 9 March, London on 30 March.
    assert [s.date() for s in starts] == [
        date(2025, 3, 4),
        date(2025, 3, 11),
        date(2025, 3, 18),
        date(2025, 3, 25),
        date(2025, 4, 1),
    ]
    assert [s.astimezone(UTC).hour for s in starts] == [14, 14, 14, 14, 13]
    assert [s.astimezone(ZoneInfo("Europe/London")).hour for s in starts] == [14] * 5
    assert [s.astimezone(ZoneInfo("America/New_York")).hour for s in starts] == [9, 10, 10, 10, 9]


def test_schedule_leaves_a_session_to_be_agreed_without_common_time() -> None:
    a = person("a@ex.org", "mentor", availability=["Mon 9-10"], timezone="Europe/London")
    b = person("b@ex.org", "mentee", availability=["Mon 9-10"], timezone="Asia/Tokyo")
    assert plan_sessions(a, b, date(2025, 1, 6), 2, 14, 60) == [None, None]


def test_each_person_gets_an_ics_with_both_attendees(database: Database, program: int) -> None:
    matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    match = next(m for m in matching_store.publish(database, COORDINATOR, program) if m.mentor == "priya@ex.org")
    for actor, other in ((PRIYA, "Martin"), (MARTIN, "Priya")):
        calendar = Calendar.from_ical(lifecycle.pair_calendar(database, actor, match.id, actor.email))
        events = list(calendar.walk("VEVENT"))
        assert len(events) == 4
        for number, event in enumerate(events, 1):
            attendees = sorted(str(a) for a in event.get("attendee"))
            assert attendees == ["mailto:martin@ex.org", "mailto:priya@ex.org"]
            assert f"session {number} of 4 with {other}" in str(event.get("summary"))
            assert f"pair={match.pair_id}&session={number}" in str(event.get("description"))
        first = events[0].decoded("dtstart")
        assert first == datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
    with pytest.raises(PermissionDenied, match="your own calendar"):
        lifecycle.pair_calendar(database, PRIYA, match.id, "martin@ex.org")
    staff_copy = lifecycle.pair_calendar(database, COORDINATOR, match.id, "martin@ex.org")
    assert b"mailto:martin@ex.org" in staff_copy


def test_program_agendas_use_each_pair_and_are_valid(database: Database, program: int) -> None:
    from coach.programs.agendas import agenda_problems, generate_program_agendas
    from tests.test_agenda_support import FakeRetriever

    matching_store.propose(database, COORDINATOR, program, WordEmbedder())
    published = {m.mentor: m for m in matching_store.publish(database, COORDINATOR, program)}
    priya = published["priya@ex.org"]
    lifecycle.set_session_status(database, PRIYA, priya.id, 1, "held")
    repo.save_notes(database, COORDINATOR, priya.pair_id or 0, 1, "Good start.\nAction: Martin to post one short video")
    seen: list[tuple[int, int]] = []
    outcomes = generate_program_agendas(
        database, COORDINATOR, program, FakeRetriever(), progress=lambda done, total, _label: seen.append((done, total))
    )
    assert seen == [(1, 2), (2, 2)]
    assert all(o.ok for o in outcomes), outcomes
    numbers = {o.pair_id: o.session_number for o in outcomes}
    assert numbers[priya.pair_id or 0] == 2 and numbers[published["leo@ex.org"].pair_id or 0] == 1
    from coach.flows.agenda.builder import Agenda

    saved = {s.number: s for s in repo.list_sessions(database, COORDINATOR, priya.pair_id or 0)}
    agenda = Agenda.model_validate(saved[2].agenda)
    assert agenda_problems(agenda) == [] and agenda.duration_minutes == 60
    assert "Martin to post one short video" in agenda.open_actions
    assert "tiktok video" in agenda.focus
    assert saved[1].status == "held"
    with pytest.raises(PermissionDenied):
        generate_program_agendas(database, PRIYA, program, FakeRetriever())


def test_participants_see_their_own_enrolments_only(database: Database, program: int) -> None:
    [(enrolled, mine)] = programs.my_enrolments(database, MARTIN)
    assert enrolled.id == program and mine.email == "martin@ex.org" and mine.profile.role == "mentee"
    assert programs.my_enrolments(database, Actor(9, "nobody@ex.org", "Nobody", Role.MENTEE)) == []


ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "UTC"]


def _inside(start: datetime, minutes: int, profile: object) -> bool:
    """Whether every five minutes of the session fall in one of the person's slots, in their own local time."""
    from datetime import timedelta

    zone = ZoneInfo(profile.timezone)  # type: ignore[attr-defined]
    for step in range(0, minutes, 5):
        local = (start + timedelta(minutes=step)).astimezone(zone)
        minute = local.hour * 60 + local.minute
        if not any(s.weekday == local.weekday() and s.start <= minute < s.end for s in profile.availability):  # type: ignore[attr-defined]
            return False
    return True


def test_a_weekly_session_keeps_local_time_when_sydney_leaves_summer_time() -> None:
    """Sydney's Monday 6:00 is Sunday 19:00 UTC until 6 April 2025 and 20:00 UTC after it."""
    from datetime import timedelta

    a = person("a@ex.org", "mentor", availability=["Mon 6-9", "Thu 6-9"], timezone="Australia/Sydney")
    b = person(
        "b@ex.org",
        "mentee",
        availability=[f"{d} 0-24" for d in ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun")],
        timezone="Europe/London",
    )
    starts = plan_sessions(a, b, date(2025, 3, 2), 6, 7, 60)
    assert starts[4] == datetime(2025, 3, 30, 19, 0, tzinfo=UTC)
    assert starts[5] == datetime(2025, 4, 6, 20, 0, tzinfo=UTC)
    assert all(s is not None and _inside(s, 60, a) and _inside(s, 60, b) for s in starts)
    assert [s.astimezone(ZoneInfo("Australia/Sydney")).hour for s in starts if s] == [6] * 6
    assert starts[5] - starts[4] == timedelta(days=7, hours=1)


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
    st.integers(0, 6),
    st.integers(6, 20),
    st.integers(0, 6),
    st.integers(0, 364),
    st.integers(1, 21),
)
def test_every_scheduled_session_is_inside_both_peoples_local_free_time(
    zone_a: str, zone_b: str, day_a: int, hour_a: int, day_b: int, offset: int, cadence: int
) -> None:
    from datetime import timedelta

    from coach.programs.profiles import WEEKDAYS

    day = WEEKDAYS[day_a].title()
    other = WEEKDAYS[(day_a + 3) % 7].title()
    a = person(
        "a@ex.org",
        "mentor",
        availability=[f"{day} {hour_a}-{hour_a + 3}", f"{other} {hour_a}-{hour_a + 3}"],
        timezone=zone_a,
    )
    b = person(
        "b@ex.org",
        "mentee",
        availability=[f"{WEEKDAYS[d].title()} 0-24" for d in range(7) if d != day_b],
        timezone=zone_b,
    )
    starts = plan_sessions(a, b, date(2025, 1, 1) + timedelta(days=offset), 6, cadence, 60)
    assert None not in starts, starts
    found = [s for s in starts if s is not None]
    assert all(later >= earlier + timedelta(minutes=60) for earlier, later in zip(found, found[1:], strict=False))
    for start in found:
        assert _inside(start, 60, a) and _inside(start, 60, b), (start, zone_a, zone_b)
