"""One-time, expiring invitation links for an email and a role; password resets reuse them.

Only a hash of the token is stored. Accepting marks the link used in the same
transaction that creates the account, so a link works once even if two tabs race.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coach.accounts import audit
from coach.accounts.directory import actor_of, clean_email, clean_name, find_account
from coach.accounts.passwords import check_password, hash_password
from coach.accounts.signin import end_all_sessions
from coach.accounts.tokens import aware, new_token, token_hash
from coach.actors import PROGRAM_STAFF, Actor, Role
from coach.config import Settings
from coach.errors import InputError, SignInError
from coach.storage.db import Database
from coach.storage.models import Account, Invitation, utcnow
from coach.storage.views import IssuedInvitation

INVALID = "This invitation link does not work (it may have expired or been used already)."
INVALID_HINT = "Ask your coordinator for a new invitation."


def invitation_link(settings: Settings, token: str) -> str:
    """The address a person opens to accept an invitation."""
    return f"{settings.app_url.rstrip('/')}/?invite={quote(token)}"


def _issue(db: Database, email: str, role: Role, creator: Actor | None, settings: Settings) -> IssuedInvitation:
    token = new_token()
    expires = utcnow() + timedelta(hours=settings.invitation_hours)
    with db.write() as session:
        session.add(
            Invitation(
                token_hash=token_hash(token),
                email=email,
                role=role.value,
                created_by=creator.account_id if creator else None,
                expires_at=expires,
            )
        )
    return IssuedInvitation(
        email=email, role=role.value, token=token, link=invitation_link(settings, token), expires_at=expires
    )


def invite(db: Database, actor: Actor, email: str, role: Role, settings: Settings) -> IssuedInvitation:
    """An invitation for a new person; coordinators and administrators (only administrators invite administrators).

    Raises:
        InputError: a bad email, or an account with that email already exists.
        PermissionDenied: the actor may not invite, or not to that role.
    """
    audit.check_role(db, actor, *PROGRAM_STAFF, action="invite people")
    if role == Role.ADMINISTRATOR:
        audit.check_role(db, actor, Role.ADMINISTRATOR, action="invite administrators")
    address = clean_email(email)
    with db.read() as session:
        if find_account(session, address) is not None:
            raise InputError(f"{address} already has an account.", hint="Reset its password instead.")
    issued = _issue(db, address, role, actor, settings)
    audit.record(db, "invitation created", actor=actor, target=address, detail=role.value)
    return issued


def reset_link(db: Database, actor: Actor, account_id: int, settings: Settings) -> IssuedInvitation:
    """Clear an account's password, end its sign-ins and issue a one-time link to set a new one.

    Raises:
        InputError: no such account.
        PermissionDenied: not an administrator.
    """
    audit.check_role(db, actor, Role.ADMINISTRATOR, action="reset passwords")
    with db.write() as session:
        row = session.get(Account, account_id)
        if row is None:
            raise InputError(f"No account with id {account_id}.", hint="Check the list of accounts.")
        row.password_hash = None
        row.updated_at = utcnow()
        email, role = row.email, Role(row.role)
    end_all_sessions(db, account_id)
    issued = _issue(db, email, role, actor, settings).model_copy(update={"reset": True})
    audit.record(db, "password reset", actor=actor, target=email)
    return issued


def pending_invitation(session: Session, email: str) -> Invitation | None:
    """The newest unused, unexpired invitation for an email."""
    rows = session.scalars(
        select(Invitation).where(Invitation.email == email, Invitation.used_at.is_(None)).order_by(Invitation.id.desc())
    )
    now = utcnow()
    return next((r for r in rows if aware(r.expires_at) > now), None)


def claim_invitation(session: Session, row: Invitation) -> bool:
    """Mark an invitation used; False when another transaction used it first."""
    result = session.execute(
        update(Invitation).where(Invitation.id == row.id, Invitation.used_at.is_(None)).values(used_at=utcnow())
    )
    return getattr(result, "rowcount", 1) == 1


def accept(db: Database, token: str, display_name: str, password: str, settings: Settings, client: str = "") -> Actor:
    """Accept an invitation (a new account) or a reset link (a new password); returns the account.

    Raises:
        SignInError: the link is unknown, expired or used (one message for all three).
        InputError: a bad name or password (the link stays usable).
    """
    with db.read() as session:
        row = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token or "")))
    if row is None or row.used_at is not None or aware(row.expires_at) <= utcnow():
        reason = "unknown" if row is None else ("used" if row.used_at is not None else "expired")
        audit.record(db, "invitation refused", label=row.email if row else "", detail=reason, client=client)
        raise SignInError(INVALID, hint=INVALID_HINT)
    name = clean_name(display_name)
    check_password(password, settings.password_min_length, row.email)
    hashed = hash_password(password)
    with db.write() as session:
        if not claim_invitation(session, row):
            raise SignInError(INVALID, hint=INVALID_HINT)
        account = find_account(session, row.email)
        if account is None:
            account = Account(email=row.email, display_name=name, role=row.role, disabled=False)
            session.add(account)
        elif account.disabled:
            raise SignInError(INVALID, hint=INVALID_HINT)
        account.password_hash = hashed
        account.display_name = name
        account.updated_at = utcnow()
        session.flush()
        actor = actor_of(account)
    audit.record(db, "invitation accepted", actor=actor, detail=row.role, client=client)
    return actor
