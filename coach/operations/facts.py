"""Plain, immutable facts about a pair that the health rules, nudges and reports read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from coach.programs.views import ProgramView

HELD, MISSED, PLANNED, RESCHEDULED, UNCONFIRMED = "held", "missed", "planned", "rescheduled", "unconfirmed"


@dataclass(frozen=True)
class SessionFact:
    """One scheduled session of a pair (``starts_at`` is timezone-aware)."""

    number: int
    starts_at: datetime
    status: str = PLANNED
    minutes: int = 60


@dataclass(frozen=True)
class CheckinFact:
    """One person's pulse after one session; ratings are 1-5, goal progress 0-2.

    ``program_answer`` answers the program's own question worded ``program_asked`` (a
    rating or a yes/no; text answers never become facts).
    """

    session_number: int
    respondent: str
    submitted_at: datetime
    met: bool
    usefulness: int | None = None
    safety: int | None = None
    goal_progress: dict[str, int] = field(default_factory=dict)
    program_asked: str = ""
    program_answer: int | bool | None = None


@dataclass(frozen=True)
class PairFacts:
    """What the coordinator's rules know about one published pair.

    ``pair_id`` is the program match; ``agenda_pair_id`` is the record that holds the pair's
    agendas and notes, which the agenda page opens (None when unknown).
    """

    pair_id: int
    mentor: str
    mentee: str
    published_at: datetime
    sessions: tuple[SessionFact, ...] = ()
    checkins: tuple[CheckinFact, ...] = ()
    label: str = ""
    agenda_pair_id: int | None = None

    @property
    def people(self) -> tuple[str, str]:
        return (self.mentor, self.mentee)

    def checkins_for(self, number: int) -> list[CheckinFact]:
        return [c for c in self.checkins if c.session_number == number]

    def effective_status(self, session: SessionFact, now: datetime) -> str:
        """The recorded status, or what the check-ins say, or "unconfirmed" once it has passed."""
        if session.status in (HELD, MISSED, RESCHEDULED):
            return session.status
        answers = self.checkins_for(session.number)
        if answers:
            return HELD if any(c.met for c in answers) else MISSED
        return UNCONFIRMED if session.starts_at <= now else PLANNED

    def past_sessions(self, now: datetime) -> list[SessionFact]:
        """Sessions whose start has passed (rescheduled ones excluded), in order."""
        past = [s for s in self.sessions if s.starts_at <= now and s.status != RESCHEDULED]
        return sorted(past, key=lambda s: s.starts_at)

    def midpoint(self) -> datetime | None:
        """The start of the middle session of the schedule, if there is one."""
        ordered = sorted((s for s in self.sessions if s.status != RESCHEDULED), key=lambda s: s.starts_at)
        return ordered[(len(ordered) - 1) // 2].starts_at if ordered else None

    def quiet_since(self, grace: timedelta) -> datetime:
        """When "not meeting yet" starts to count: publishing, or the first session if it is later than ``grace``."""
        first = min((s.starts_at for s in self.sessions), default=self.published_at)
        return first if first - self.published_at > grace else self.published_at


@dataclass(frozen=True)
class Enrolled:
    """One participant of a program, by email, and the day they were enrolled."""

    email: str
    enrolled_on: date
    pair_id: int | None = None


@dataclass(frozen=True)
class SurveyFacts:
    """A program's survey calendar, its participants, and who has answered which survey.

    ``answered`` holds ``(survey, email)`` pairs; ``titles`` the surveys' names as participants see them.
    """

    program: ProgramView
    participants: tuple[Enrolled, ...] = ()
    answered: frozenset[tuple[str, str]] = frozenset()
    titles: tuple[tuple[str, str], ...] = ()

    def title(self, survey: str) -> str:
        return dict(self.titles).get(survey, survey)
