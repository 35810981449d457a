"""The program report against figures worked out by hand, check-in privacy, and exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from coach import resources
from coach.actors import Actor, Role
from coach.errors import InputError, PermissionDenied
from coach.operations.checkins import my_checkins, pair_facts_checkins, submit_checkin, submit_survey
from coach.operations.facts import HELD, MISSED, CheckinFact, PairFacts, SessionFact
from coach.operations.questions import QuestionBank, load_questions
from coach.operations.report_export import to_csv, to_pdf
from coach.operations.reports import build_report
from coach.storage import Database

KNOWLEDGE_ROOT = resources.knowledge_dir()

T0 = datetime(2027, 1, 4, 10, tzinfo=UTC)


def _c(number: int, who: str, useful: int, safe: int, progress: int | None = None) -> CheckinFact:
    goals = {} if progress is None else {"g": progress}
    return CheckinFact(number, who, T0 + timedelta(days=14 * (number - 1) + 1), True, useful, safe, goals)


def _pair(pid: int, statuses: list[str], checkins: list[CheckinFact]) -> PairFacts:
    sessions = tuple(SessionFact(i + 1, T0 + timedelta(days=14 * i), st) for i, st in enumerate(statuses))
    return PairFacts(pid, f"m{pid}@x.org", f"s{pid}@x.org", T0 - timedelta(days=7), sessions, tuple(checkins))


@pytest.fixture
def fixture_program() -> list[PairFacts]:
    return [
        _pair(
            1,
            [HELD, HELD, "planned"],
            [_c(1, "m1@x.org", 4, 5, 2), _c(1, "s1@x.org", 3, 4, 1), _c(2, "m1@x.org", 5, 5, 2)],
        ),
        _pair(2, [HELD, MISSED, "planned"], [_c(1, "m2@x.org", 5, 5, 2)]),
        _pair(3, [HELD, "planned", "planned"], [_c(1, "s3@x.org", 2, 3, 0)]),
    ]


def test_report_figures_match_a_hand_count(fixture_program: list[PairFacts]) -> None:
    now = T0 + timedelta(days=20)  # sessions 1 and 2 have passed, session 3 has not
    surveys = [
        ("baseline", "m1@x.org", {"relationship": 2}),
        ("end", "m1@x.org", {"relationship": 4}),
        ("baseline", "s1@x.org", {"relationship": 3}),
        ("end", "s1@x.org", {"relationship": 4}),
        ("baseline", "m2@x.org", {"relationship": 3}),
        ("end", "m2@x.org", {"relationship": 5}),
        ("baseline", "s3@x.org", {"relationship": 1}),  # no end survey: left out of before/after
        ("baseline", "m1@x.org", {"goal_confidence": {"g": 1}}),
        ("end", "m1@x.org", {"goal_confidence": {"g": 3}}),
    ]
    scores = [
        ("a", T0, 40.0),
        ("a", T0 + timedelta(days=1), 60.0),
        ("a", T0 + timedelta(days=2), 70.0),
        ("b", T0, 50.0),
        ("b", T0 + timedelta(days=3), 80.0),
        ("c", T0, 30.0),
        ("d", T0, 20.0),
        ("d", T0 + timedelta(days=5), 30.0),
    ]
    report = build_report("Spring", fixture_program, now, min_group=3, survey_answers=surveys, rehearsal_scores=scores)

    assert (report.pairs, report.people, report.active_people) == (3, 6, 6)
    assert (report.sessions_planned, report.sessions_held) == (6, 4)
    first, second = report.sessions
    assert (first.planned, first.held, first.missed) == (3, 3, 0)
    assert first.usefulness.value == pytest.approx((4 + 3 + 5 + 2) / 4) and first.usefulness.people == 4
    assert first.safety.value == pytest.approx((5 + 4 + 5 + 3) / 4)
    assert first.goal_progress.value == pytest.approx((2 + 1 + 2 + 0) / 4)
    # Session 2: one rater only, so nothing about it is shown; pair 3 is unconfirmed, not held.
    assert (second.held, second.missed) == (1, 1)
    assert second.usefulness.value is None and second.usefulness.people == 1
    relationship = next(s for s in report.surveys if s.item == "relationship")
    assert relationship.baseline.value == pytest.approx(8 / 3) and relationship.end.value == pytest.approx(13 / 3)
    assert relationship.change == pytest.approx(5 / 3)
    goals = next(s for s in report.surveys if s.item == "goal_confidence")
    assert goals.baseline.value is None and goals.change is None  # one person: hidden
    assert report.rehearsal_first.value == pytest.approx((40 + 50 + 20) / 3)
    assert report.rehearsal_latest.value == pytest.approx((70 + 80 + 30) / 3)


def test_a_group_below_the_minimum_is_suppressed_everywhere(fixture_program: list[PairFacts]) -> None:
    report = build_report(
        "Spring",
        fixture_program,
        T0 + timedelta(days=20),
        min_group=5,
        rehearsal_scores=[("a", T0, 10.0), ("a", T0 + timedelta(days=1), 90.0)],
    )
    assert all(r.usefulness.value is None and r.safety.value is None for r in report.sessions)
    assert report.rehearsal_first.value is None and report.rehearsal_latest.value is None
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    hidden = [r for r in rows if r["measure"].startswith("usefulness")]
    assert hidden and all(r["value"] == "" for r in hidden)


def test_csv_and_pdf_exports_carry_the_figures(fixture_program: list[PairFacts], tmp_path: object) -> None:
    report = build_report("Spring cohort", fixture_program, T0 + timedelta(days=20), min_group=3)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert {"section": "sessions", "measure": "held", "value": "4", "people": ""} in rows
    useful = next(r for r in rows if r["section"] == "session 1" and r["measure"].startswith("usefulness"))
    assert useful["value"] == "3.50" and useful["people"] == "4"
    pdf = to_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Program report: Spring cohort" in text
    assert "Sessions held: 4 of 6" in text and "3.50" in text and "hidden (too few people)" in text


# --- check-ins: one's own, and private notes ----------------------------------------------
MENTOR = Actor(1, "m1@x.org", "Priya", Role.MENTOR)
MENTEE = Actor(2, "s1@x.org", "Martin", Role.MENTEE)
OUTSIDER = Actor(3, "m2@x.org", "Sam", Role.MENTOR)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_questions(KNOWLEDGE_ROOT / "data")


def members(pair_id: int) -> tuple[str, str] | None:
    return ("m1@x.org", "s1@x.org") if pair_id == 1 else None


def test_checkins_are_validated_private_and_replace_on_resubmit(database: Database, bank: QuestionBank) -> None:
    answers = {"met": True, "usefulness": 4, "safety": 5, "goal_progress": {"pitch": 2}, "note": "Ask about Q3."}
    submit_checkin(database, MENTOR, 1, 1, answers, bank=bank, members=members, goals=("pitch",))
    submit_checkin(database, MENTEE, 1, 1, {"met": True, "usefulness": 2}, bank=bank, members=members)
    submit_checkin(database, MENTOR, 1, 1, {**answers, "usefulness": 5}, bank=bank, members=members, goals=("pitch",))

    mine = my_checkins(database, MENTOR)
    assert len(mine) == 1 and mine[0].answers["usefulness"] == 5 and mine[0].note == "Ask about Q3."
    assert "note" not in mine[0].answers
    assert [c.note for c in my_checkins(database, MENTEE)] == [""]
    facts = pair_facts_checkins(database, [1])[1]
    assert sorted((f.respondent, f.usefulness) for f in facts) == [("m1@x.org", 5), ("s1@x.org", 2)]
    assert not any("Q3" in repr(f) for f in facts)  # the note never reaches the rules or reports


@pytest.mark.parametrize(
    ("actor", "answers", "error"),
    [
        (OUTSIDER, {"met": True}, PermissionDenied),  # not in the pair
        (MENTOR, {"usefulness": 4}, InputError),  # did we meet? is required
        (MENTOR, {"met": True, "usefulness": 9}, InputError),  # out of range
        (MENTOR, {"met": "yes"}, InputError),  # not a yes/no
        (MENTOR, {"met": True, "goal_progress": {"unknown goal": 1}}, InputError),
        (MENTOR, {"met": True, "mood": 3}, InputError),  # no such question
    ],
)
def test_bad_checkins_are_refused_and_nothing_is_stored(
    database: Database, bank: QuestionBank, actor: Actor, answers: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        submit_checkin(database, actor, 1, 1, answers, bank=bank, members=members, goals=("pitch",))
    assert my_checkins(database, actor) == []


def test_a_program_question_joins_the_pulse(database: Database, bank: QuestionBank) -> None:
    questions = bank.pulse_for("Did you try the new tool together?")
    assert [q.id for q in questions][-2:] == ["program", "note"]
    submit_checkin(
        database,
        MENTOR,
        1,
        2,
        {"met": True, "program": 4},
        bank=bank,
        members=members,
        program_question="Did you try the new tool together?",
    )
    assert my_checkins(database, MENTOR)[0].answers["program"] == 4


def test_surveys_need_enrolment_and_the_same_core_questions(database: Database, bank: QuestionBank) -> None:
    assert [q.id for q in bank.survey("baseline")][:3] == [q.id for q in bank.survey("end")][:3]
    with pytest.raises(PermissionDenied):
        submit_survey(database, OUTSIDER, 7, "baseline", {"relationship": 3}, bank=bank, enrolled=lambda p, e: False)
    with pytest.raises(InputError):
        submit_survey(database, MENTOR, 7, "later", {"relationship": 3}, bank=bank, enrolled=lambda p, e: True)
    submit_survey(
        database,
        MENTOR,
        7,
        "baseline",
        {"relationship": 3, "expectations": "learn"},
        bank=bank,
        enrolled=lambda p, e: True,
    )
