"""Right to erasure: deleting an account deletes its private data and anonymises its trail.

Deleted: rehearsals (transcripts and marks), reflections, saved questions, shares made
or received, check-ins and survey answers, nudges addressed to the person, sign-in
sessions and throttling, and unused invitations for the address.
Anonymised: audit events keep what happened and when, with the person replaced by
"erased account #id". Kept: pairs and session notes name people as typed by a
coordinator; they are program records, listed in the report so they can be edited.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from coach.accounts import audit, throttle
from coach.actors import Actor, Role
from coach.errors import InputError
from coach.operations.models import CheckIn, Nudge, SurveyResponse
from coach.storage.db import Database
from coach.storage.models import (
    Account,
    AuditEvent,
    Invitation,
    Pair,
    PracticeAttempt,
    ReflectionEntry,
    ReflectionShare,
    SavedQuestion,
    ScorecardShare,
    SignInSession,
    SignInThrottle,
)
from coach.storage.views import ErasureReport


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def _erase(session: Session, row: Account) -> ErasureReport:
    aid, email = row.id, row.email
    owned = {
        "scorecard shares": (ScorecardShare, or_(ScorecardShare.owner_id == aid, ScorecardShare.grantee_id == aid)),
        "reflection shares": (ReflectionShare, or_(ReflectionShare.owner_id == aid, ReflectionShare.grantee_id == aid)),
        "rehearsals": (PracticeAttempt, PracticeAttempt.owner_id == aid),
        "reflections": (ReflectionEntry, ReflectionEntry.owner_id == aid),
        "saved questions": (SavedQuestion, SavedQuestion.owner_id == aid),
        "sign-in sessions": (SignInSession, SignInSession.account_id == aid),
        "pending invitations": (Invitation, Invitation.email == email),
        "check-ins (with their private notes)": (CheckIn, CheckIn.respondent == email),
        "survey answers": (SurveyResponse, SurveyResponse.respondent == email),
        "nudges addressed to the account": (Nudge, Nudge.recipient == email),
    }
    deleted: dict[str, int] = {}
    for what, (model, condition) in owned.items():
        deleted[what] = _count(session, model, condition)
        session.execute(delete(model).where(condition))  # type: ignore[arg-type]
    ((kind, key),) = throttle.keys(email, "")
    session.execute(delete(SignInThrottle).where(SignInThrottle.kind == kind, SignInThrottle.key == key))
    label = f"erased account #{aid}"
    mentions = or_(
        AuditEvent.actor_id == aid,
        AuditEvent.actor_label == email,
        AuditEvent.target.contains(email),
        AuditEvent.detail.contains(email),
    )
    anonymised = _count(session, AuditEvent, mentions)
    session.execute(update(AuditEvent).where(mentions).values(actor_label=label, target=label, detail=""))
    session.execute(update(Invitation).where(Invitation.created_by == aid).values(created_by=None))
    session.delete(row)
    names = row.display_name
    kept = []
    pairs = _count(session, Pair, or_(Pair.mentor == names, Pair.mentee == names))
    if pairs:
        kept.append(f"{pairs} pair(s) whose mentor or mentee is named '{names}' (program records; edit them by hand)")
    return ErasureReport(
        account_id=aid, deleted=deleted, anonymised={"audit events": anonymised, "account": 1}, kept=kept
    )


def delete_account(db: Database, actor: Actor, account_id: int) -> ErasureReport:
    """Delete an account and its private data; the person themselves or an administrator.

    Raises:
        PermissionDenied: anyone else.
        InputError: no such account, or the last administrator.
    """
    if actor.account_id != account_id:
        audit.check_role(db, actor, Role.ADMINISTRATOR, action="delete other people's accounts")
    with db.write() as session:
        row = session.get(Account, account_id)
        if row is None:
            raise InputError(f"No account with id {account_id}.", hint="Check the list of accounts.")
        admins = _count(session, Account, Account.role == Role.ADMINISTRATOR.value)
        if row.role == Role.ADMINISTRATOR.value and admins <= 1:
            raise InputError("This is the only administrator.", hint="Make someone else an administrator first.")
        report = _erase(session, row)
    audit.record(
        db,
        "account deleted",
        actor=actor if actor.account_id != account_id else None,
        label=f"erased account #{account_id}",
        target=f"erased account #{account_id}",
        detail="; ".join(report.lines()),
    )
    return report
