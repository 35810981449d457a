"""Plain read-only views returned by the repositories (never ORM objects)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SessionStatus = Literal["planned", "held"]


class PairView(BaseModel):
    """A mentoring pair."""

    id: int
    mentor: str
    mentee: str
    mentor_profile: str = ""
    mentee_profile: str = ""
    goals: str = ""
    program_sessions: int = 6

    @property
    def label(self) -> str:
        return f"{self.mentor} → {self.mentee}"


class ActionItemView(BaseModel):
    """An action item and the session it came from."""

    id: int
    session_number: int
    text: str
    done: bool


class SessionView(BaseModel):
    """One session of a pair."""

    id: int
    pair_id: int
    number: int
    status: SessionStatus
    agenda: dict[str, Any] | None = None
    notes: str = ""
    action_items: list[ActionItemView] = Field(default_factory=list)


class CarryOver(BaseModel):
    """What the next agenda picks up: the latest earlier notes and every open action item."""

    previous_number: int | None = None
    notes: str = ""
    open_actions: list[str] = Field(default_factory=list)


class AttemptView(BaseModel):
    """A practice attempt as its owner sees it (turns included)."""

    id: int
    owner: str
    persona: str
    difficulty: str
    turns: list[dict[str, Any]]
    scores: dict[str, float]
    overall: float | None
    created_at: datetime


class ReflectionView(BaseModel):
    """A saved reflection, shown only to its owner."""

    id: int
    owner: str
    text: str
    answers: dict[str, str]
    flags: list[dict[str, Any]]
    private: bool
    created_at: datetime


class QuestionView(BaseModel):
    """A saved question."""

    id: int
    pair_id: int | None
    text: str
    group: str
    why: str


class PairProgress(BaseModel):
    """Sessions held against planned for one pair (counts only)."""

    pair_id: int
    label: str
    planned_sessions: int
    held: int
    scheduled: int


class ScorePoint(BaseModel):
    """Average rubric scores of the attempts made on one day."""

    day: str
    attempts: int
    overall: float
    criteria: dict[str, float]


class ProgramSummary(BaseModel):
    """Everything a coordinator sees: counts and averages, never transcripts or reflections."""

    pairs: int
    sessions_planned: int
    sessions_held: int
    practice_attempts: int
    practitioners: int
    average_overall: float | None
    progress: list[PairProgress]
    scores_over_time: list[ScorePoint]
