"""Tables for running a program: check-ins, survey answers and the nudge outbox.

They share the declarative base of ``coach.storage.models`` so one migration chain covers
every table. Pairs are referred to by id; the free-text note of a check-in is private to
its author and never leaves ``coach.operations.checkins`` except to that author.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.storage.models import Base, utcnow


class CheckIn(Base):
    """One person's pulse after one session (re-submitting replaces it)."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("pair_id", "session_number", "respondent", name="uq_checkins_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(Integer, index=True)
    session_number: Mapped[int] = mapped_column(Integer)
    respondent: Mapped[str] = mapped_column(String(320), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyResponse(Base):
    """One person's answers to the baseline, mid-program or end survey."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("program_id", "survey", "respondent", name="uq_survey_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(Integer, index=True)
    survey: Mapped[str] = mapped_column(String(16))
    respondent: Mapped[str] = mapped_column(String(320), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Nudge(Base):
    """A message recorded before it is sent; ``key`` makes each nudge unique for ever."""

    __tablename__ = "nudges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    pair_id: Mapped[int] = mapped_column(Integer, index=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    calendar: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
