"""Surveys answered by participants: which one is open, each person's own answers, the report's change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect

from coach import resources
from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied
from coach.links import my_program_link
from coach.operations import outbox
from coach.operations import program as ops
from coach.operations.facts import Enrolled, SurveyFacts
from coach.operations.mailer import SmtpMailer
from coach.operations.planner import SURVEY, due_nudges
from coach.operations.questions import QuestionBank, load_questions
from coach.operations.rules import OperationsRules, load_rules
from coach.operations.service import run_pass
from coach.operations.sources import program_pair_facts, program_survey_facts
from coach.operations.surveys import answer_survey, due_survey, my_survey_answers, my_surveys, survey_windows
from coach.programs import matching_store
from coach.programs import repository as programs
from coach.programs.views import ProgramView
from coach.storage import Database
from tests.people import add_person
from tests.programs_fixtures import WordEmbedder
from tests.test_operations import Inbox, smtp  # noqa: F401  (fixture used by name)
from tests.test_operations_program import CSV

START = date(2030, 3, 4)  # six sessions, every 14 days: the last on 13 May, the program closes on 27 May


def at(day: int) -> datetime:
    """Noon UTC, ``day`` days after the program's first session day."""
    return datetime(START.year, START.month, START.day, 12, tzinfo=UTC) + timedelta(days=day)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_questions(resources.knowledge_data_dir())


@pytest.fixture
def people(database: Database) -> dict[str, Actor]:
    """Cora runs a published program of Priya (mentor) and Martin (mentee); Sam is not enrolled."""
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


def program_id(database: Database, people: dict[str, Actor]) -> int:
    return programs.list_programs(database, people["cora"])[0].id


def _program(sessions: int = 6, ends_on: date | None = None) -> ProgramView:
    return ProgramView(
        id=1, name="P", starts_on=START, ends_on=ends_on, sessions=sessions, cadence_days=14, session_minutes=60
    )


@pytest.mark.parametrize(
    ("sessions", "ends_on", "day", "due"),
    [
        (6, None, -30, "baseline"),  # enrolled before the start
        (6, None, 41, "baseline"),
        (6, None, 42, "mid"),  # the day of session 4: half the sessions are behind
        (6, None, 69, "mid"),
        (6, None, 70, "end"),  # the day of the last session
        (6, None, 83, "end"),
        (6, None, 84, None),  # one cadence after the last session, the program is over
        (6, date(2030, 6, 30), 100, "end"),  # an explicit end date keeps the end survey open
        (6, date(2030, 6, 30), 119, None),
        (2, None, 13, "baseline"),  # too short for a mid-program review
        (2, None, 14, "end"),
    ],
)
def test_the_open_survey_follows_the_program_dates(
    sessions: int, ends_on: date | None, day: int, due: str | None
) -> None:
    program = _program(sessions, ends_on)
    assert due_survey(program, (at(day)).date()) == due
    assert ("mid" in survey_windows(program)) is (sessions >= 3)


