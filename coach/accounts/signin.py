"""Local sign-in with back-off, and the tokens that keep a browser session signed in.

A browser session holds only a random token; the database keeps its hash, the account
and an expiry. Every page run turns the token back into an ``Actor`` from the database,
so editing the session state, disabling the account or signing out takes effect at once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from coach.accounts import audit, throttle
from coach.accounts.directory import actor_of, find_account
from coach.accounts.passwords import hash_password, needs_rehash, verify_password
from coach.accounts.tokens import aware, new_token, normal_email, token_hash
from coach.actors import Actor
from coach.config import Settings
from coach.errors import SignInError
from coach.storage.db import Database
from coach.storage.models import Account, SignInSession, utcnow

WRONG = "The email or password is not right, or the account cannot sign in."
WRONG_HINT = "Check both and try again; an administrator can reset your password."
MAX_TOKEN_CHARS = 200


def _slow_down(seconds: int) -> SignInError:
    minutes = max(1, round(seconds / 60))
    return SignInError(
        "Too many failed sign-ins.", hint=f"Wait about {minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


def authenticate(db: Database, email: str, password: str, settings: Settings, client: str = "") -> Actor:
    """The account for this email and password.

    Raises:
        SignInError: the same message for a wrong password, an unknown email and a disabled
            account; another while the back-off is in force (for any email).
    """
    pairs = throttle.keys(email, client)
    with db.read() as session:
        waiting = throttle.wait_seconds(session, pairs)
        row = find_account(session, email) if not waiting else None
        stored = row.password_hash if row is not None else None
    if waiting:
        audit.record(db, "sign-in throttled", label=normal_email(email), client=client)
        raise _slow_down(waiting)
    matches = verify_password(stored, password)  # also run for unknown emails: same time either way
    if row is None or not matches or row.disabled:
        reason = "unknown email" if row is None else ("disabled" if row.disabled else "wrong password")
        try:
            with db.write() as session:
                throttle.fail(session, pairs, settings)
        except IntegrityError:  # another failure for the same key was counted at the same moment
            with db.write() as session:
                throttle.fail(session, pairs, settings)
        audit.record(db, "sign-in failed", label=normal_email(email)[:320], detail=reason, client=client)
        raise SignInError(WRONG, hint=WRONG_HINT)
    with db.write() as session:
        throttle.clear(session, email)
        if stored and needs_rehash(stored):
            fresh = session.get(Account, row.id)
            if fresh is not None:
                fresh.password_hash = hash_password(password)
    actor = actor_of(row)
    audit.record(db, "signed in", actor=actor, detail="password", client=client)
    return actor


def start_session(db: Database, actor: Actor, settings: Settings) -> str:
    """A new session token for a signed-in account (the browser keeps it, we keep its hash)."""
    token = new_token()
    expires = utcnow() + timedelta(hours=settings.session_hours)
    with db.write() as session:
        session.add(SignInSession(token_hash=token_hash(token), account_id=actor.account_id, expires_at=expires))
    return token


def resolve_session(db: Database, token: object) -> Actor | None:
    """The account a session token belongs to, or None (unknown, expired, disabled or malformed)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    with db.read() as session:
        found = session.execute(
            select(SignInSession.expires_at, Account)
            .join(Account, Account.id == SignInSession.account_id)
            .where(SignInSession.token_hash == token_hash(token))
        ).first()
        if found is None:
            return None
        expires, row = found
        if aware(expires) <= utcnow() or row.disabled:
            return None
        return actor_of(row)


def end_session(db: Database, token: object) -> None:
    """Sign out: the token stops working everywhere."""
    if not isinstance(token, str) or not token:
        return
    actor = resolve_session(db, token)
    with db.write() as session:
        session.execute(delete(SignInSession).where(SignInSession.token_hash == token_hash(token)))
    if actor is not None:
        audit.record(db, "signed out", actor=actor)


def end_all_sessions(db: Database, account_id: int) -> None:
    """End every sign-in of one account (after a reset or a disable)."""
    with db.write() as session:
        session.execute(delete(SignInSession).where(SignInSession.account_id == account_id))
