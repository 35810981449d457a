"""The audit trail: who did what and when, and every refusal.

Each event is written in a transaction of its own, so a refused action that rolls back
still leaves its record. Call these outside any open write transaction.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from sqlalchemy import select

from coach.actors import Actor, Role, require_role
from coach.errors import PermissionDenied
from coach.storage.db import Database
from coach.storage.models import AuditEvent
from coach.storage.views import AuditEventView

log = logging.getLogger("coach.access")
MAX_TARGET_CHARS = 400
DEFAULT_EVENTS = 200


def record(
    db: Database,
    action: str,
    *,
    actor: Actor | None = None,
    label: str = "",
    target: str = "",
    detail: str = "",
    client: str = "",
) -> None:
    """Append one event (``label`` names who acted when no account is known)."""
    event = AuditEvent(
        actor_id=actor.account_id if actor else None,
        actor_label=actor.email if actor else label[:320],
        action=action,
        target=target[:MAX_TARGET_CHARS],
        detail=detail,
        client=client[:200],
    )
    with db.write() as session:
        session.add(event)


def deny(db: Database, actor: Actor | None, action: str, target: str, message: str) -> NoReturn:
    """Record and log a refusal, then raise ``PermissionDenied`` with ``message``."""
    who = actor.email if actor else "anonymous"
    log.warning("refused %s on %s for %s", action, target, who)
    record(db, "denied", actor=actor, label=who, target=target, detail=action)
    raise PermissionDenied(message)


def check_role(db: Database, actor: Actor | None, *roles: Role, action: str) -> Actor:
    """``require_role``, with the refusal recorded in the audit trail."""
    try:
        return require_role(actor, *roles, action=action)
    except PermissionDenied as exc:
        deny(db, actor, action, "role", exc.message)


def signed_in(db: Database, actor: Actor | None, action: str) -> Actor:
    """Any signed-in account (refusal recorded)."""
    return check_role(db, actor, *Role, action=action)


def list_events(
    db: Database, actor: Actor, limit: int = DEFAULT_EVENTS, action: str | None = None
) -> list[AuditEventView]:
    """The newest events first; administrators only."""
    check_role(db, actor, Role.ADMINISTRATOR, action="read the audit trail")
    with db.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEvent.action == action)
        return [
            AuditEventView(
                id=e.id,
                at=e.at,
                actor=e.actor_label,
                action=e.action,
                target=e.target,
                detail=e.detail,
                client=e.client,
            )
            for e in session.scalars(query)
        ]
