"""Tables of programs: participants, the coordinator's rules, proposed and published pairs, schedules, history.

They live on the same declarative ``Base`` as the rest of the app (migration ``0003``). A
published match links to a row of ``pairs``, so session notes, agendas and action items
use the existing tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.storage.models import Base, utcnow

EMAIL_CHARS = 320


class Program(Base):
    """A cohort: its dates, sessions and cadence, goals, topics, matching overrides and own check-in question."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    sessions: Mapped[int] = mapped_column(Integer, default=6)
    cadence_days: Mapped[int] = mapped_column(Integer, default=14)
    session_minutes: Mapped[int] = mapped_column(Integer, default=60)
    goals: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pulse_question: Mapped[str] = mapped_column(Text, default="", server_default="")
    pulse_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(EMAIL_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Participant(Base):
    """A person enrolled in a program, known by email until linked to an account."""

    __tablename__ = "program_participants"
    __table_args__ = (UniqueConstraint("program_id", "email", name="uq_participants_program_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(EMAIL_CHARS), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchRule(Base):
    """A coordinator's rule: ``never`` (two people), ``pin`` or ``forbid`` (a mentor and a mentee)."""

    __tablename__ = "program_rules"
    __table_args__ = (UniqueConstraint("program_id", "kind", "first", "second", name="uq_rules_program_kind_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    first: Mapped[str] = mapped_column(String(EMAIL_CHARS))
    second: Mapped[str] = mapped_column(String(EMAIL_CHARS))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Match(Base):
    """A proposed, published or ended mentor-mentee pair of a program, with its explanation."""

    __tablename__ = "program_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    mentor_email: Mapped[str] = mapped_column(String(EMAIL_CHARS), index=True)
    mentee_email: Mapped[str] = mapped_column(String(EMAIL_CHARS), index=True)
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    why: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pinned: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"), nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ScheduledSession(Base):
    """One planned session of a published match: when, and whether it was held, missed or moved."""

    __tablename__ = "program_sessions"
    __table_args__ = (UniqueConstraint("match_id", "number", name="uq_program_sessions_match_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("program_matches.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProgramEvent(Base):
    """History: what happened to a program or one of its matches, who did it and why."""

    __tablename__ = "program_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("program_matches.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(EMAIL_CHARS), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