def test_each_person_reads_and_writes_only_their_own_answers(
    database: Database, people: dict[str, Actor], bank: QuestionBank
) -> None:
    pid = program_id(database, people)
    priya, martin = people["priya"], people["martin"]
    (baseline,) = [s for s in my_surveys(database, martin, at(0), bank) if s.survey == "baseline"]
    assert baseline.editable and not baseline.answered
    assert baseline.goals == ("learn tiktok video",) and baseline.skills == ("tiktok video",)
    answer_survey(
        database,
        priya,
        pid,
        "baseline",
        {"skill_confidence": {"tiktok video": 4}, "relationship": 3, "expectations": "PRIYA-HOPES"},
        bank=bank,
        now=at(1),
    )
    answer_survey(
        database,
        martin,
        pid,
        "baseline",
        {"goal_confidence": {"learn tiktok video": 0}, "skill_confidence": {"tiktok video": 1}},
        bank=bank,
        now=at(1),
    )
    assert my_survey_answers(database, priya, pid)["baseline"]["expectations"] == "PRIYA-HOPES"
    assert my_survey_answers(database, martin, pid) == {
        "baseline": {"goal_confidence": {"learn tiktok video": 0}, "skill_confidence": {"tiktok video": 1}},
    }
    martins = [s for s in my_surveys(database, martin, at(2), bank) if s.answered]
    assert [s.survey for s in martins] == ["baseline"] and "PRIYA-HOPES" not in repr(martins)
    # Martin changes his answers: his row is replaced, Priya's stays as she left it.
    answer_survey(
        database,
        martin,
        pid,
        "baseline",
        {"goal_confidence": {"learn tiktok video": 1}, "skill_confidence": {"tiktok video": 1}},
        bank=bank,
        now=at(3),
    )
    assert my_survey_answers(database, martin, pid)["baseline"]["goal_confidence"] == {"learn tiktok video": 1}
    assert my_survey_answers(database, priya, pid)["baseline"]["skill_confidence"] == {"tiktok video": 4}

    with pytest.raises(PermissionDenied):  # not enrolled in the program
        answer_survey(database, people["sam"], pid, "baseline", {"relationship": 3}, bank=bank, now=at(1))
    assert my_survey_answers(database, people["sam"], pid) == {}
    assert my_surveys(database, people["sam"], at(1), bank) == []
    # The coordinator is not a respondent: asking for "my answers" returns nobody else's.
    assert my_survey_answers(database, people["cora"], pid) == {}


@pytest.mark.parametrize(
    ("who", "survey", "answers", "day", "error"),
    [
        ("martin", "end", {"relationship": 3}, 1, "not open yet"),
        (
            "martin",
            "baseline",
            {"goal_confidence": {"learn tiktok video": 2}, "skill_confidence": {"tiktok video": 2}},
            50,
            "closed on 15 April 2030",
        ),
        ("martin", "baseline", {"skill_confidence": {"tiktok video": 2}}, 1, "learn tiktok video missing"),
        (
            "martin",
            "baseline",
            {"goal_confidence": {"learn tiktok video": 9}, "skill_confidence": {"tiktok video": 2}},
            1,
            "choice from 0 to 4",
        ),
        ("priya", "baseline", {"skill_confidence": {"tiktok video": 2}, "relationship": 0}, 1, "from 1 to 5"),
        ("priya", "baseline", {"skill_confidence": {"tiktok video": 2}, "mood": 3}, 1, "Unknown question"),
        ("priya", "later", {"relationship": 3}, 1, "Unknown survey"),
    ],
)
def test_bad_or_late_answers_are_refused_and_nothing_is_stored(
    database: Database,
    people: dict[str, Actor],
    bank: QuestionBank,
    who: str,
    survey: str,
    answers: dict[str, object],
    day: int,
    error: str,
) -> None:
    pid = program_id(database, people)
    with pytest.raises(InputError, match=error):
        answer_survey(database, people[who], pid, survey, answers, bank=bank, now=at(day))
    assert my_survey_answers(database, people[who], pid) == {}


def test_a_closed_survey_keeps_its_answers_read_only(
    database: Database, people: dict[str, Actor], bank: QuestionBank
) -> None:
    pid = program_id(database, people)
    first = {"skill_confidence": {"tiktok video": 1}, "relationship": 2}
    answer_survey(database, people["priya"], pid, "baseline", first, bank=bank, now=at(5))
    states = {s.survey: s for s in my_surveys(database, people["priya"], at(45), bank)}
    assert states["baseline"].state == "closed" and states["baseline"].answers == first
    assert not states["baseline"].editable and states["mid"].editable and not states["mid"].answered
    with pytest.raises(InputError, match="can no longer be changed"):
        answer_survey(database, people["priya"], pid, "baseline", {**first, "relationship": 5}, bank=bank, now=at(45))
    assert my_survey_answers(database, people["priya"], pid)["baseline"] == first


