"""Facts for the rules and reports, read from a program's published pairs.

A pair's id here is its program match id. These readers return no free text (no notes,
no profiles), and are only called by ``coach.operations.program`` after its role checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from coach.operations.checkins import pair_facts_checkins
from coach.operations.facts import Enrolled, PairFacts, SessionFact, SurveyFacts
from coach.operations.models import SurveyResponse
from coach.programs.models import Match, Participant, Program, ScheduledSession
from coach.programs.repository import program_view
from coach.storage.db import Database

ACTIVE = ("published",)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def program_pair_facts(db: Database, program_id: int | None = None) -> list[PairFacts]:
    """Every published pair (of one program, or of all), with its schedule and check-ins."""
    with db.read() as session:
        query = select(Match).where(Match.state.in_(ACTIVE)).order_by(Match.id)
        if program_id is not None:
            query = query.where(Match.program_id == program_id)
        matches = list(session.scalars(query))
        ids = [m.id for m in matches]
        sessions = list(session.scalars(select(ScheduledSession).where(ScheduledSession.match_id.in_(ids))))
        names = dict(session.execute(select(Participant.email, Participant.name)).tuples().all())
    checkins = pair_facts_checkins(db, ids)
    facts = []
    for match in matches:
        own = sorted(
            (s for s in sessions if s.match_id == match.id and s.starts_at is not None), key=lambda s: s.number
        )
        facts.append(
            PairFacts(
                pair_id=match.id,
                mentor=match.mentor_email,
                mentee=match.mentee_email,
                published_at=_aware(match.published_at or match.created_at),
                sessions=tuple(
                    SessionFact(s.number, _aware(s.starts_at), s.status, s.minutes)  # type: ignore[arg-type]
                    for s in own
                ),
                checkins=checkins.get(match.id, ()),
                label=f"{names.get(match.mentor_email, match.mentor_email)} & {names.get(match.mentee_email, match.mentee_email)}",
                agenda_pair_id=match.pair_id,
            )
        )
    return facts


def program_survey_facts(db: Database, titles: dict[str, str] | None = None) -> list[SurveyFacts]:
    """Every program's survey calendar, its participants (with their published pair) and who answered what.

    Only emails, enrolment days and which survey was answered are read, never the answers.
    """
    with db.read() as session:
        programs = list(session.scalars(select(Program).order_by(Program.id)))
        people = list(session.scalars(select(Participant).order_by(Participant.id)))
        pairs = (
            session.execute(
                select(Match.program_id, Match.mentor_email, Match.mentee_email, Match.id).where(
                    Match.state.in_(ACTIVE)
                )
            )
            .tuples()
            .all()
        )
        answered = (
            session.execute(select(SurveyResponse.program_id, SurveyResponse.survey, SurveyResponse.respondent))
            .tuples()
            .all()
        )
        views = [program_view(p) for p in programs]
    pair_of = {(pid, email): mid for pid, mentor, mentee, mid in pairs for email in (mentor, mentee)}
    return [
        SurveyFacts(
            program=view,
            participants=tuple(
                Enrolled(p.email, _aware(p.created_at).date(), pair_of.get((view.id, p.email)))
                for p in people
                if p.program_id == view.id
            ),
            answered=frozenset((survey, who) for pid, survey, who in answered if pid == view.id),
            titles=tuple((titles or {}).items()),
        )
        for view in views
    ]


def pair_members(db: Database) -> Callable[[int], tuple[str, str] | None]:
    """A lookup of a published pair's two emails, for check-in permission checks."""

    def members(pair_id: int) -> tuple[str, str] | None:
        with db.read() as session:
            match = session.get(Match, pair_id)
        if match is None or match.state not in ("published", "ended"):
            return None
        return (match.mentor_email, match.mentee_email)

    return members


def enrolled(db: Database) -> Callable[[int, str], bool]:
    """Whether an email is enrolled in a program, for survey permission checks."""

    def check(program_id: int, email: str) -> bool:
        with db.read() as session:
            found = session.scalar(
                select(Participant.id).where(Participant.program_id == program_id, Participant.email == email.lower())
            )
        return found is not None

    return check
