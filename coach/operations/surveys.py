"""The three program surveys from a participant's side: which is open, their answers, saving.

Which survey is open follows the program's dates and number of sessions (the same for
every pair of the program), with session ``k`` falling on ``starts_on + (k - 1) * cadence``:

- **baseline** is open from enrolment until the mid-program review opens;
- **mid** opens on the day of session ``n // 2 + 1`` (half the sessions behind; programs of
  fewer than three sessions have none) and runs until the end survey opens;
- **end** opens on the day of the last session and closes after the program's end date
  (or one cadence after the last session when the program has no end date).

A survey can be answered, and its answers changed, only while it is open. Once the next
one opens, or the program ends, it is closed and shown read-only: a start-of-program answer
rewritten with hindsight would no longer measure the start. Each person reads and writes
only their own answers; coordinators see them only as the report's aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select

from coach.actors import Actor
from coach.errors import InputError, PermissionDenied
from coach.operations.checkins import submit_survey
from coach.operations.models import SurveyResponse
from coach.operations.questions import SURVEYS, Question, QuestionBank
from coach.programs.profiles import Profile, split_list
from coach.programs.repository import my_enrolments
from coach.programs.views import ProgramView
from coach.storage.db import Database

SurveyState = Literal["upcoming", "open", "closed"]
MIN_SESSIONS_FOR_MID = 3


@dataclass(frozen=True)
class SurveyWindow:
    """When one survey is open: from ``opens`` (None: from enrolment) until before ``closes``."""

    survey: str
    opens: date | None
    closes: date

    def state(self, today: date) -> SurveyState:
        if self.opens is not None and today < self.opens:
            return "upcoming"
        return "open" if today < self.closes else "closed"


@dataclass(frozen=True)
class MySurvey:
    """One survey of a program the actor is enrolled in, with the actor's own answers."""

    program_id: int
    program: str
    survey: str
    title: str
    state: SurveyState
    window: SurveyWindow
    questions: tuple[Question, ...]
    goals: tuple[str, ...]
    skills: tuple[str, ...]
    answers: dict[str, Any] = field(default_factory=dict)
    submitted_at: datetime | None = None

    @property
    def answered(self) -> bool:
        return self.submitted_at is not None

    @property
    def editable(self) -> bool:
        return self.state == "open"


def survey_windows(program: ProgramView) -> dict[str, SurveyWindow]:
    """The baseline, mid (when the program has one) and end windows of a program."""
    cadence = timedelta(days=program.cadence_days)
    last = program.starts_on + (program.sessions - 1) * cadence
    close = program.ends_on + timedelta(days=1) if program.ends_on and program.ends_on >= last else last + cadence
    windows = {"end": SurveyWindow("end", last, close)}
    if program.sessions >= MIN_SESSIONS_FOR_MID:
        mid = program.starts_on + (program.sessions // 2) * cadence
        windows["mid"] = SurveyWindow("mid", mid, last)
        windows["baseline"] = SurveyWindow("baseline", None, mid)
    else:
        windows["baseline"] = SurveyWindow("baseline", None, last)
    return {name: windows[name] for name in SURVEYS if name in windows}


def due_survey(program: ProgramView, today: date) -> str | None:
    """The survey open on ``today`` (at most one is), or None."""
    return next((name for name, w in survey_windows(program).items() if w.state(today) == "open"), None)


def _items(profile: Profile) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The goals, and the skills to build or share, that the goal and skill questions ask about."""
    return tuple(profile.goals), tuple(split_list([*profile.skills_wanted, *profile.skills_offered]))


def _own_rows(db: Database, actor: Actor, program_id: int | None = None) -> dict[tuple[int, str], SurveyResponse]:
    with db.read() as session:
        query = select(SurveyResponse).where(SurveyResponse.respondent == actor.email)
        if program_id is not None:
            query = query.where(SurveyResponse.program_id == program_id)
        return {(r.program_id, r.survey): r for r in session.scalars(query)}


def my_surveys(db: Database, actor: Actor, now: datetime, bank: QuestionBank) -> list[MySurvey]:
    """Every survey of every program the actor is enrolled in, with their own answers only."""
    rows = _own_rows(db, actor)
    found = []
    for program, participant in my_enrolments(db, actor):
        goals, skills = _items(participant.profile)
        for name, window in survey_windows(program).items():
            row = rows.get((program.id, name))
            found.append(
                MySurvey(
                    program_id=program.id,
                    program=program.name,
                    survey=name,
                    title=bank.surveys[name].title,  # type: ignore[index]
                    state=window.state(now.date()),
                    window=window,
                    questions=bank.survey(name),
                    goals=goals,
                    skills=skills,
                    answers=dict(row.answers) if row else {},
                    submitted_at=row.submitted_at if row else None,
                )
            )
    return found


def _require_core(survey: MySurvey, answers: dict[str, Any]) -> None:
    """The goal and skill questions must cover every item, so change can be measured."""
    for qid, items, what in (("goal_confidence", survey.goals, "goal"), ("skill_confidence", survey.skills, "skill")):
        given = answers.get(qid) or {}
        missing = [item for item in items if not isinstance(given, dict) or item not in given]
        if missing:
            raise InputError(
                f"Answer the {what} question for each {what}: {', '.join(missing)} missing.",
                hint="These questions are the same in all three surveys, so the change can be measured.",
            )


def answer_survey(
    db: Database,
    actor: Actor,
    program_id: int,
    survey: str,
    answers: dict[str, Any],
    *,
    bank: QuestionBank,
    now: datetime,
) -> MySurvey:
    """Save (or change) the actor's answers to a survey of their program while it is open.

    Raises:
        PermissionDenied: the actor is not enrolled in the program.
        InputError: an unknown survey, a survey that is not open, or an invalid or missing answer.
    """
    if survey not in SURVEYS:
        raise InputError(f"Unknown survey {survey!r}.", hint=f"Use one of: {', '.join(SURVEYS)}.")
    of_program = [s for s in my_surveys(db, actor, now, bank) if s.program_id == program_id]
    if not of_program:
        raise PermissionDenied("You can only answer the surveys of a program you are enrolled in.")
    mine = next((s for s in of_program if s.survey == survey), None)
    if mine is None:
        raise InputError("This program has no mid-program review.", hint="Answer the start or end survey.")
    if mine.state == "upcoming":
        raise InputError(
            f"The {mine.title.lower()} is not open yet.",
            hint=f"It opens on {mine.window.opens:%d %B %Y}." if mine.window.opens else "",
        )
    if mine.state == "closed":
        raise InputError(
            f"The {mine.title.lower()} closed on {mine.window.closes:%d %B %Y}; answers can no longer be changed.",
            hint="Answer the survey that is open now.",
        )
    _require_core(mine, answers)
    submit_survey(
        db,
        actor,
        program_id,
        survey,
        answers,
        bank=bank,
        enrolled=lambda _p, _e: True,
        goals=mine.goals,
        skills=mine.skills,
        now=now,
    )
    return next(s for s in my_surveys(db, actor, now, bank) if s.program_id == program_id and s.survey == survey)


def my_survey_answers(db: Database, actor: Actor, program_id: int) -> dict[str, dict[str, Any]]:
    """The actor's own answers to a program's surveys, by survey (nobody else's, whoever asks)."""
    return {survey: dict(row.answers) for (_, survey), row in _own_rows(db, actor, program_id).items()}
