"""``coach users``: the first administrator, invitations, disabling, resets, claims, erasure.

Whoever runs these commands can already read the database file, so they act as a local
administrator: the first enabled administrator account, or the one named with ``--as``.
Every action goes through the same checks and lands in the audit trail as from "cli".
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from coach.commands import app, out, print_json, runtime
from coach.errors import InputError

if TYPE_CHECKING:
    from coach.actors import Actor
    from coach.storage import Database

users = typer.Typer(
    help="Accounts: create the administrator, invite, disable, reset, claim, delete.", no_args_is_help=True
)
app.add_typer(users, name="users")

AS_HELP = "Act as this account (default: the first administrator)."


def _db(ctx: typer.Context) -> Database:
    from coach.storage import open_database

    return open_database(runtime(ctx).settings)


def operator(db: Database, as_email: str | None) -> Actor:
    """The account a CLI command acts as: ``--as EMAIL``, or the first enabled administrator.

    Raises:
        InputError: no such enabled account, or no administrator yet.
    """
    from sqlalchemy import select

    from coach.accounts.directory import actor_of, find_account
    from coach.actors import Role
    from coach.storage.models import Account

    with db.read() as session:
        if as_email:
            row = find_account(session, as_email)
        else:
            row = session.scalar(
                select(Account)
                .where(Account.role == Role.ADMINISTRATOR.value, Account.disabled.is_(False))
                .order_by(Account.id)
            )
    if row is None or row.disabled:
        if as_email:
            raise InputError(f"No enabled account for {as_email}.", hint="See 'coach users list'.")
        raise InputError("There is no administrator yet.", hint="Run 'coach users create-admin --email YOU'.")
    return actor_of(row)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Password again", hide_input=True) != first:
        raise InputError("The two passwords differ.", hint="Type the same password twice.")
    return str(first)


def _account_id(db: Database, actor: Actor, email: str) -> int:
    from coach.accounts.directory import account_by_email

    return account_by_email(db, actor, email).id


@users.command("create-admin")
def create_admin(
    ctx: typer.Context,
    email: Annotated[str, typer.Option("--email", help="The administrator's email.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "Administrator",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create the first administrator (only while no account exists)."""
    from coach.accounts.directory import create_first_admin

    db = _db(ctx)
    actor = create_first_admin(db, email, name, _password(password_stdin), runtime(ctx).settings)
    out.print(f"Administrator {actor.email} created. Sign in on the app's Home page.")


@users.command("list")
def list_users(
    ctx: typer.Context,
    as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every account: email, name, role, and whether it is disabled."""
    from coach.accounts.directory import list_accounts

    db = _db(ctx)
    accounts = list_accounts(db, operator(db, as_email))
    if as_json:
        print_json([a.model_dump(mode="json") for a in accounts])
        return
    for a in accounts:
        state = "disabled" if a.disabled else ("password" if a.local_password else "company sign-in")
        out.print(f"{a.id:4d}  {a.email:36} {a.role:15} {state:16} {a.display_name}")


@users.command()
def invite(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Who to invite.")],
    role: Annotated[str, typer.Option("--role", help="junior mentor, senior mentee, coordinator, administrator.")],
    as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None,
) -> None:
    """Print a one-time invitation link for an email and role."""
    from coach.accounts.directory import parse_role
    from coach.accounts.invitations import invite as make

    db = _db(ctx)
    issued = make(db, operator(db, as_email), email, parse_role(role), runtime(ctx).settings)
    out.print(f"Invitation for {issued.email} ({issued.role}), valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC:")
    out.print(issued.link)


def _switch(ctx: typer.Context, email: str, disabled: bool, as_email: str | None) -> None:
    from coach.accounts.directory import set_disabled

    db = _db(ctx)
    actor = operator(db, as_email)
    view = set_disabled(db, actor, _account_id(db, actor, email), disabled)
    out.print(f"{view.email} is {'disabled' if view.disabled else 'enabled'}.")


@users.command()
def disable(
    ctx: typer.Context, email: str, as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None
) -> None:
    """Disable an account; its sign-ins end at once."""
    _switch(ctx, email, True, as_email)


@users.command()
def enable(
    ctx: typer.Context, email: str, as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None
) -> None:
    """Enable a disabled account."""
    _switch(ctx, email, False, as_email)


@users.command()
def reset(
    ctx: typer.Context, email: str, as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None
) -> None:
    """Clear an account's password and print a one-time link to set a new one."""
    from coach.accounts.invitations import reset_link

    db = _db(ctx)
    actor = operator(db, as_email)
    issued = reset_link(db, actor, _account_id(db, actor, email), runtime(ctx).settings)
    out.print(f"Password cleared for {issued.email}. One-time link to set a new one:")
    out.print(issued.link)


@users.command()
def role(
    ctx: typer.Context,
    email: str,
    new_role: Annotated[str, typer.Argument(metavar="ROLE")],
    as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None,
) -> None:
    """Change an account's role."""
    from coach.accounts.directory import parse_role, set_role

    db = _db(ctx)
    actor = operator(db, as_email)
    view = set_role(db, actor, _account_id(db, actor, email), parse_role(new_role))
    out.print(f"{view.email} is now {view.role}.")


@users.command()
def claim(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Argument(help="The display name rows were saved under.")] = None,
    email: Annotated[Optional[str], typer.Option("--email", help="The account that gets them.")] = None,
    as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None,
) -> None:
    """Hand rows saved before accounts existed to an account; with no NAME, list them."""
    from coach.accounts import legacy

    db = _db(ctx)
    actor = operator(db, as_email)
    if name is None:
        for who, n in legacy.unclaimed_names(db, actor).items():
            out.print(f"{n:5d}  {who}")
        return
    if not email:
        raise InputError("Say which account gets them.", hint="Add --email ADDRESS.")
    moved = legacy.claim(db, actor, name, email)
    out.print(", ".join(f"{n} {what}" for what, n in moved.items()) + f" handed to {email}.")


@users.command()
def delete(
    ctx: typer.Context,
    email: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None,
) -> None:
    """Delete an account and its private data (right to erasure), saying what was deleted."""
    from coach.accounts.erasure import delete_account

    if not yes:
        raise InputError("Deleting an account cannot be undone.", hint="Add --yes to confirm.")
    db = _db(ctx)
    actor = operator(db, as_email)
    report = delete_account(db, actor, _account_id(db, actor, email))
    for line in report.lines():
        out.print(line)


@users.command()
def audit(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_email: Annotated[Optional[str], typer.Option("--as", help=AS_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The newest audit events (administrators)."""
    from coach.accounts.audit import list_events

    db = _db(ctx)
    events = list_events(db, operator(db, as_email), limit)
    if as_json:
        print_json([e.model_dump(mode="json") for e in events])
        return
    for e in events:
        out.print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor:30} {e.action:20} {e.target} {e.detail}", markup=False)
