"""Read-only views of programs returned by the repository (never ORM objects)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from coach.programs.profiles import Profile

MatchState = Literal["proposed", "published", "ended"]
SessionState = Literal["planned", "held", "missed", "rescheduled"]
RuleKind = Literal["never", "pin", "forbid"]


class ProgramView(BaseModel):
    """A program (cohort) as the coordinator set it up."""

    id: int
    name: str
    starts_on: date
    ends_on: date | None = None
    sessions: int
    cadence_days: int
    session_minutes: int
    goals: str = ""
    topics: list[str] = Field(default_factory=list)
    weights: dict[str, Any] = Field(default_factory=dict)


class ParticipantView(BaseModel):
    """An enrolled person and their intake profile."""

    id: int
    program_id: int
    email: str
    account_id: int | None = None
    profile: Profile


class RuleView(BaseModel):
    """A never-pair, pin or forbid rule."""

    id: int
    kind: RuleKind
    first: str
    second: str


class SessionPlanView(BaseModel):
    """One scheduled session of a published pair."""

    number: int
    starts_at: datetime | None
    minutes: int
    status: SessionState
    reason: str = ""


class MatchView(BaseModel):
    """A pair of a program with its explanation and, once published, its schedule."""

    id: int
    program_id: int
    mentor: str
    mentee: str
    mentor_name: str = ""
    mentee_name: str = ""
    score: float
    components: dict[str, float]
    why: list[str]
    pinned: bool = False
    state: MatchState
    pair_id: int | None = None
    end_reason: str = ""
    sessions: list[SessionPlanView] = Field(default_factory=list)


class EventView(BaseModel):
    """One line of a program's history."""

    kind: str
    detail: str
    actor: str
    at: datetime
    match_id: int | None = None


class PairChange(BaseModel):
    """How one mentee's pair differs between two matchings."""

    mentee: str
    before: str | None
    after: str | None
    score_before: float | None
    score_after: float | None


class WeightsPreview(BaseModel):
    """The matching under new weights next to the current one."""

    total_before: float
    total_after: float
    changes: list[PairChange]
    unchanged: int
