"""Sharing one rehearsal's scorecard (marks, never the transcript) with one account, and revoking it.

A mentor may share with a senior mentee (their pair) or a coordinator. Only the owner
shares and revokes; a grantee reads the marks while the share lasts. ``check_grantee``
and ``revoke_owned`` also serve ``reflection_sharing``.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select

from coach.accounts import audit
from coach.accounts.directory import find_account
from coach.actors import Actor, Role
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import Account, PracticeAttempt, ReflectionShare, ScorecardShare
from coach.storage.views import ScorecardView, ShareView

SHARE_WITH = (Role.MENTEE, Role.COORDINATOR)


def _scorecard(row: PracticeAttempt, owner_name: str) -> ScorecardView:
    return ScorecardView(
        attempt_id=row.id,
        owner_name=owner_name,
        persona=row.persona,
        difficulty=row.difficulty,
        scores={k: float(v) for k, v in row.scores.items()},
        overall=row.overall,
        turns=row.turn_count,
        created_at=row.created_at,
    )


def check_grantee(grantee: Account | None, actor: Actor, roles: Collection[Role], message: str) -> Account:
    """The grantee's account when it exists, is active, holds one of ``roles`` and is not the actor.

    Raises:
        InputError: otherwise, with ``message``.
    """
    if grantee is None or grantee.disabled or Role(grantee.role) not in roles or grantee.id == actor.account_id:
        raise InputError(message, hint="Check the email address.")
    return grantee


def revoke_owned(
    db: Database, actor: Actor, model: type[ScorecardShare] | type[ReflectionShare], share_id: int, target: str
) -> None:
    """Delete share ``share_id`` of ``model`` when the actor made it; record the revocation.

    Raises:
        PermissionDenied: not the actor's share (or no such share); the refusal is recorded.
    """
    with db.write() as session:
        result = session.execute(delete(model).where(model.id == share_id, model.owner_id == actor.account_id))
        removed = getattr(result, "rowcount", 1)
    if not removed:
        audit.deny(db, actor, "revoke a share", target, "You can only revoke your own shares.")
    audit.record(db, "share revoked", actor=actor, target=target)


def share_scorecard(db: Database, actor: Actor, attempt_id: int, grantee_email: str) -> ShareView:
    """Let one account see the scorecard of one of the actor's rehearsals.

    Raises:
        PermissionDenied: not the actor's rehearsal (or no such rehearsal).
        InputError: no such account, or one that is not a senior mentee or coordinator.
    """
    audit.signed_in(db, actor, "share a scorecard")
    with db.read() as session:
        attempt = session.get(PracticeAttempt, attempt_id)
        grantee = find_account(session, grantee_email)
    if attempt is None or attempt.owner_id != actor.account_id:
        audit.deny(db, actor, "share a scorecard", f"attempt {attempt_id}", "You can only share your own rehearsals.")
    grantee = check_grantee(
        grantee,
        actor,
        SHARE_WITH,
        "A scorecard can be shared with a senior mentee or a coordinator who has an account.",
    )
    with db.write() as session:
        existing = session.scalar(
            select(ScorecardShare).where(
                ScorecardShare.attempt_id == attempt_id, ScorecardShare.grantee_id == grantee.id
            )
        )
        row = existing or ScorecardShare(attempt_id=attempt_id, owner_id=actor.account_id, grantee_id=grantee.id)
        session.add(row)
        session.flush()
        view = ShareView(
            id=row.id,
            attempt_id=attempt_id,
            grantee_email=grantee.email,
            grantee_name=grantee.display_name,
            grantee_role=grantee.role,
            created_at=row.created_at,
        )
    audit.record(db, "scorecard shared", actor=actor, target=f"attempt {attempt_id}", detail=grantee.email)
    return view


def revoke_share(db: Database, actor: Actor, share_id: int) -> None:
    """Stop a share; only the owner of the rehearsal may.

    Raises:
        PermissionDenied: not the actor's share (or no such share).
    """
    audit.signed_in(db, actor, "revoke a share")
    revoke_owned(db, actor, ScorecardShare, share_id, f"share {share_id}")


def my_shares(db: Database, actor: Actor) -> list[ShareView]:
    """The shares the actor has made, newest first."""
    audit.signed_in(db, actor, "list shares")
    with db.read() as session:
        rows = session.execute(
            select(ScorecardShare, Account)
            .join(Account, Account.id == ScorecardShare.grantee_id)
            .where(ScorecardShare.owner_id == actor.account_id)
            .order_by(ScorecardShare.id.desc())
        ).all()
        return [
            ShareView(
                id=s.id,
                attempt_id=s.attempt_id,
                grantee_email=a.email,
                grantee_name=a.display_name,
                grantee_role=a.role,
                created_at=s.created_at,
            )
            for s, a in rows
        ]


def shared_with_me(db: Database, actor: Actor) -> list[ScorecardView]:
    """Scorecards others have shared with the actor (marks only)."""
    audit.signed_in(db, actor, "read shared scorecards")
    with db.read() as session:
        rows = session.execute(
            select(PracticeAttempt, Account.display_name)
            .join(ScorecardShare, ScorecardShare.attempt_id == PracticeAttempt.id)
            .join(Account, Account.id == PracticeAttempt.owner_id)
            .where(ScorecardShare.grantee_id == actor.account_id)
            .order_by(PracticeAttempt.id.desc())
        ).all()
        return [_scorecard(row, name) for row, name in rows]


def get_scorecard(db: Database, actor: Actor, attempt_id: int) -> ScorecardView:
    """One rehearsal's marks, for its owner or an account it is shared with.

    Raises:
        PermissionDenied: anyone else, and for ids that do not exist.
    """
    audit.signed_in(db, actor, "read a scorecard")
    with db.read() as session:
        row = session.get(PracticeAttempt, attempt_id)
        shared = (
            row is not None
            and session.scalar(
                select(ScorecardShare.id).where(
                    ScorecardShare.attempt_id == attempt_id, ScorecardShare.grantee_id == actor.account_id
                )
            )
            is not None
        )
        owner = session.get(Account, row.owner_id) if row is not None and row.owner_id is not None else None
    if row is None or owner is None or not (row.owner_id == actor.account_id or shared):
        audit.deny(db, actor, "read a scorecard", f"attempt {attempt_id}", "This scorecard is not shared with you.")
    return _scorecard(row, owner.display_name)
