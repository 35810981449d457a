"""Accounts: the first administrator, listing, disabling, roles and lookups by email."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coach.accounts import audit
from coach.accounts.passwords import check_password, hash_password
from coach.accounts.tokens import normal_email
from coach.actors import PROGRAM_STAFF, Actor, Role
from coach.config import Settings
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import Account, SignInSession, utcnow
from coach.storage.views import AccountView

MAX_EMAIL_CHARS = 320
MAX_NAME_CHARS = 200


def actor_of(row: Account) -> Actor:
    """The ``Actor`` for an account row."""
    return Actor(account_id=row.id, email=row.email, display_name=row.display_name, role=Role(row.role))


def clean_email(email: str) -> str:
    """A normalised email address.

    Raises:
        InputError: empty, too long, or not shaped like ``name@domain``.
    """
    value = normal_email(email)
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > MAX_EMAIL_CHARS:
        raise InputError(f"'{email.strip()[:80]}' is not an email address.", hint="Enter it as name@example.org.")
    return value


def clean_name(name: str) -> str:
    """A display name with spaces tidied.

    Raises:
        InputError: empty or too long.
    """
    value = " ".join(name.split())
    if not value:
        raise InputError("The display name is empty.", hint="Enter the name others should see.")
    if len(value) > MAX_NAME_CHARS:
        raise InputError(f"The display name is longer than {MAX_NAME_CHARS} characters.", hint="Shorten it.")
    return value


def parse_role(value: str) -> Role:
    """A role from its name ("junior mentor", "mentor", "coordinator", ...).

    Raises:
        InputError: no such role.
    """
    wanted = " ".join(value.lower().replace("-", " ").replace("_", " ").split())
    aliases = {"mentor": Role.MENTOR, "mentee": Role.MENTEE, "admin": Role.ADMINISTRATOR}
    for role in Role:
        if wanted == role.value:
            return role
    if wanted in aliases:
        return aliases[wanted]
    raise InputError(f"'{value}' is not a role.", hint="Use one of: " + ", ".join(r.value for r in Role) + ".")


def account_count(db: Database) -> int:
    """How many accounts exist (0 on first run)."""
    with db.read() as session:
        return int(session.scalar(select(func.count(Account.id))) or 0)


def find_account(session: Session, email: str) -> Account | None:
    """The account with this email, if any."""
    return session.scalar(select(Account).where(Account.email == normal_email(email)))


def create_first_admin(db: Database, email: str, display_name: str, password: str, settings: Settings) -> Actor:
    """Create the administrator on first run (only while no account exists).

    Raises:
        InputError: a bad email, name or password, or an account already exists.
    """
    address, name = clean_email(email), clean_name(display_name)
    check_password(password, settings.password_min_length, address)
    hashed = hash_password(password)
    with db.write() as session:
        if session.scalar(select(func.count(Account.id))):
            raise InputError(
                "The administrator already exists.", hint="Sign in, or ask an administrator for an invitation."
            )
        row = Account(
            email=address, display_name=name, role=Role.ADMINISTRATOR.value, password_hash=hashed, disabled=False
        )
        session.add(row)
        session.flush()
        actor = actor_of(row)
    audit.record(db, "account created", actor=actor, target=address, detail="first administrator")
    return actor


def _view(row: Account) -> AccountView:
    return AccountView(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        disabled=row.disabled,
        local_password=row.password_hash is not None,
        created_at=row.created_at,
    )


def list_accounts(db: Database, actor: Actor) -> list[AccountView]:
    """Every account (names, emails, roles; no private items); administrators and coordinators."""
    audit.check_role(db, actor, *PROGRAM_STAFF, action="list accounts")
    with db.read() as session:
        return [_view(r) for r in session.scalars(select(Account).order_by(Account.id))]


def account_by_email(db: Database, actor: Actor, email: str) -> AccountView:
    """One account by email, for the people who run the program.

    Raises:
        InputError: no such account.
    """
    audit.check_role(db, actor, *PROGRAM_STAFF, action="look up accounts")
    with db.read() as session:
        row = find_account(session, email)
        if row is None:
            raise InputError(
                f"No account for {normal_email(email)}.", hint="Check the address with 'coach users list'."
            )
        return _view(row)


def set_disabled(db: Database, actor: Actor, account_id: int, disabled: bool) -> AccountView:
    """Disable (ending its sign-ins at once) or enable an account; administrators only.

    Raises:
        InputError: no such account, or an administrator disabling themselves.
    """
    audit.check_role(db, actor, Role.ADMINISTRATOR, action="disable or enable accounts")
    if disabled and account_id == actor.account_id:
        raise InputError("You cannot disable your own account.", hint="Ask another administrator.")
    with db.write() as session:
        row = _row(session, account_id)
        row.disabled = disabled
        row.updated_at = utcnow()
        if disabled:
            session.execute(delete(SignInSession).where(SignInSession.account_id == account_id))
        view = _view(row)
    audit.record(db, "account disabled" if disabled else "account enabled", actor=actor, target=view.email)
    return view


def set_role(db: Database, actor: Actor, account_id: int, role: Role) -> AccountView:
    """Change an account's role; administrators only (recorded).

    Raises:
        InputError: no such account, or the last administrator stepping down.
    """
    audit.check_role(db, actor, Role.ADMINISTRATOR, action="change roles")
    with db.write() as session:
        row = _row(session, account_id)
        before = row.role
        if before == Role.ADMINISTRATOR.value and role != Role.ADMINISTRATOR and _admins(session) <= 1:
            raise InputError("This is the only administrator.", hint="Make someone else an administrator first.")
        row.role = role.value
        row.updated_at = utcnow()
        view = _view(row)
    audit.record(db, "role changed", actor=actor, target=view.email, detail=f"{before} -> {role.value}")
    return view


def _admins(session: Session) -> int:
    query = select(func.count(Account.id)).where(Account.role == Role.ADMINISTRATOR.value, Account.disabled.is_(False))
    return int(session.scalar(query) or 0)


def _row(session: Session, account_id: int) -> Account:
    row = session.get(Account, account_id)
    if row is None:
        raise InputError(f"No account with id {account_id}.", hint="Check the list of accounts.")
    return row
