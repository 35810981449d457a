"""``coach users``, ``coach history`` and ``coach export``: the same checks as the app, from a shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.actors import Role
from coach.cli import app
from coach.config import Settings
from coach.errors import InputError, PermissionDenied, SignInError
from coach.runtime import Runtime
from coach.storage import open_database
from coach.storage import repositories as repo
from tests.people import add_person

PASSWORD = "blue lantern orchard tide"


@pytest.fixture
def cli(tmp_path: Path) -> Runtime:
    return Runtime(Settings(data_dir=tmp_path / "data", llm_provider="fake"))


def run(runtime: Runtime, *args: str, stdin: str | None = None) -> tuple[str, BaseException | None]:
    result = CliRunner().invoke(app, list(args), input=stdin, obj=runtime)
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.output, error


def test_users_lifecycle_from_the_command_line(cli: Runtime) -> None:
    output, error = run(cli, "users", "list")
    assert isinstance(error, InputError) and "create-admin" in str(error)
    output, error = run(
        cli,
        "users",
        "create-admin",
        "--email",
        "ada@example.org",
        "--name",
        "Ada",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert error is None, output
    output, error = run(cli, "users", "invite", "mia@example.org", "--role", "mentor")
    assert error is None and "?invite=" in output
    token = output.strip().splitlines()[-1].split("?invite=")[1]
    from coach.accounts import invitations

    db = open_database(cli.settings)
    invitations.accept(db, token, "Mia", PASSWORD, cli.settings)
    output, _ = run(cli, "users", "list", "--json")
    assert [(a["email"], a["role"]) for a in json.loads(output)] == [
        ("ada@example.org", "administrator"),
        ("mia@example.org", "junior mentor"),
    ]
    output, error = run(cli, "users", "disable", "mia@example.org")
    assert error is None and "disabled" in output
    from coach.accounts.signin import authenticate

    with pytest.raises(SignInError):
        authenticate(db, "mia@example.org", PASSWORD, cli.settings)
    run(cli, "users", "enable", "mia@example.org")
    output, error = run(cli, "users", "reset", "mia@example.org")
    assert error is None and "?invite=" in output
    with pytest.raises(SignInError):  # the old password no longer works
        authenticate(db, "mia@example.org", PASSWORD, cli.settings)
    _, error = run(cli, "users", "invite", "x@example.org", "--role", "mentor", "--as", "mia@example.org")
    assert isinstance(error, PermissionDenied)
    output, error = run(cli, "users", "audit", "--json")
    actions = {e["action"] for e in json.loads(output)}
    assert {"invitation created", "account disabled", "password reset", "denied"} <= actions
    _, error = run(cli, "users", "delete", "mia@example.org")
    assert isinstance(error, InputError) and "--yes" in str(error)
    output, error = run(cli, "users", "delete", "mia@example.org", "--yes")
    assert error is None and "deleted 0 rehearsals" in output
    db.dispose()


def test_history_and_export_act_as_one_account(cli: Runtime, tmp_path: Path) -> None:
    db = open_database(cli.settings)
    add_person(db, "Ada", Role.ADMINISTRATOR)
    mia, olu = add_person(db, "Mia"), add_person(db, "Olu")
    attempt = repo.start_attempt(db, mia, "busy", "normal")
    repo.record_attempt(db, mia, attempt, [{"user": "MIA-TURN"}], {"impact": 2.0}, 80.0)
    repo.save_reflection(db, olu, "OLU-REFLECTION", {}, [])
    output, error = run(cli, "history", "--as", "mia@example.org", "--json")
    assert error is None and [a["overall"] for a in json.loads(output)] == [80.0] and "MIA-TURN" not in output
    output, _ = run(cli, "history", "--as", "olu@example.org", "--json")
    assert json.loads(output) == []
    target = tmp_path / "mia.json"
    output, error = run(cli, "export", "--as", "mia@example.org", "--out", str(target))
    exported = json.loads(target.read_text())
    assert exported["rehearsals"][0]["turns"] == [{"user": "MIA-TURN"}] and exported["reflections"] == []
    assert "OLU-REFLECTION" not in target.read_text() and oct(target.stat().st_mode & 0o777) == "0o600"
    assert CliRunner().invoke(app, ["history"]).exit_code == 2  # --as is required
    _, error = run(cli, "export", "--as", "nobody@example.org")
    assert isinstance(error, InputError)
    output, _ = run(cli, "users", "audit", "--json")
    assert "export" in {e["action"] for e in json.loads(output)}
    db.dispose()


def test_claim_lists_and_moves_unclaimed_rows(cli: Runtime) -> None:
    from sqlalchemy import text

    db = open_database(cli.settings)
    add_person(db, "Ada", Role.ADMINISTRATOR)
    add_person(db, "Aisha")
    with db.write() as session:
        session.execute(
            text(
                "insert into reflections (owner, text, answers, flags, private, created_at) "
                "values ('Aisha', 'OLD', '{}', '[]', 1, '2025-11-30 10:00:00')"
            )
        )
    output, _ = run(cli, "users", "claim")
    assert "Aisha" in output
    _, error = run(cli, "users", "claim", "Aisha")
    assert isinstance(error, InputError)
    output, error = run(cli, "users", "claim", "Aisha", "--email", "aisha@example.org")
    assert error is None and "1 reflections" in output
    db.dispose()


def test_practice_as_an_account_saves_to_its_history(
    indexed_runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(indexed_runtime.settings)
    rehearser = add_person(db, "Practice Cli")
    script = tmp_path / "turns.txt"
    script.write_text("In Monday's stand-up you cut me off twice. Could you let me finish next time?\n")
    _, error = run(
        indexed_runtime, "practice", "--persona", "busy", "--script", str(script), "--as", "nobody@example.org"
    )
    assert isinstance(error, InputError)  # refused before the rehearsal starts
    output, error = run(
        indexed_runtime, "practice", "--persona", "busy", "--script", str(script), "--as", rehearser.email
    )
    assert error is None, output
    saved = repo.list_attempts(db, rehearser)
    assert len(saved) == 1 and saved[0].persona == "busy" and saved[0].overall is not None
    db.dispose()
