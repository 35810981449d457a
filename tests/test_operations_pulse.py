"""A program's own check-in question: who may set it, its checks, both people asked, the report's aggregate."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from coach.accounts import audit
from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied
from coach.operations import program as ops
from coach.operations.checkins import my_checkins, submit_checkin
from coach.operations.participants import my_pairs
from coach.operations.pulse import get_program_question, remove_program_question, set_program_question
from coach.operations.questions import ProgramQuestion, QuestionBank
from coach.operations.report_export import to_csv
from coach.operations.sources import pair_members, program_pair_facts
from coach.programs.models import Program, ProgramEvent
from coach.storage import Database
from tests.test_operations_surveys import at, bank, people, program_id  # noqa: F401  (fixtures used by name)

SMALL = Settings(llm_provider="fake", min_group_size=2)
QUESTION = "Did you try the new tool together?"


def _check_in(db: Database, who: Actor, number: int, own: object, bank: QuestionBank) -> None:  # noqa: F811
    (pair,) = my_pairs(db, who)
    submit_checkin(
        db,
        who,
        pair.match.id,
        number,
        {"met": True, "usefulness": 4, "program": own},
        bank=bank,
        members=pair_members(db),
        program_question=pair.program_question,
        now=at(number * 14),
    )


def test_a_coordinator_sets_it_both_people_are_asked_and_staff_see_only_the_aggregate(
    database: Database,
    people: dict[str, Actor],  # noqa: F811
    bank: QuestionBank,  # noqa: F811
) -> None:
    pid = program_id(database, people)
    saved = set_program_question(database, people["cora"], pid, f"  {QUESTION}  ", "scale", bank=bank)
    assert saved == ProgramQuestion(text=QUESTION, kind="scale")
    for who in ("priya", "martin"):
        (pair,) = my_pairs(database, people[who])
        assert pair.program_question == saved
        assert [q.id for q in bank.pulse_for(pair.program_question)][-2:] == ["program", "note"]
    _check_in(database, people["priya"], 1, 4, bank)
    _check_in(database, people["martin"], 1, 1, bank)
    _check_in(database, people["martin"], 2, 2, bank)
    assert my_checkins(database, people["martin"])[0].answers["program_asked"] == QUESTION

    report = ops.program_report(database, people["cora"], pid, "Spring", at(40), SMALL)
    assert report.program_question is not None
    # Per person first: Priya 4, Martin (1 + 2) / 2 = 1.5; over the two people 2.75.
    assert report.program_question.figure.value == pytest.approx(2.75) and report.program_question.figure.people == 2
    assert f'"{QUESTION} (mean, 1-5)",2.75,2' in to_csv(report)
    hidden = ops.program_report(database, people["cora"], pid, "Spring", at(40), Settings(llm_provider="fake"))
    assert hidden.program_question is not None and hidden.program_question.figure.value is None
    assert "priya@ex.org" not in repr(report.program_question)


def test_a_changed_question_counts_only_answers_to_its_own_wording(
    database: Database,
    people: dict[str, Actor],  # noqa: F811
    bank: QuestionBank,  # noqa: F811
) -> None:
    pid = program_id(database, people)
    set_program_question(database, people["cora"], pid, QUESTION, "scale", bank=bank)
    _check_in(database, people["priya"], 1, 5, bank)
    _check_in(database, people["martin"], 1, 5, bank)
    set_program_question(database, people["cora"], pid, "Did you agree a next step?", "yes_no", bank=bank)
    with pytest.raises(InputError, match="yes or no"):  # a rating no longer answers it
        _check_in(database, people["priya"], 2, 3, bank)
    _check_in(database, people["priya"], 2, True, bank)
    _check_in(database, people["martin"], 2, False, bank)
    report = ops.program_report(database, people["cora"], pid, "Spring", at(40), SMALL)
    assert report.program_question is not None and report.program_question.kind == "yes_no"
    assert report.program_question.figure.value == pytest.approx(0.5)  # one of two said yes; the 5s are not counted

    assert remove_program_question(database, people["cora"], pid) is True
    assert remove_program_question(database, people["cora"], pid) is False
    assert my_pairs(database, people["priya"])[0].program_question is None
    assert ops.program_report(database, people["cora"], pid, "Spring", at(40), SMALL).program_question is None
    with pytest.raises(InputError, match="Unknown question"):  # no question, no answer to it
        _check_in(database, people["priya"], 3, True, bank)
    with database.read() as session:
        history = session.scalars(select(ProgramEvent.detail).where(ProgramEvent.kind == "pulse question")).all()
    assert history == [
        f"added: '{QUESTION}' (scale)",
        "changed: 'Did you agree a next step?' (yes_no)",
        "removed: 'Did you agree a next step?'",
    ]
    actions = [e.action for e in audit.list_events(database, _admin(database))]
    assert {"added check-in question", "changed check-in question", "removed check-in question"} <= set(actions)


def test_text_answers_stay_with_their_authors(
    database: Database,
    people: dict[str, Actor],  # noqa: F811
    bank: QuestionBank,  # noqa: F811
) -> None:
    pid = program_id(database, people)
    set_program_question(database, people["cora"], pid, "What did you try?", "text", bank=bank)
    _check_in(database, people["priya"], 1, "PRIYA-TRIED-A-DEMO", bank)
    _check_in(database, people["martin"], 1, "MARTIN-TRIED-NOTHING", bank)
    assert my_checkins(database, people["priya"])[0].answers["program"] == "PRIYA-TRIED-A-DEMO"
    assert "MARTIN" not in repr(my_checkins(database, people["priya"]))
    report = ops.program_report(database, people["cora"], pid, "Spring", at(40), SMALL)
    assert report.program_question is not None and report.program_question.figure.value is None
    facts = program_pair_facts(database, pid)
    for shown in (repr(report), to_csv(report), repr(facts)):
        assert "TRIED" not in shown


def test_a_mentor_cannot_set_or_remove_it_and_the_refusal_is_audited(
    database: Database,
    people: dict[str, Actor],  # noqa: F811
    bank: QuestionBank,  # noqa: F811
) -> None:
    pid = program_id(database, people)
    for who in ("priya", "martin"):
        with pytest.raises(PermissionDenied, match="coordinator or administrator"):
            set_program_question(database, people[who], pid, QUESTION, "scale", bank=bank)
        with pytest.raises(PermissionDenied):
            remove_program_question(database, people[who], pid)
        with pytest.raises(PermissionDenied):
            get_program_question(database, people[who], pid)
    assert get_program_question(database, people["cora"], pid) is None
    denied = audit.list_events(database, _admin(database), action="denied")
    assert sum(e.detail == "set the program's check-in question" for e in denied) == 2


@pytest.mark.parametrize(
    ("text", "kind", "error"),
    [
        ("", "scale", "The question is empty"),
        ("   ", "yes_no", "The question is empty"),
        ("Why", "text", "shorter than 5"),
        ("x" * 201, "scale", "longer than 200"),
        (QUESTION, "stars", "Unknown kind of answer 'stars'"),
        ("How useful was the session for you?", "scale", "already asks that question"),
    ],
)
def test_bad_questions_are_refused_with_a_reason(
    database: Database,
    people: dict[str, Actor],  # noqa: F811
    bank: QuestionBank,  # noqa: F811
    text: str,
    kind: str,
    error: str,  # noqa: F811
) -> None:
    pid = program_id(database, people)
    with pytest.raises(InputError, match=error):
        set_program_question(database, people["cora"], pid, text, kind, bank=bank)
    assert get_program_question(database, people["cora"], pid) is None
    with pytest.raises(InputError, match="No program with id"):
        set_program_question(database, people["cora"], pid + 99, QUESTION, "scale", bank=bank)


def test_the_migration_adds_and_drops_the_question_columns(
    database: Database,
    people: dict[str, Actor],  # noqa: F811
    bank: QuestionBank,  # noqa: F811
) -> None:
    pid = program_id(database, people)
    set_program_question(database, people["cora"], pid, QUESTION, "yes_no", bank=bank)
    database.downgrade("0005")
    assert "pulse_question" not in {c["name"] for c in inspect(database.engine).get_columns("programs")}
    database.migrate()
    with database.read() as session:
        row = session.get(Program, pid)
        assert row is not None and (row.pulse_question, row.pulse_kind) == ("", "")  # existing programs: none
    assert get_program_question(database, people["cora"], pid) is None
    assert set_program_question(database, people["cora"], pid, QUESTION, "text", bank=bank).kind == "text"


def _admin(database: Database) -> Actor:
    from tests.people import add_person

    return add_person(database, "Ada", Role.ADMINISTRATOR, email="ada@ex.org")
