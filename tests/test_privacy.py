"""Sharing, right to erasure, name-keyed rows moved to accounts, secrets masked, private files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from coach.accounts import audit, erasure, legacy, sharing
from coach.actors import Role
from coach.config import Settings
from coach.diagnostics import mask_url, resolved_settings
from coach.errors import InputError, PermissionDenied
from coach.services import delete_documents, reindex, save_upload
from coach.storage import Database, open_database
from coach.storage import repositories as repo
from coach.storage.db import MIGRATIONS_DIR
from coach.storage.models import AuditEvent
from tests.people import add_person


def test_share_one_scorecard_and_revoke(database: Database) -> None:
    mentor, mentee = add_person(database, "Mia"), add_person(database, "Sam", Role.MENTEE)
    other, coordinator = add_person(database, "Olu"), add_person(database, "Cora", Role.COORDINATOR)
    attempt = repo.start_attempt(database, mentor, "busy", "normal")
    repo.record_attempt(database, mentor, attempt, [{"user": "SECRET-TURN"}], {"impact": 2.0}, 80.0)
    with pytest.raises(PermissionDenied):
        sharing.get_scorecard(database, mentee, attempt)
    share = sharing.share_scorecard(database, mentor, attempt, "sam@example.org")
    card = sharing.get_scorecard(database, mentee, attempt)
    assert (card.owner_name, card.overall, card.scores) == ("Mia", 80.0, {"impact": 2.0})
    assert "SECRET-TURN" not in json.dumps(card.model_dump(mode="json"))
    assert [c.attempt_id for c in sharing.shared_with_me(database, mentee)] == [attempt]
    with pytest.raises(PermissionDenied):  # a scorecard is not a transcript
        repo.get_attempt(database, mentee, attempt)
    with pytest.raises(PermissionDenied):
        sharing.get_scorecard(database, coordinator, attempt)
    with pytest.raises(PermissionDenied):
        sharing.share_scorecard(database, other, attempt, "cora@example.org")  # not Olu's rehearsal
    with pytest.raises(InputError):
        sharing.share_scorecard(database, mentor, attempt, "olu@example.org")  # another mentor
    with pytest.raises(PermissionDenied):
        sharing.revoke_share(database, mentee, share.id)
    sharing.revoke_share(database, mentor, share.id)
    assert sharing.shared_with_me(database, mentee) == []
    with pytest.raises(PermissionDenied):
        sharing.get_scorecard(database, mentee, attempt)


def test_erasure_deletes_private_data_and_says_what(database: Database) -> None:
    admin = add_person(database, "Ada", Role.ADMINISTRATOR)
    mentor, mentee = add_person(database, "Mia"), add_person(database, "Sam", Role.MENTEE)
    repo.create_pair(database, mentor, "Mia", "Sam")
    attempt = repo.start_attempt(database, mentor, "busy", "normal")
    repo.record_attempt(database, mentor, attempt, [{"user": "x"}], {}, 50.0)
    sharing.share_scorecard(database, mentor, attempt, "sam@example.org")
    repo.save_reflection(database, mentor, "MY-REFLECTION", {}, [])
    repo.save_questions(database, mentor, [("Q?", "explore", ""), ("R?", "apply", "")])
    repo.save_reflection(database, mentee, "SAMS-OWN", {}, [])
    with pytest.raises(PermissionDenied):
        erasure.delete_account(database, mentee, mentor.account_id)
    report = erasure.delete_account(database, admin, mentor.account_id)
    assert report.deleted["rehearsals"] == 1 and report.deleted["reflections"] == 1
    assert report.deleted["saved questions"] == 2 and report.deleted["scorecard shares"] == 1
    assert report.anonymised["audit events"] >= 1 and any("pair" in k for k in report.kept)
    assert any(line.startswith("deleted 2 saved questions") for line in report.lines())
    with database.read() as session:
        labels = " ".join(f"{e.actor_label} {e.target} {e.detail}" for e in session.scalars(select(AuditEvent)))
        left = session.execute(text("select count(*) from reflections")).scalar()
    assert "mia@example.org" not in labels and f"erased account #{mentor.account_id}" in labels
    assert left == 1 and repo.list_reflections(database, mentee)[0].text == "SAMS-OWN"
    with pytest.raises(InputError, match="only administrator"):
        erasure.delete_account(database, admin, admin.account_id)


def test_name_keyed_rows_survive_the_migration_and_are_claimed(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.commit()
    with database.write() as session:
        now = "2025-11-30 10:00:00"
        session.execute(
            text(
                "insert into practice_attempts (owner, persona, difficulty, turns, scores, overall, "
                f"turn_count, created_at) values ('Aisha', 'busy', 'normal', '[]', '{{}}', 70, 1, '{now}')"
            )
        )
        session.execute(
            text(
                "insert into reflections (owner, text, answers, flags, private, created_at) "
                f"values ('Aisha', 'OLD-REFLECTION', '{{}}', '[]', 1, '{now}')"
            )
        )
        session.execute(
            text(
                'insert into saved_questions (owner, text, "group", why, created_at) '
                f"values ('Ben', 'Old question?', 'explore', '', '{now}')"
            )
        )
    database.migrate()
    admin = add_person(database, "Ada", Role.ADMINISTRATOR)
    aisha, intruder = add_person(database, "Aisha Khan"), add_person(database, "Aisha")
    assert repo.list_reflections(database, intruder) == []  # a matching display name is not ownership
    assert legacy.unclaimed_names(database, admin) == {"Aisha": 2, "Ben": 1}
    with pytest.raises(PermissionDenied):
        legacy.claim(database, aisha, "Aisha", aisha.email)
    moved = legacy.claim(database, admin, "Aisha", "aisha.khan@example.org")
    assert moved == {"rehearsals": 1, "reflections": 1, "saved questions": 0}
    assert [r.text for r in repo.list_reflections(database, aisha)] == ["OLD-REFLECTION"]
    assert [a.overall for a in repo.list_attempts(database, aisha)] == [70.0]
    assert legacy.unclaimed_names(database, admin) == {"Ben": 1}
    database.dispose()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://coach:s3cret-pw@db.internal:5432/coach",
            "postgresql+psycopg://coach:***@db.internal:5432/coach",
        ),
        ("sqlite:////tmp/coach.db", "sqlite:////tmp/coach.db"),
        ("https://user:tok3n@llm.example/v1", "https://user:***@llm.example/v1"),
    ],
)
def test_urls_are_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_settings_never_show_passwords_or_keys(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql://coach:hunter2-secret@127.0.0.1/coach",
        llm_api_key="sk-very-secret",
        llm_base_url="http://u:pw-in-url@127.0.0.1:8080/v1",
    )
    dumped = json.dumps(resolved_settings(settings))
    for secret in ("hunter2-secret", "sk-very-secret", "pw-in-url"):
        assert secret not in dumped
    assert resolved_settings(settings)["llm_api_key"] == "(set)"


def test_data_dir_and_database_file_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", llm_provider="fake")
    db = open_database(settings)
    repo.create_pair(db, add_person(db, "A"), "A", "B")
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700
    for name in ("coach.db", "coach.db-wal"):
        path = tmp_path / "fresh" / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    db.dispose()


def test_knowledge_base_edits_need_program_staff(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "kb", llm_provider="fake")
    mentor, coordinator = add_person(database, "Mia"), add_person(database, "Cora", Role.COORDINATOR)
    for actor in (mentor, None):
        with pytest.raises(PermissionDenied):
            save_upload("guide.md", b"# Guide\n\nText.", settings, actor=actor)
        with pytest.raises(PermissionDenied):
            delete_documents(None, ["uploads/x.md"], actor=actor)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            reindex(None, actor=actor)  # type: ignore[arg-type]
    assert not settings.uploads_dir.exists()
    assert save_upload("guide.md", b"# Guide\n\nText.", settings, actor=coordinator).path.exists()


def test_audit_trail_is_for_administrators(database: Database) -> None:
    admin, coordinator = add_person(database, "Ada", Role.ADMINISTRATOR), add_person(database, "Cora", Role.COORDINATOR)
    audit.record(database, "export", actor=admin, target="own data")
    with pytest.raises(PermissionDenied):
        audit.list_events(database, coordinator)
    assert [e.action for e in audit.list_events(database, admin)][-1] == "export"
