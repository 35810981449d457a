"""Sharing one saved reflection with one account, and revoking it.

Reflections stay private unless their owner shares one. Only the owner shares and
revokes; the grantee, a junior mentor or senior mentee other than the owner, reads the
text and answers while the share lasts. Coordinators and administrators never read
reflection text, so a reflection cannot be shared with them.
"""

from __future__ import annotations

from sqlalchemy import select

from coach.accounts import audit
from coach.accounts.directory import find_account
from coach.accounts.sharing import check_grantee, revoke_owned
from coach.actors import PROGRAM_STAFF, Actor, Role
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import Account, ReflectionEntry, ReflectionShare
from coach.storage.views import ReflectionShareView, SharedReflectionView

SHARE_WITH = (Role.MENTOR, Role.MENTEE)


def _shared(row: ReflectionEntry, owner_name: str) -> SharedReflectionView:
    return SharedReflectionView(
        reflection_id=row.id,
        owner_name=owner_name,
        text=row.text,
        answers={str(k): str(v) for k, v in row.answers.items()},
        created_at=row.created_at,
    )


def _share_view(share: ReflectionShare, grantee: Account) -> ReflectionShareView:
    return ReflectionShareView(
        id=share.id,
        reflection_id=share.reflection_id,
        grantee_email=grantee.email,
        grantee_name=grantee.display_name,
        grantee_role=grantee.role,
        created_at=share.created_at,
    )


def _check_reflection_grantee(grantee: Account | None, actor: Actor) -> Account:
    """The grantee's account: an active junior mentor or senior mentee who is not the owner.

    Raises:
        InputError: a coordinator or administrator, or any other account that may not read it.
    """
    if grantee is not None and Role(grantee.role) in PROGRAM_STAFF:
        raise InputError(
            "Coordinators and administrators never read reflections, so a reflection cannot be shared with them.",
            hint="Share it with a junior mentor or a senior mentee.",
        )
    return check_grantee(
        grantee,
        actor,
        SHARE_WITH,
        "A reflection can be shared with another junior mentor or senior mentee who has an account.",
    )


def share_reflection(db: Database, actor: Actor, reflection_id: int, grantee_email: str) -> ReflectionShareView:
    """Let one junior mentor or senior mentee read one of the actor's saved reflections.

    Sharing the same reflection with the same account again keeps the one share.

    Raises:
        PermissionDenied: not the actor's reflection (or no such reflection); recorded.
        InputError: no such active account, the actor themselves, a coordinator or an administrator.
    """
    audit.signed_in(db, actor, "share a reflection")
    with db.read() as session:
        reflection = session.get(ReflectionEntry, reflection_id)
        grantee = find_account(session, grantee_email)
    if reflection is None or reflection.owner_id != actor.account_id:
        audit.deny(
            db, actor, "share a reflection", f"reflection {reflection_id}", "You can only share your own reflections."
        )
    grantee = _check_reflection_grantee(grantee, actor)
    with db.write() as session:
        existing = session.scalar(
            select(ReflectionShare).where(
                ReflectionShare.reflection_id == reflection_id, ReflectionShare.grantee_id == grantee.id
            )
        )
        row = existing or ReflectionShare(reflection_id=reflection_id, owner_id=actor.account_id, grantee_id=grantee.id)
        session.add(row)
        session.flush()
        view = _share_view(row, grantee)
    audit.record(db, "reflection shared", actor=actor, target=f"reflection {reflection_id}", detail=grantee.email)
    return view


def revoke_reflection_share(db: Database, actor: Actor, share_id: int) -> None:
    """Stop a reflection share; only the owner of the reflection may.

    Raises:
        PermissionDenied: not the actor's share (or no such share); recorded.
    """
    audit.signed_in(db, actor, "revoke a share")
    revoke_owned(db, actor, ReflectionShare, share_id, f"reflection share {share_id}")


def my_reflection_shares(db: Database, actor: Actor) -> list[ReflectionShareView]:
    """The reflection shares the actor has made, newest first."""
    audit.signed_in(db, actor, "list shares")
    with db.read() as session:
        rows = session.execute(
            select(ReflectionShare, Account)
            .join(Account, Account.id == ReflectionShare.grantee_id)
            .where(ReflectionShare.owner_id == actor.account_id)
            .order_by(ReflectionShare.id.desc())
        ).all()
        return [_share_view(share, grantee) for share, grantee in rows]


def reflections_shared_with_me(db: Database, actor: Actor) -> list[SharedReflectionView]:
    """Reflections others have shared with the actor, newest first."""
    audit.signed_in(db, actor, "read shared reflections")
    with db.read() as session:
        rows = session.execute(
            select(ReflectionEntry, Account.display_name)
            .join(ReflectionShare, ReflectionShare.reflection_id == ReflectionEntry.id)
            .join(Account, Account.id == ReflectionEntry.owner_id)
            .where(ReflectionShare.grantee_id == actor.account_id)
            .order_by(ReflectionEntry.id.desc())
        ).all()
        return [_shared(row, name) for row, name in rows]


def get_reflection(db: Database, actor: Actor, reflection_id: int) -> SharedReflectionView:
    """One reflection's text and answers, for its owner or an account it is shared with.

    Raises:
        PermissionDenied: anyone else, and for ids that do not exist; recorded.
    """
    audit.signed_in(db, actor, "read a reflection")
    with db.read() as session:
        row = session.get(ReflectionEntry, reflection_id)
        shared = (
            row is not None
            and session.scalar(
                select(ReflectionShare.id).where(
                    ReflectionShare.reflection_id == reflection_id, ReflectionShare.grantee_id == actor.account_id
                )
            )
            is not None
        )
        owner = session.get(Account, row.owner_id) if row is not None and row.owner_id is not None else None
    if row is None or owner is None or not (row.owner_id == actor.account_id or shared):
        audit.deny(
            db, actor, "read a reflection", f"reflection {reflection_id}", "This reflection is not shared with you."
        )
    return _shared(row, owner.display_name)
