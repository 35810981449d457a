"""Check-ins and surveys: each person writes their own; the private note is theirs alone.

Coordinators never read a check-in here: the health rules and reports get ``CheckinFact``
values (ratings, met or not, goal progress) without the note, through ``pair_facts_checkins``,
which only staff-facing code calls after its own role check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coach.actors import Actor
from coach.errors import InputError, PermissionDenied
from coach.operations.facts import CheckinFact
from coach.operations.models import CheckIn, SurveyResponse
from coach.operations.questions import (
    PROGRAM_ASKED_KEY,
    PROGRAM_QUESTION_ID,
    ProgramQuestion,
    Question,
    QuestionBank,
    check_answers,
)
from coach.storage.db import Database
from coach.storage.models import utcnow

PairMembers = Callable[[int], tuple[str, str] | None]


@dataclass(frozen=True)
class CheckinView:
    """One of the actor's own check-ins, note included (only ever shown to its author)."""

    pair_id: int
    session_number: int
    answers: dict[str, Any]
    note: str
    submitted_at: datetime


def _member(actor: Actor, pair_id: int, members: PairMembers) -> None:
    people = members(pair_id)
    if people is None or actor.email.lower() not in {p.lower() for p in people}:
        raise PermissionDenied("You can only check in for your own pair.")


def _stored_answers(
    questions: tuple[Question, ...], answers: dict[str, Any], goals: tuple[str, ...]
) -> tuple[dict[str, Any], str]:
    """The checked answers to store, and the private note taken out of them.

    Raises:
        InputError: an answer is invalid, or "did we meet" is missing.
    """
    checked = check_answers(questions, answers, goals=goals)
    if "met" not in checked:
        raise InputError("Say whether the two of you met.", hint="Answer the first question.")
    private_ids = {q.id for q in questions if q.private}
    note = " ".join(str(checked.pop(qid)) for qid in sorted(private_ids) if qid in checked)
    own = next((q for q in questions if q.id == PROGRAM_QUESTION_ID), None)
    if own is not None and checked.get(PROGRAM_QUESTION_ID, None) == "":
        del checked[PROGRAM_QUESTION_ID]  # an empty text answer is no answer
    if own is not None and PROGRAM_QUESTION_ID in checked:
        checked[PROGRAM_ASKED_KEY] = own.text
    return checked, note


def submit_checkin(
    db: Database,
    actor: Actor,
    pair_id: int,
    session_number: int,
    answers: dict[str, Any],
    *,
    bank: QuestionBank,
    members: PairMembers,
    goals: tuple[str, ...] = (),
    program_question: ProgramQuestion | str | None = None,
    now: datetime | None = None,
) -> None:
    """Store (or replace) the actor's pulse for one session of their pair.

    An answer to the program's own question is stored with the wording it answered, so a
    later change of the question does not mix answers to two different questions.
    """
    _member(actor, pair_id, members)
    if session_number < 1:
        raise InputError("The session number starts at 1.")
    checked, note = _stored_answers(bank.pulse_for(program_question), answers, goals)
    moment = now or utcnow()

    def write() -> None:
        with db.write() as session:
            row = session.scalar(
                select(CheckIn).where(
                    CheckIn.pair_id == pair_id,
                    CheckIn.session_number == session_number,
                    CheckIn.respondent == actor.email,
                )
            )
            if row is None:
                session.add(
                    CheckIn(
                        pair_id=pair_id,
                        session_number=session_number,
                        respondent=actor.email,
                        answers=checked,
                        note=note,
                        submitted_at=moment,
                    )
                )
            else:
                row.answers, row.note, row.submitted_at = checked, note, moment

    try:
        write()
    except IntegrityError:  # the same person submitted from two tabs at once: the later one wins
        write()


def my_checkins(db: Database, actor: Actor) -> list[CheckinView]:
    """The actor's own check-ins, newest first."""
    with db.read() as session:
        rows = session.scalars(
            select(CheckIn).where(CheckIn.respondent == actor.email).order_by(CheckIn.submitted_at.desc())
        ).all()
    return [CheckinView(r.pair_id, r.session_number, dict(r.answers), r.note, r.submitted_at) for r in rows]


def pair_facts_checkins(db: Database, pair_ids: list[int]) -> dict[int, tuple[CheckinFact, ...]]:
    """Ratings and progress per pair for the health rules and reports; never the notes.

    The program question's answer is included only when it is a rating or a yes/no: a
    text answer stays with its author.
    """
    found: dict[int, list[CheckinFact]] = {pid: [] for pid in pair_ids}
    with db.read() as session:
        rows = session.execute(
            select(
                CheckIn.pair_id, CheckIn.session_number, CheckIn.respondent, CheckIn.submitted_at, CheckIn.answers
            ).where(CheckIn.pair_id.in_(pair_ids))
        ).all()
    for pair_id, number, who, when, answers in rows:
        own = answers.get(PROGRAM_QUESTION_ID)
        found[pair_id].append(
            CheckinFact(
                number,
                who,
                when,
                bool(answers.get("met")),
                answers.get("usefulness"),
                answers.get("safety"),
                dict(answers.get("goal_progress") or {}),
                program_asked=str(answers.get(PROGRAM_ASKED_KEY, "")) if not isinstance(own, str) else "",
                program_answer=None if isinstance(own, str) else own,
            )
        )
    return {pid: tuple(items) for pid, items in found.items()}


def submit_survey(
    db: Database,
    actor: Actor,
    program_id: int,
    survey: str,
    answers: dict[str, Any],
    *,
    bank: QuestionBank,
    enrolled: Callable[[int, str], bool],
    goals: tuple[str, ...] = (),
    skills: tuple[str, ...] = (),
    now: datetime | None = None,
) -> None:
    """Store (or replace) the actor's answers to one of the program's three surveys.

    ``coach.operations.surveys.answer_survey`` adds the checks of the survey's window.
    """
    if not enrolled(program_id, actor.email):
        raise PermissionDenied("You can only answer the surveys of a program you are enrolled in.")
    checked = check_answers(bank.survey(survey), answers, goals=goals, skills=skills)
    moment = now or utcnow()
    with db.write() as session:
        row = session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.program_id == program_id,
                SurveyResponse.survey == survey,
                SurveyResponse.respondent == actor.email,
            )
        )
        if row is None:
            session.add(
                SurveyResponse(
                    program_id=program_id, survey=survey, respondent=actor.email, answers=checked, submitted_at=moment
                )
            )
        else:
            row.answers, row.submitted_at = checked, moment


def survey_answers(db: Database, program_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(survey, respondent, answers) rows for the report's aggregates; free text is dropped."""
    with db.read() as session:
        rows = session.execute(
            select(SurveyResponse.survey, SurveyResponse.respondent, SurveyResponse.answers).where(
                SurveyResponse.program_id == program_id
            )
        ).all()
    return [
        (survey, who, {k: v for k, v in answers.items() if not isinstance(v, str)}) for survey, who, answers in rows
    ]
