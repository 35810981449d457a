"""The nudge outbox: record first, claim atomically, send, then mark.

- ``record`` inserts drafts whose key is new and ignores the rest, so planning twice, or on
  two servers at once, never records a nudge twice.
- ``send_due`` claims one row at a time with a conditional UPDATE (only one process can win
  it), sends it, and marks it sent. A failed send is retried later with a doubling delay and,
  after ``max_attempts``, reported as failed.
- A claim left behind by a crash mid-send is ambiguous (the server may have accepted the
  message). It is never resent automatically: it becomes "uncertain" and is reported, and
  an operator may resend it explicitly. That is how "never twice" and "never lost" both hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from coach.operations.mailer import Mailer
from coach.operations.models import Nudge
from coach.operations.planner import NudgeDraft
from coach.operations.rules import NudgeRules
from coach.storage.db import Database

PENDING, SENDING, SENT, RETRY, FAILED, UNCERTAIN = "pending", "sending", "sent", "retry", "failed", "uncertain"


@dataclass
class PassReport:
    """What one pass of the sender did, for the CLI, the app and the logs."""

    recorded: int = 0
    sent: int = 0
    retrying: int = 0
    failed: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.recorded} recorded", f"{self.sent} sent", f"{self.retrying} to retry"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed for good")
        if self.uncertain:
            parts.append(f"{len(self.uncertain)} uncertain (interrupted mid-send, not resent)")
        return ", ".join(parts)


CalendarFor = Callable[[NudgeDraft], str]


def record(db: Database, drafts: Iterable[NudgeDraft], now: datetime, calendar_for: CalendarFor | None = None) -> int:
    """Insert drafts whose key is not recorded yet; return how many were new."""
    new = 0
    for draft in drafts:
        with db.read() as session:
            if session.scalar(select(Nudge.id).where(Nudge.key == draft.key)) is not None:
                continue
        row = Nudge(
            key=draft.key,
            kind=draft.kind,
            pair_id=draft.pair_id,
            recipient=draft.recipient,
            subject=draft.subject,
            body=draft.body,
            calendar=calendar_for(draft) if calendar_for else "",
            status=PENDING,
            attempts=0,
            last_error="",
            created_at=now,
            next_attempt_at=now,
        )
        try:
            with db.write() as session:
                session.add(row)
        except IntegrityError:  # another process recorded the same key a moment ago
            continue
        new += 1
    return new


def _claim(db: Database, nudge_id: int, now: datetime) -> bool:
    with db.write() as session:
        result = session.execute(
            update(Nudge)
            .where(Nudge.id == nudge_id, Nudge.status.in_((PENDING, RETRY)), Nudge.next_attempt_at <= now)
            .values(status=SENDING, claimed_at=now, attempts=Nudge.attempts + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _mark_interrupted(db: Database, now: datetime, lease: timedelta, report: PassReport) -> None:
    with db.write() as session:
        stale = session.scalars(select(Nudge).where(Nudge.status == SENDING, Nudge.claimed_at <= now - lease)).all()
        for row in stale:
            row.status = UNCERTAIN
            row.last_error = "The sender stopped while sending; check the recipient's mailbox before resending."
            report.uncertain.append(row.key)


def _after_failure(db: Database, nudge_id: int, error: Exception, now: datetime, rules: NudgeRules) -> str:
    with db.write() as session:
        row = session.get(Nudge, nudge_id)
        assert row is not None
        row.last_error = f"{error.__class__.__name__}: {error}"[:1000]
        if row.attempts >= rules.max_attempts:
            row.status = FAILED
        else:
            row.status = RETRY
            row.next_attempt_at = now + timedelta(minutes=rules.retry_minutes * 2 ** (row.attempts - 1))
        return row.status


def send_due(
    db: Database, mailer: Mailer, now: datetime, rules: NudgeRules, report: PassReport | None = None
) -> PassReport:
    """Send every recorded nudge that is due; each row is sent by at most one process."""
    report = report or PassReport()
    _mark_interrupted(db, now, timedelta(minutes=rules.sending_lease_minutes), report)
    with db.read() as session:
        due = session.scalars(
            select(Nudge).where(Nudge.status.in_((PENDING, RETRY)), Nudge.next_attempt_at <= now).order_by(Nudge.id)
        ).all()
    for row in due:
        if not _claim(db, row.id, now):
            continue  # another sender took it
        try:
            mailer.send(row.recipient, row.subject, row.body, row.key, row.calendar)
        except Exception as exc:  # any transport failure is recorded, never lost
            status = _after_failure(db, row.id, exc, now, rules)
            if status == FAILED:
                report.failed.append(row.key)
            else:
                report.retrying += 1
            continue
        with db.write() as session:
            session.execute(update(Nudge).where(Nudge.id == row.id).values(status=SENT, sent_at=now, last_error=""))
        report.sent += 1
    return report


def resend(db: Database, key: str, now: datetime) -> bool:
    """Put an uncertain or failed nudge back in the queue (an operator's explicit choice)."""
    with db.write() as session:
        result = session.execute(
            update(Nudge)
            .where(Nudge.key == key, Nudge.status.in_((UNCERTAIN, FAILED)))
            .values(status=RETRY, next_attempt_at=now, attempts=0)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def rows(db: Database, *, recipient: str | None = None, status: str | None = None) -> list[Nudge]:
    """Outbox rows, newest first, optionally for one recipient or status."""
    query = select(Nudge).order_by(Nudge.created_at.desc(), Nudge.id.desc())
    if recipient is not None:
        query = query.where(Nudge.recipient == recipient)
    if status is not None:
        query = query.where(Nudge.status == status)
    with db.read() as session:
        return list(session.scalars(query).all())
