"""The program report for coordinators and sponsors: aggregates only, small groups hidden.

Every figure is a count, a share or a mean over people. A mean over fewer than
``min_group`` distinct people is not shown (``None``), so a report never reveals what one
person said or how one person rated a session. Free-text answers and notes never reach it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any

from coach.operations.facts import HELD, MISSED, PairFacts
from coach.operations.questions import ProgramQuestion

SURVEY_ITEMS = ("goal_confidence", "skill_confidence", "relationship")


@dataclass(frozen=True)
class Figure:
    """One aggregate: its value (``None`` when hidden) and how many people it covers."""

    value: float | None
    people: int

    def shown(self, digits: int = 2) -> str:
        return "hidden (too few people)" if self.value is None else f"{self.value:.{digits}f}"


@dataclass(frozen=True)
class SessionRow:
    number: int
    planned: int
    held: int
    missed: int
    usefulness: Figure
    safety: Figure
    goal_progress: Figure


@dataclass(frozen=True)
class SurveyChange:
    item: str
    baseline: Figure
    end: Figure

    @property
    def change(self) -> float | None:
        if self.baseline.value is None or self.end.value is None:
            return None
        return self.end.value - self.baseline.value


@dataclass(frozen=True)
class ProgramQuestionResult:
    """The program's own check-in question in aggregate.

    A rating is the mean (1-5) over people, a yes/no the share (0-1) of yes over people;
    a text question has no figure at all, only how many people answered it.
    """

    text: str
    kind: str
    figure: Figure


@dataclass(frozen=True)
class ProgramReport:
    program: str
    generated_at: datetime
    min_group: int
    pairs: int
    people: int
    active_people: int
    sessions_planned: int
    sessions_held: int
    sessions: tuple[SessionRow, ...]
    surveys: tuple[SurveyChange, ...]
    rehearsal_first: Figure
    rehearsal_latest: Figure
    notes: tuple[str, ...] = field(default_factory=tuple)
    program_question: ProgramQuestionResult | None = None


def _figure(values_by_person: dict[str, list[float]], min_group: int) -> Figure:
    people = len(values_by_person)
    if people < min_group or people == 0:
        return Figure(None, people)
    return Figure(fmean(fmean(v) for v in values_by_person.values()), people)


def _session_rows(pairs: Sequence[PairFacts], now: datetime, min_group: int) -> tuple[SessionRow, ...]:
    numbers = sorted({s.number for p in pairs for s in p.sessions if s.starts_at <= now})
    rows = []
    for number in numbers:
        planned = held = missed = 0
        ratings: dict[str, dict[str, list[float]]] = {"usefulness": {}, "safety": {}, "progress": {}}
        for pair in pairs:
            session = next((s for s in pair.sessions if s.number == number and s.starts_at <= now), None)
            if session is None:
                continue
            planned += 1
            status = pair.effective_status(session, now)
            held += status == HELD
            missed += status == MISSED
            for c in pair.checkins_for(number):
                if c.usefulness is not None:
                    ratings["usefulness"].setdefault(c.respondent, []).append(c.usefulness)
                if c.safety is not None:
                    ratings["safety"].setdefault(c.respondent, []).append(c.safety)
                if c.goal_progress:
                    ratings["progress"].setdefault(c.respondent, []).append(fmean(c.goal_progress.values()))
        rows.append(
            SessionRow(
                number,
                planned,
                held,
                missed,
                _figure(ratings["usefulness"], min_group),
                _figure(ratings["safety"], min_group),
                _figure(ratings["progress"], min_group),
            )
        )
    return tuple(rows)


def _survey_value(answer: Any) -> float | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        return float(answer)
    if isinstance(answer, dict) and answer:
        return fmean(float(v) for v in answer.values())
    return None


def _survey_changes(answers: Iterable[tuple[str, str, dict[str, Any]]], min_group: int) -> tuple[SurveyChange, ...]:
    by: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(dict)
    for survey, person, items in answers:
        for item in SURVEY_ITEMS:
            value = _survey_value(items.get(item))
            if value is not None:
                by[(survey, item)].setdefault(person, []).append(value)
    changes = []
    for item in SURVEY_ITEMS:
        # Before/after compares the same people: those who answered both surveys.
        both = set(by[("baseline", item)]) & set(by[("end", item)])
        start = {p: v for p, v in by[("baseline", item)].items() if p in both}
        end = {p: v for p, v in by[("end", item)].items() if p in both}
        changes.append(SurveyChange(item, _figure(start, min_group), _figure(end, min_group)))
    return tuple(changes)


def _program_question(
    pairs: Sequence[PairFacts], question: ProgramQuestion | None, min_group: int
) -> ProgramQuestionResult | None:
    if question is None:
        return None
    if question.kind == "text":  # the answers stay with their authors: no figure, not even a count
        return ProgramQuestionResult(question.text, question.kind, Figure(None, 0))
    values: dict[str, list[float]] = {}
    for pair in pairs:
        for c in pair.checkins:
            if c.program_asked != question.text or c.program_answer is None:
                continue
            if isinstance(c.program_answer, bool) is (question.kind == "yes_no"):
                values.setdefault(c.respondent, []).append(float(c.program_answer))
    return ProgramQuestionResult(question.text, question.kind, _figure(values, min_group))


def _rehearsal(scores: Iterable[tuple[str, datetime, float]], min_group: int) -> tuple[Figure, Figure]:
    per_person: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for person, when, overall in scores:
        per_person[person].append((when, overall))
    grown = {p: sorted(v) for p, v in per_person.items() if len(v) >= 2}
    first = {p: [v[0][1]] for p, v in grown.items()}
    latest = {p: [v[-1][1]] for p, v in grown.items()}
    return _figure(first, min_group), _figure(latest, min_group)


def build_report(
    program: str,
    pairs: Sequence[PairFacts],
    now: datetime,
    *,
    min_group: int,
    survey_answers: Iterable[tuple[str, str, dict[str, Any]]] = (),
    rehearsal_scores: Iterable[tuple[str, datetime, float]] = (),
    program_question: ProgramQuestion | None = None,
) -> ProgramReport:
    """Aggregate a program's pairs, check-ins, surveys and rehearsal scores as of ``now``."""
    people = {person for pair in pairs for person in pair.people}
    active = {
        person
        for pair in pairs
        if any(pair.effective_status(s, now) == HELD for s in pair.past_sessions(now))
        for person in pair.people
    }
    sessions = _session_rows(pairs, now, min_group)
    first, latest = _rehearsal(rehearsal_scores, min_group)
    notes = (f"Averages over fewer than {min_group} people are hidden.",)
    return ProgramReport(
        program=program,
        generated_at=now,
        min_group=min_group,
        pairs=len(pairs),
        people=len(people),
        active_people=len(active),
        sessions_planned=sum(r.planned for r in sessions),
        sessions_held=sum(r.held for r in sessions),
        sessions=sessions,
        surveys=_survey_changes(survey_answers, min_group),
        rehearsal_first=first,
        rehearsal_latest=latest,
        notes=notes,
        program_question=_program_question(pairs, program_question, min_group),
    )
