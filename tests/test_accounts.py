"""Accounts and access: passwords, sign-in and back-off, invitations, sessions, roles, audit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from coach.accounts import audit, directory, invitations, signin
from coach.accounts.identity import actor_for_identity
from coach.accounts.passwords import check_password, hash_password, verify_password
from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied, SignInError
from coach.storage import Database
from coach.storage import repositories as repo
from coach.storage.models import Account, AuditEvent, Invitation, SignInThrottle, utcnow
from tests.people import add_person

GOOD = "blue lantern orchard tide"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", llm_provider="fake", signin_free_failures=3)


@pytest.fixture
def admin(database: Database, settings: Settings) -> Actor:
    return directory.create_first_admin(database, "Admin@Example.org", "Ada Admin", GOOD, settings)


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    ("password", "error"),
    [
        (GOOD, None),
        ("tiny", "shorter than 12"),
        ("Password1234!", "common passwords"),
        ("qwertyuiop12", "common passwords"),
        ("aaaaaaaaaaaaaaaa", "common passwords"),
        ("ada.lovelace99", "email address"),
    ],
)
def test_password_policy(password: str, error: str | None) -> None:
    if error is None:
        check_password(password, 12, "ada.lovelace@example.org")
    else:
        with pytest.raises(InputError, match=error) as info:
            check_password(password, 12, "ada.lovelace@example.org")
        assert password not in str(info.value)


def test_passwords_are_argon2id_hashes_never_clear_text(database: Database, admin: Actor) -> None:
    with database.read() as session:
        stored = session.scalar(select(Account.password_hash).where(Account.id == admin.account_id))
    assert stored is not None and stored.startswith("$argon2id$") and GOOD not in stored
    assert verify_password(stored, GOOD) and not verify_password(stored, GOOD + "x")
    assert not verify_password(None, GOOD)
    assert hash_password(GOOD) != stored  # salted


def test_first_admin_only_once(database: Database, settings: Settings, admin: Actor) -> None:
    assert admin.role is Role.ADMINISTRATOR and admin.email == "admin@example.org"
    with pytest.raises(InputError, match="already exists"):
        directory.create_first_admin(database, "other@example.org", "Other", GOOD, settings)
    assert directory.account_count(database) == 1


def test_sign_in_and_session_token(database: Database, settings: Settings, admin: Actor) -> None:
    actor = signin.authenticate(database, " ADMIN@example.org ", GOOD, settings, client="10.0.0.1")
    assert actor == admin
    token = signin.start_session(database, actor, settings)
    assert signin.resolve_session(database, token) == admin
    signin.end_session(database, token)
    assert signin.resolve_session(database, token) is None
    assert events(database, "signed in") and events(database, "signed out")


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "disabled user"])
def test_failed_sign_ins_look_the_same(database: Database, settings: Settings, admin: Actor, case: str) -> None:
    mentor = add_person(database, "Mia")
    with database.write() as session:
        session.execute(
            update(Account).where(Account.id == mentor.account_id).values(password_hash=hash_password(GOOD))
        )
    if case == "disabled user":
        directory.set_disabled(database, admin, mentor.account_id, True)
    email, password = {
        "wrong password": ("mia@example.org", GOOD + "!"),
        "unknown user": ("nobody@example.org", GOOD),
        "disabled user": ("mia@example.org", GOOD),
    }[case]
    with pytest.raises(SignInError) as info:
        signin.authenticate(database, email, password, settings)
    assert str(info.value) == f"{signin.WRONG} {signin.WRONG_HINT}"
    assert [e.detail for e in events(database, "sign-in failed")] == [
        case.removesuffix(" user").replace("unknown", "unknown email")
    ]


@pytest.mark.parametrize("email", ["admin@example.org", "nobody@example.org"])
def test_back_off_per_account_does_not_reveal_existence(
    database: Database, settings: Settings, admin: Actor, email: str
) -> None:
    for n in range(settings.signin_free_failures):
        with pytest.raises(SignInError, match="not right"):
            signin.authenticate(database, email, f"wrong guess {n}", settings, client=f"client-{n}")
    with pytest.raises(SignInError, match="Too many failed sign-ins"):
        signin.authenticate(database, email, GOOD, settings, client="fresh-client")  # even the right password waits
    with database.write() as session:  # the delay runs out
        session.execute(update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    if email == "admin@example.org":
        assert signin.authenticate(database, email, GOOD, settings) == admin
        with database.read() as session:  # a good sign-in clears the account's count
            assert session.scalar(select(SignInThrottle).where(SignInThrottle.kind == "account")) is None


def test_back_off_per_client_across_emails(database: Database, settings: Settings, admin: Actor) -> None:
    for n in range(settings.signin_free_failures):
        with pytest.raises(SignInError, match="not right"):
            signin.authenticate(database, f"guess{n}@example.org", "wrong wrong wrong", settings, client="10.9.9.9")
    with pytest.raises(SignInError, match="Too many"):
        signin.authenticate(database, "admin@example.org", GOOD, settings, client="10.9.9.9")
    assert signin.authenticate(database, "admin@example.org", GOOD, settings, client="10.1.1.1") == admin


@pytest.mark.parametrize("token", ["", "forged-token", "x" * 5000, None, 42, {"account_id": 1}])
def test_tampered_session_state_is_nobody(database: Database, settings: Settings, admin: Actor, token: object) -> None:
    signin.start_session(database, admin, settings)
    assert signin.resolve_session(database, token) is None


def test_disabling_ends_sessions_and_expired_sessions_end(database: Database, settings: Settings, admin: Actor) -> None:
    mentor = add_person(database, "Mia")
    token = signin.start_session(database, mentor, settings)
    directory.set_disabled(database, admin, mentor.account_id, True)
    assert signin.resolve_session(database, token) is None
    directory.set_disabled(database, admin, mentor.account_id, False)
    token = signin.start_session(database, mentor, settings)
    from coach.storage.models import SignInSession

    with database.write() as session:
        session.execute(update(SignInSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert signin.resolve_session(database, token) is None


def test_invitation_accept_once(database: Database, settings: Settings, admin: Actor) -> None:
    coordinator = add_person(database, "Cora", Role.COORDINATOR)
    issued = invitations.invite(database, coordinator, "New.Mentor@example.org", Role.MENTOR, settings)
    assert issued.link.startswith(settings.app_url) and issued.token in issued.link
    with database.read() as session:
        stored = session.scalar(select(Invitation.token_hash))
    assert stored != issued.token and len(stored or "") == 64
    with pytest.raises(InputError, match="shorter"):  # a bad password leaves the link usable
        invitations.accept(database, issued.token, "Nia", "short", settings)
    actor = invitations.accept(database, issued.token, "Nia", GOOD, settings)
    assert (actor.email, actor.role, actor.display_name) == ("new.mentor@example.org", Role.MENTOR, "Nia")
    assert signin.authenticate(database, "new.mentor@example.org", GOOD, settings) == actor
    with pytest.raises(SignInError, match="does not work"):
        invitations.accept(database, issued.token, "Mallory", GOOD, settings)  # reused
    assert directory.account_count(database) == 3


def test_expired_and_unknown_invitations_change_nothing(database: Database, settings: Settings, admin: Actor) -> None:
    issued = invitations.invite(database, admin, "late@example.org", Role.MENTEE, settings)
    with database.write() as session:
        session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(hours=1)))
    for token in (issued.token, "made-up-token"):
        with pytest.raises(SignInError, match="does not work"):
            invitations.accept(database, token, "Late", GOOD, settings)
    assert directory.account_count(database) == 1
    assert {e.detail for e in events(database, "invitation refused")} == {"expired", "unknown"}


def test_who_may_invite(database: Database, settings: Settings, admin: Actor) -> None:
    mentor, coordinator = add_person(database, "Mia"), add_person(database, "Cora", Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        invitations.invite(database, mentor, "x@example.org", Role.MENTOR, settings)
    with pytest.raises(PermissionDenied):
        invitations.invite(database, coordinator, "x@example.org", Role.ADMINISTRATOR, settings)
    with pytest.raises(InputError, match="already has an account"):
        invitations.invite(database, admin, "mia@example.org", Role.MENTOR, settings)
    assert len(events(database, "denied")) == 2


def test_reset_link_sets_a_new_password(database: Database, settings: Settings, admin: Actor) -> None:
    mentor = add_person(database, "Mia")
    old = signin.start_session(database, mentor, settings)
    issued = invitations.reset_link(database, admin, mentor.account_id, settings)
    assert issued.reset and signin.resolve_session(database, old) is None
    invitations.accept(database, issued.token, "Mia", GOOD, settings)
    assert signin.authenticate(database, "mia@example.org", GOOD, settings).account_id == mentor.account_id


def test_roles_and_the_last_administrator(database: Database, admin: Actor) -> None:
    mentor = add_person(database, "Mia")
    with pytest.raises(PermissionDenied):
        directory.set_role(database, mentor, mentor.account_id, Role.ADMINISTRATOR)
    with pytest.raises(InputError, match="only administrator"):
        directory.set_role(database, admin, admin.account_id, Role.COORDINATOR)
    assert directory.set_role(database, admin, mentor.account_id, Role.MENTEE).role == "senior mentee"
    assert events(database, "role changed")[0].detail == "junior mentor -> senior mentee"
    assert directory.parse_role("mentor") is Role.MENTOR
    with pytest.raises(InputError):
        directory.parse_role("superuser")


def test_mentor_calling_a_coordinator_function_is_refused_and_logged(
    database: Database, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    mentor = add_person(database, "Mia")
    with pytest.raises(PermissionDenied, match="coordinator"), caplog.at_level("WARNING", "coach.access"):
        repo.program_summary(database, mentor)
    assert "refused see program aggregates" in caplog.text
    denied = events(database, "denied")
    assert [(e.actor_label, e.detail) for e in denied] == [("mia@example.org", "see program aggregates")]
    with pytest.raises(PermissionDenied):
        directory.list_accounts(database, mentor)
    with pytest.raises(PermissionDenied):
        audit.list_events(database, mentor)


def test_mentee_cannot_read_a_mentors_rehearsal_or_guess_ids(database: Database, admin: Actor) -> None:
    mentor, mentee = add_person(database, "Mia"), add_person(database, "Sam", Role.MENTEE)
    attempt = repo.start_attempt(database, mentor, "defensive", "normal")
    repo.record_attempt(database, mentor, attempt, [{"user": "SECRET"}], {"impact": 1.0}, 50.0)
    reflection = repo.save_reflection(database, mentor, "SECRET-REFLECTION", {}, [])
    question = repo.save_questions(database, mentor, [("What changed?", "explore", "")])[0]
    assert repo.get_attempt(database, mentor, attempt).turns == [{"user": "SECRET"}]
    assert repo.get_reflection(database, mentor, reflection).text == "SECRET-REFLECTION"
    for reader in (mentee, admin):
        with pytest.raises(PermissionDenied):
            repo.get_attempt(database, reader, attempt)
        for guess in (reflection, reflection + 1, 999):
            with pytest.raises(PermissionDenied, match="private"):
                repo.get_reflection(database, reader, guess)
        with pytest.raises(PermissionDenied):
            repo.delete_question(database, reader, question)
        with pytest.raises(PermissionDenied):
            repo.record_attempt(database, reader, attempt, [], {}, None)
    assert repo.get_attempt(database, mentor, attempt).turns == [{"user": "SECRET"}]
    assert len(repo.list_questions(database, mentor)) == 1
    assert len(events(database, "denied")) == 2 * 6
    with pytest.raises(PermissionDenied, match="Sign in"):
        repo.list_attempts(database, None)  # type: ignore[arg-type]


def test_aggregates_need_a_minimum_group_and_are_audited(database: Database, admin: Actor) -> None:
    coordinator = add_person(database, "Cora", Role.COORDINATOR)
    people = [add_person(database, f"Mentor {n}") for n in range(3)]
    for n, person in enumerate(people):
        attempt = repo.start_attempt(database, person, "busy", "normal")
        repo.record_attempt(database, person, attempt, [{"user": "x"}], {"impact": float(n % 3)}, 40.0 + 10 * n)
    small = repo.program_summary(database, coordinator, min_group_size=5)
    assert (small.practice_attempts, small.practitioners) == (3, 3)
    assert small.average_overall is None and small.scores_over_time == [] and small.scores_hidden
    enough = repo.program_summary(database, coordinator, min_group_size=3)
    assert enough.average_overall == 50.0 and enough.scores_over_time and not enough.scores_hidden
    viewed = events(database, "aggregates viewed")
    assert [e.actor_label for e in viewed] == ["cora@example.org", "cora@example.org"]
    assert audit.list_events(database, admin, action="aggregates viewed")[0].actor == "cora@example.org"


def test_company_identity_maps_email_to_account_or_invitation(
    database: Database, settings: Settings, admin: Actor
) -> None:
    assert actor_for_identity(database, "ADMIN@example.org", "Ada", True) == admin
    invitations.invite(database, admin, "sam@corp.example", Role.MENTEE, settings)
    sam = actor_for_identity(database, "sam@corp.example", "Sam Senior", True)
    assert (sam.role, sam.display_name) == (Role.MENTEE, "Sam Senior")
    assert actor_for_identity(database, "sam@corp.example", "Sam", None) == sam  # the same account next time
    for email, verified in (("stranger@corp.example", True), ("admin@example.org", False), (None, True)):
        with pytest.raises(SignInError):
            actor_for_identity(database, email, "X", verified)
    directory.set_disabled(database, admin, sam.account_id, True)
    with pytest.raises(SignInError, match="no access"):
        actor_for_identity(database, "sam@corp.example", "Sam", True)