def test_the_report_measures_change_from_the_answers_in_aggregate(
    database: Database, people: dict[str, Actor], bank: QuestionBank
) -> None:
    pid = program_id(database, people)
    priya, martin = people["priya"], people["martin"]
    answer_survey(
        database,
        priya,
        pid,
        "baseline",
        {"skill_confidence": {"tiktok video": 3}, "relationship": 2},
        bank=bank,
        now=at(1),
    )
    answer_survey(
        database,
        martin,
        pid,
        "baseline",
        {"goal_confidence": {"learn tiktok video": 0}, "skill_confidence": {"tiktok video": 0}, "relationship": 4},
        bank=bank,
        now=at(1),
    )
    answer_survey(
        database, priya, pid, "end", {"skill_confidence": {"tiktok video": 4}, "relationship": 4}, bank=bank, now=at(71)
    )
    answer_survey(
        database,
        martin,
        pid,
        "end",
        {
            "goal_confidence": {"learn tiktok video": 3},
            "skill_confidence": {"tiktok video": 3},
            "relationship": 5,
            "carry_on": True,
        },
        bank=bank,
        now=at(71),
    )
    small = Settings(llm_provider="fake", min_group_size=2)
    report = ops.program_report(database, people["cora"], pid, "Spring", at(72), small)
    change = {c.item: c for c in report.surveys}
    # Skills: (3 + 0) / 2 = 1.5 at the start, (4 + 3) / 2 = 3.5 at the end; relationship 3.0 -> 4.5.
    assert (change["skill_confidence"].baseline.value, change["skill_confidence"].end.value) == (1.5, 3.5)
    assert change["relationship"].change == pytest.approx(1.5)
    assert change["goal_confidence"].baseline.value is None  # one person has goals: below the minimum of 2
    assert "priya@ex.org" not in repr(report.surveys) and "martin@ex.org" not in repr(report.surveys)
    hidden = ops.program_report(database, people["cora"], pid, "Spring", at(72), Settings(llm_provider="fake"))
    assert all(c.baseline.value is None and c.end.value is None for c in hidden.surveys)  # 2 people < 5
    with pytest.raises(PermissionDenied):
        ops.program_report(database, priya, pid, "Spring", at(72), small)


def test_answers_survive_a_new_connection(database: Database, people: dict[str, Actor], bank: QuestionBank) -> None:
    pid = program_id(database, people)
    answer_survey(
        database, people["priya"], pid, "baseline", {"skill_confidence": {"tiktok video": 2}}, bank=bank, now=at(1)
    )
    database.engine.dispose()  # what a browser refresh finds: a fresh read from the database
    assert "survey_responses" in inspect(database.engine).get_table_names()
    (saved,) = [s for s in my_surveys(database, people["priya"], at(2), bank) if s.answered]
    assert saved.answers == {"skill_confidence": {"tiktok video": 2}} and saved.editable


# --- the "survey open" nudge, with a simulated clock and a real SMTP peer --------------------
SURVEY_SUBJECT = "open for your answers"


@pytest.fixture(scope="module")
def rules() -> OperationsRules:
    return load_rules(resources.knowledge_data_dir())


def _titles(bank: QuestionBank) -> dict[str, str]:
    return {name: survey.title for name, survey in bank.surveys.items()}


