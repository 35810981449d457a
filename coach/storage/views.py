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
    owner_id: int
    persona: str
    difficulty: str
    turns: list[dict[str, Any]]
    scores: dict[str, float]
    overall: float | None
    created_at: datetime


class ReflectionView(BaseModel):
    """A saved reflection, shown only to its owner."""

    id: int
    owner_id: int
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
    min_group_size: int = 1
    scores_hidden: bool = False


class AccountView(BaseModel):
    """An account as the people who run the program see it (no password hash)."""

    id: int
    email: str
    display_name: str
    role: str
    disabled: bool
    local_password: bool
    created_at: datetime


class IssuedInvitation(BaseModel):
    """A fresh invitation or reset link; the token exists only here, the database keeps its hash."""

    email: str
    role: str
    token: str
    link: str
    expires_at: datetime
    reset: bool = False


class AuditEventView(BaseModel):
    """One line of the audit trail."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str
    client: str


class ScorecardView(BaseModel):
    """A rehearsal's marks as shared: persona, scores and overall, never the transcript."""

    attempt_id: int
    owner_name: str
    persona: str
    difficulty: str
    scores: dict[str, float]
    overall: float | None
    turns: int
    created_at: datetime


class ShareView(BaseModel):
    """A live share of one scorecard with one account."""

    id: int
    attempt_id: int
    grantee_email: str
    grantee_name: str
    grantee_role: str
    created_at: datetime


class ReflectionShareView(BaseModel):
    """A live share of one reflection with one account."""

    id: int
    reflection_id: int
    grantee_email: str
    grantee_name: str
    grantee_role: str
    created_at: datetime


class SharedReflectionView(BaseModel):
    """A reflection as its owner or an account it is shared with reads it: text and answers."""

    reflection_id: int
    owner_name: str
    text: str
    answers: dict[str, str]
    created_at: datetime


class ErasureReport(BaseModel):
    """What deleting an account removed and what it kept without the person's identity."""

    account_id: int
    deleted: dict[str, int]
    anonymised: dict[str, int]
    kept: list[str] = Field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per kind of data, for the CLI and the app."""
        out = [f"deleted {n} {what}" for what, n in self.deleted.items()]
        out += [f"anonymised {n} {what}" for what, n in self.anonymised.items()]
        return out + [f"kept {what}" for what in self.kept]
