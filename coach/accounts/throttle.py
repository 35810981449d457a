"""Back-off after failed sign-ins, per account and per client, kept in the database.

The account key is a hash of the email typed, whether or not such an account exists, so
the delay (and the message) is the same for a real account and an unknown one.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coach.accounts.tokens import aware, normal_email, token_hash
from coach.config import Settings
from coach.storage.models import SignInThrottle, utcnow

ACCOUNT = "account"
CLIENT = "client"


def keys(email: str, client: str) -> list[tuple[str, str]]:
    """The (kind, key) pairs one sign-in attempt counts against."""
    found = [(ACCOUNT, token_hash("account:" + normal_email(email)))]
    if client:
        found.append((CLIENT, token_hash("client:" + client)))
    return found


def wait_seconds(session: Session, pairs: list[tuple[str, str]], now: datetime | None = None) -> int:
    """Seconds until any of these keys may try again (0: now)."""
    now = now or utcnow()
    longest = 0.0
    for kind, key in pairs:
        row = session.scalar(select(SignInThrottle).where(SignInThrottle.kind == kind, SignInThrottle.key == key))
        if row is not None and row.locked_until is not None:
            longest = max(longest, (aware(row.locked_until) - now).total_seconds())
    return math.ceil(longest) if longest > 0 else 0


def delay_after(failures: int, settings: Settings) -> float:
    """The delay imposed after ``failures`` consecutive failures (doubling past the free ones)."""
    if failures < settings.signin_free_failures:
        return 0.0
    steps = failures - settings.signin_free_failures
    return float(min(settings.signin_backoff_max_seconds, settings.signin_backoff_seconds * 2 ** min(steps, 30)))


def fail(session: Session, pairs: list[tuple[str, str]], settings: Settings, now: datetime | None = None) -> None:
    """Count one failure against each key and set its next allowed time."""
    now = now or utcnow()
    for kind, key in pairs:
        row = session.scalar(select(SignInThrottle).where(SignInThrottle.kind == kind, SignInThrottle.key == key))
        if row is None:
            row = SignInThrottle(kind=kind, key=key, failures=0)
            session.add(row)
        row.failures += 1
        delay = delay_after(row.failures, settings)
        row.locked_until = now + timedelta(seconds=delay) if delay else None
        row.updated_at = now


def clear(session: Session, email: str) -> None:
    """Forget the failures of this account key (after a good sign-in)."""
    ((kind, key),) = keys(email, "")
    session.execute(delete(SignInThrottle).where(SignInThrottle.kind == kind, SignInThrottle.key == key))
