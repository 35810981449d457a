"""Company sign-in: an identity provider's verified email mapped to an account and its role.

An email that already has an account signs in as that account. An email with a pending
invitation gets its account (no local password) and the invited role. Any other email is
refused: the identity provider says who someone is, the coach's accounts say what they may do.
"""

from __future__ import annotations

from coach.accounts import audit
from coach.accounts.directory import actor_of, clean_email, find_account
from coach.accounts.invitations import claim_invitation, pending_invitation
from coach.actors import Actor
from coach.errors import SignInError
from coach.storage.db import Database
from coach.storage.models import Account

NO_ACCESS_HINT = "Ask a coordinator to invite this email address."


def actor_for_identity(
    db: Database, email: str | None, name: str | None = None, verified: bool | None = None, client: str = ""
) -> Actor:
    """The account for a company identity.

    Args:
        email: the ``email`` claim of the ID token.
        name: the ``name`` claim, used as display name for a new account.
        verified: the ``email_verified`` claim; False is refused.

    Raises:
        SignInError: no email, an unverified email, a disabled account, or no account or invitation.
    """
    if not email or verified is False:
        audit.record(
            db, "sign-in failed", label=email or "", detail="company sign-in without a verified email", client=client
        )
        raise SignInError("Your company sign-in did not give a verified email address.", hint=NO_ACCESS_HINT)
    address = clean_email(email)
    with db.write() as session:
        row = find_account(session, address)
        if row is None:
            invitation = pending_invitation(session, address)
            if invitation is not None and claim_invitation(session, invitation):
                row = Account(
                    email=address,
                    display_name=" ".join((name or address.split("@")[0]).split())[:200],
                    role=invitation.role,
                    password_hash=None,
                    disabled=False,
                )
                session.add(row)
                session.flush()
        actor = actor_of(row) if row is not None and not row.disabled else None
    if actor is None:
        audit.record(db, "sign-in failed", label=address, detail="company sign-in: no usable account", client=client)
        raise SignInError(f"{address} has no access to the coach.", hint=NO_ACCESS_HINT)
    audit.record(db, "signed in", actor=actor, detail="company identity", client=client)
    return actor
