"""Operations on a real published program: health from the schedule, one-click nudges, inbox, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied
from coach.operations import program as ops
from coach.operations.checkins import submit_checkin
from coach.operations.health import HealthState
from coach.operations.questions import load_questions
from coach.operations.sources import pair_members, program_pair_facts
from coach.programs import matching_store
from coach.programs import repository as programs
from coach.programs.csv_import import COLUMNS
from coach.storage import Database
from tests.programs_fixtures import WordEmbedder

COORDINATOR = Actor(1, "coord@ex.org", "Cora", Role.COORDINATOR)
PRIYA = Actor(2, "priya@ex.org", "Priya", Role.MENTOR)
MARTIN = Actor(3, "martin@ex.org", "Martin", Role.MENTEE)
CSV = "\n".join(
    [
        ",".join(COLUMNS),
        "priya@ex.org,Priya,mentor,Marketing,,tiktok video,,climbing,,Tue 14-16,Europe/London",
        "martin@ex.org,Martin,mentee,Finance,,,tiktok video,climbing,learn tiktok video,Tue 9-11,America/New_York",
    ]
)


@pytest.fixture
def published(database: Database) -> int:
    created = programs.create_program(database, COORDINATOR, "Spring", date(2030, 3, 4), sessions=6, cadence_days=14)
    programs.import_participants(database, COORDINATOR, created.id, CSV)
    matching_store.propose(database, COORDINATOR, created.id, WordEmbedder())
    matching_store.publish(database, COORDINATOR, created.id)
    return created.id


def test_facts_come_from_the_published_schedule(database: Database, published: int) -> None:
    (pair,) = program_pair_facts(database, published)
    assert pair.people == ("priya@ex.org", "martin@ex.org")
    assert len(pair.sessions) == 6 and all(s.starts_at.tzinfo is not None for s in pair.sessions)
    gaps = {(b.starts_at - a.starts_at).days for a, b in zip(pair.sessions, pair.sessions[1:], strict=False)}
    assert gaps <= {13, 14, 15}  # every two weeks (a daylight-saving change may shift the UTC hour)
    assert pair.label == "Priya & Martin"


def test_health_follows_check_ins_and_only_staff_read_it(tmp_path: object, database: Database, published: int) -> None:
    settings = Settings(llm_provider="fake")
    rules = ops.rules_for(settings)
    (pair,) = program_pair_facts(database, published)
    first = pair.sessions[0].starts_at
    assert ops.pair_health(database, COORDINATOR, published, first - timedelta(days=1), rules)[0].state is (
        HealthState.TOO_EARLY
    )
    bank = load_questions(settings.knowledge_data_dir)
    submit_checkin(
        database,
        MARTIN,
        pair.pair_id,
        1,
        {"met": True, "usefulness": 4, "safety": 1},
        bank=bank,
        members=pair_members(database),
    )
    health = ops.pair_health(database, COORDINATOR, published, first + timedelta(days=2), rules)[0]
    assert health.state is HealthState.NEEDS_ATTENTION and [f.rule for f in health.findings] == ["low_safety"]
    with pytest.raises(PermissionDenied):
        ops.pair_health(database, PRIYA, published, first, rules)
    with pytest.raises(PermissionDenied):  # a person outside the pair cannot check in for it
        submit_checkin(database, COORDINATOR, pair.pair_id, 1, {"met": True}, bank=bank, members=pair_members(database))


def test_one_click_nudge_reaches_both_inboxes_once_a_day(database: Database, published: int) -> None:
    settings = Settings(llm_provider="fake")  # no SMTP server: nudges wait in the app inbox
    (pair,) = program_pair_facts(database, published)
    now = pair.sessions[0].starts_at + timedelta(days=30)
    assert ops.send_manual(database, COORDINATOR, pair.pair_id, "nudge", now, settings).recorded == 2
    assert ops.send_manual(database, COORDINATOR, pair.pair_id, "nudge", now, settings).recorded == 0
    assert ops.send_manual(database, COORDINATOR, pair.pair_id, "contact", now, settings).recorded == 2
    assert [n.kind for n in ops.inbox(database, PRIYA)] == ["contact", "nudge"]
    assert {n.recipient for n in ops.inbox(database, MARTIN)} == {"martin@ex.org"}
    assert ops.inbox(database, COORDINATOR) == []
    with pytest.raises(PermissionDenied):
        ops.send_manual(database, PRIYA, pair.pair_id, "nudge", now, settings)
    with pytest.raises(InputError):
        ops.send_manual(database, COORDINATOR, 999, "nudge", now, settings)
    with pytest.raises(InputError):
        ops.send_manual(database, COORDINATOR, pair.pair_id, "shout", now, settings)


def test_a_pass_over_all_programs_records_due_reminders(database: Database, published: int) -> None:
    settings = Settings(llm_provider="fake")
    (pair,) = program_pair_facts(database, published)
    report = ops.run_nudges(database, settings, pair.sessions[0].starts_at - timedelta(hours=3))
    assert report.recorded == 4 and report.sent == 0  # no SMTP configured: recorded, kept in the inbox
    assert ops.run_nudges(database, settings, pair.sessions[0].starts_at - timedelta(hours=2)).recorded == 0
    assert sorted(n.kind for n in ops.inbox(database, PRIYA)) == ["reminder", "survey"]  # the start survey is open
    reminder = next(n for n in ops.inbox(database, PRIYA) if n.kind == "reminder")
    assert "BEGIN:VCALENDAR" in reminder.calendar


def test_the_report_is_for_staff_only(database: Database, published: int) -> None:
    settings = Settings(llm_provider="fake")
    (pair,) = program_pair_facts(database, published)
    report = ops.program_report(database, COORDINATOR, published, "Spring", pair.sessions[2].starts_at, settings)
    assert report.pairs == 1 and report.sessions_planned == 3
    assert all(row.usefulness.value is None for row in report.sessions)  # two people < minimum group of 5
    with pytest.raises(PermissionDenied):
        ops.program_report(database, MARTIN, published, "Spring", pair.sessions[2].starts_at, settings)
