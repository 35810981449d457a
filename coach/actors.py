"""Who is acting: the account and role every read of personal data is checked against.

Every repository function that reads or writes personal data takes an ``Actor`` and checks
it inside ``coach``; the app and the CLI only say who is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from coach.errors import PermissionDenied


class Role(StrEnum):
    """The four roles of a program."""

    ADMINISTRATOR = "administrator"
    COORDINATOR = "coordinator"
    MENTOR = "junior mentor"
    MENTEE = "senior mentee"


PROGRAM_STAFF = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})


@dataclass(frozen=True)
class Actor:
    """A signed-in account: its id owns private rows; its role decides what it may do."""

    account_id: int
    email: str
    display_name: str
    role: Role

    @property
    def is_staff(self) -> bool:
        """Coordinators and administrators run the program (never readers of private items)."""
        return self.role in PROGRAM_STAFF


def require_role(actor: Actor | None, *roles: Role, action: str = "do this") -> Actor:
    """Return ``actor`` when it holds one of ``roles``; raise ``PermissionDenied`` otherwise."""
    if actor is None:
        raise PermissionDenied(f"Sign in to {action}.")
    if actor.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"Only a {allowed} may {action}.")
    return actor