@pytest.mark.integration
def test_each_open_survey_is_announced_once_to_each_person_who_has_not_answered(
    database: Database,
    people: dict[str, Actor],
    bank: QuestionBank,
    rules: OperationsRules,
    smtp: tuple[Inbox, SmtpMailer],  # noqa: F811
) -> None:
    inbox, mailer = smtp
    pid = program_id(database, people)
    priya, martin = people["priya"], people["martin"]
    by_day: dict[int, set[tuple[str, str]]] = {}
    for day in range(-3, 90):
        if day == 10:  # Priya answers the start survey after its note; nothing more comes of it
            answer_survey(
                database,
                priya,
                pid,
                "baseline",
                {"skill_confidence": {"tiktok video": 3}},
                bank=bank,
                now=at(day) - timedelta(hours=2),
            )
        if day == 42:  # Martin answers the mid-program review the morning it opens, before the pass
            answer_survey(
                database,
                martin,
                pid,
                "mid",
                {"goal_confidence": {"learn tiktok video": 2}, "skill_confidence": {"tiktok video": 2}},
                bank=bank,
                now=at(day) - timedelta(hours=3),
            )
        before = len(inbox.messages)
        run_pass(
            database,
            program_pair_facts(database),
            at(day),
            rules,
            mailer,
            app_url="https://coach.example.org",
            surveys=program_survey_facts(database, _titles(bank)),
        )
        arrived = [m for m in inbox.messages[before:] if SURVEY_SUBJECT in m["Subject"]]
        if arrived:
            by_day[day] = {(m["To"], m["Subject"].split(" of ")[0]) for m in arrived}
            assert len(arrived) == len(by_day[day])  # nobody twice on one pass

    assert by_day == {
        -3: {("priya@ex.org", "Start-of-program survey"), ("martin@ex.org", "Start-of-program survey")},
        42: {("priya@ex.org", "Mid-program review")},  # Martin had already answered it
        70: {("priya@ex.org", "End-of-cycle survey"), ("martin@ex.org", "End-of-cycle survey")},
    }
    notes = [m for m in inbox.messages if SURVEY_SUBJECT in m["Subject"]]
    assert len({m["Message-ID"] for m in notes}) == 5
    assert all(my_program_link("https://coach.example.org") in m.get_payload(decode=True).decode() for m in notes)
    rows = [r for r in outbox.rows(database) if r.kind == SURVEY]
    assert sorted(r.key for r in rows) == sorted(
        f"survey:{pid}:{survey}:{who}@ex.org"
        for survey, who in [
            ("baseline", "priya"),
            ("baseline", "martin"),
            ("mid", "priya"),
            ("end", "priya"),
            ("end", "martin"),
        ]
    )
    assert {r.status for r in rows} == {outbox.SENT}
    assert {r.pair_id for r in rows} == {p.pair_id for p in program_pair_facts(database)}  # filed under their pair


def test_the_survey_note_waits_the_configured_days_and_never_reaches_someone_who_answered(
    rules: OperationsRules,
) -> None:
    program = _program()
    facts = SurveyFacts(
        program=program,
        participants=(
            Enrolled("a@ex.org", START - timedelta(days=10)),
            Enrolled("b@ex.org", START + timedelta(days=50)),
            Enrolled("c@ex.org", START - timedelta(days=10)),
        ),
        answered=frozenset({("mid", "c@ex.org")}),
        titles=(("mid", "Mid-program review"),),
    )
    later = rules.nudges.model_copy(update={"survey_after_days": 3})

    def due(day: int) -> set[str]:
        return {d.key for d in due_nudges([], at(day), later, surveys=[facts]) if d.kind == SURVEY}

    assert due(44) == set()  # mid opened on day 42: three days' wait
    assert due(45) == {"survey:1:mid:a@ex.org"}  # c answered; b enrolled late, so b's wait runs from day 50
    assert due(53) == {"survey:1:mid:a@ex.org", "survey:1:mid:b@ex.org"}
    (note,) = [d for d in due_nudges([], at(45), later, surveys=[facts]) if d.recipient == "a@ex.org"]
    assert note.subject == "Mid-program review of P: open for your answers" and note.pair_id == 0
    assert "open until Sunday 12 May 2030" in note.body  # the day before the end survey opens
    assert not [d for d in due_nudges([], at(95), later, surveys=[facts]) if d.kind == SURVEY]  # all closed
