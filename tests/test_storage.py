"""Persistence: migrations, WAL, repositories, privacy of aggregates, concurrent tabs, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied, StoreError
from coach.storage import Database, open_database
from coach.storage import repositories as repo
from coach.storage.db import MIGRATIONS_DIR
from tests.people import add_person
from tests.postgres import free_port


def head_revision() -> str:
    """The newest migration's revision id, read from the migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.fixture
def db(database: Database) -> Database:
    return database


TABLES = {
    "pairs",
    "sessions",
    "action_items",
    "practice_attempts",
    "reflections",
    "saved_questions",
    "reflection_shares",
}


def test_migrations_create_tables_and_are_idempotent(database_settings: Settings) -> None:
    first = open_database(database_settings)
    second = open_database(database_settings)  # a second start-up finds nothing to do
    assert set(inspect(second.engine).get_table_names()) >= TABLES
    with second.read() as session:
        assert session.execute(text("select version_num from alembic_version")).scalar() == head_revision()
    if database_settings.database_url is None:
        assert (database_settings.data_dir / "coach.db").exists()
    first.dispose()
    second.dispose()


def test_migrations_downgrade_to_base_and_upgrade_again(database: Database) -> None:
    pair = repo.create_pair(database, add_person(database, "Aisha"), "Aisha", "Robert")
    assert pair.id
    database.downgrade("base")
    remaining = set(inspect(database.engine).get_table_names())
    assert not TABLES & remaining
    with database.read() as session:
        assert session.execute(text("select count(*) from alembic_version")).scalar() == 0
    database.migrate()
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    aisha = add_person(database, "Aisha")
    assert repo.list_pairs(database, aisha) == []  # the downgrade really dropped the data
    assert repo.create_pair(database, aisha, "Aisha", "Robert").label == "Aisha → Robert"


def test_reflection_shares_migration_downgrades_to_0006_and_upgrades_again(database: Database) -> None:
    from coach.accounts import reflection_sharing

    owner, grantee = add_person(database, "Robert", Role.MENTEE), add_person(database, "Aisha")
    reflection = repo.save_reflection(database, owner, "KEPT-REFLECTION", {}, [])
    reflection_sharing.share_reflection(database, owner, reflection, "aisha@example.org")
    database.downgrade("0006")
    assert "reflection_shares" not in inspect(database.engine).get_table_names()
    with database.read() as session:
        assert session.execute(text("select version_num from alembic_version")).scalar() == "0006"
        assert session.execute(text("select text from reflections")).scalar() == "KEPT-REFLECTION"
    database.migrate()
    assert reflection_sharing.reflections_shared_with_me(database, grantee) == []  # the shares were dropped
    reflection_sharing.share_reflection(database, owner, reflection, "aisha@example.org")
    assert [r.text for r in reflection_sharing.reflections_shared_with_me(database, grantee)] == ["KEPT-REFLECTION"]


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path: Path) -> None:
    db = open_database(Settings(data_dir=tmp_path / "data", llm_provider="fake"))
    with db.read() as session:
        assert session.execute(text("pragma journal_mode")).scalar() == "wal"
        assert int(session.execute(text("pragma busy_timeout")).scalar() or 0) >= 5000
    db.dispose()


def test_database_url_setting_selects_another_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    database = open_database(Settings(data_dir=tmp_path / "data", database_url=url))
    assert database.url == url
    assert (tmp_path / "elsewhere.db").exists()
    database.dispose()


def test_unusable_database_url_raises_store_error_with_hint(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        open_database(Settings(data_dir=tmp_path, database_url="sqlite:////nonexistent-dir/x/y.db"))
    assert "COACH_DATABASE_URL" in str(info.value)


@pytest.mark.parametrize(
    ("mentor", "mentee", "sessions", "error"),
    [
        ("Aisha", "Robert", 6, None),
        ("", "Robert", 6, "mentor's name is empty"),
        ("Aisha", "   ", 6, "mentee's name is empty"),
        ("Aisha", "Robert", 0, "between 1 and 100"),
        ("A" * 201, "Robert", 6, "longer than 200"),
    ],
)
def test_create_pair_validates(database: Database, mentor: str, mentee: str, sessions: int, error: str | None) -> None:
    aisha = add_person(database, "Aisha")
    if error is None:
        pair = repo.create_pair(database, aisha, mentor, mentee, goals="AI tools", program_sessions=sessions)
        assert repo.get_pair(database, aisha, pair.id) == pair
        assert [p.label for p in repo.list_pairs(database, aisha)] == ["Aisha → Robert"]
    else:
        with pytest.raises(InputError, match=error):
            repo.create_pair(database, aisha, mentor, mentee, program_sessions=sessions)


def test_agenda_notes_and_action_items_carry_over(database: Database) -> None:
    aisha = add_person(database, "Aisha")
    pair = repo.create_pair(database, aisha, "Aisha", "Robert", program_sessions=6)
    repo.save_agenda(database, aisha, pair.id, 1, {"title": "First session", "items": []})
    repo.save_notes(database, aisha, pair.id, 1, "Talked about prompts.\n- [ ] Robert tries a chatbot", held=True)
    ids = repo.add_action_items(database, aisha, pair.id, 1, ["Robert tries a chatbot", "Aisha shares a reading list"])
    repo.add_action_items(database, aisha, pair.id, 1, ["Robert tries a chatbot"])  # no duplicate
    repo.set_action_done(database, aisha, ids[1])
    sessions = repo.list_sessions(database, aisha, pair.id)
    assert [(s.number, s.status) for s in sessions] == [(1, "held")]
    assert sessions[0].agenda == {"title": "First session", "items": []}
    assert [(i.text, i.done) for i in sessions[0].action_items] == [
        ("Robert tries a chatbot", False),
        ("Aisha shares a reading list", True),
    ]
    carried = repo.carry_over(database, aisha, pair.id, 2)
    assert carried.previous_number == 1
    assert "Talked about prompts" in carried.notes
    assert carried.open_actions == ["Robert tries a chatbot"]
    assert repo.carry_over(database, aisha, pair.id, 1).open_actions == []


def test_saving_to_unknown_pair_is_an_input_error(database: Database) -> None:
    with pytest.raises(InputError, match="No pair"):
        repo.save_agenda(database, add_person(database, "Aisha"), 999, 1, {})


def test_a_pair_is_private_to_its_creator_its_people_and_staff(database: Database) -> None:
    aisha, ben = add_person(database, "Aisha"), add_person(database, "Ben")
    cora = add_person(database, "Cora", Role.COORDINATOR)
    pair = repo.create_pair(database, aisha, "Aisha", "Robert")
    repo.save_notes(database, aisha, pair.id, 1, "PRIVATE pair notes")
    assert [p.id for p in repo.list_pairs(database, ben)] == []
    assert repo.list_sessions(database, cora, pair.id)[0].notes == "PRIVATE pair notes"
    for attempt in (
        lambda: repo.get_pair(database, ben, pair.id),
        lambda: repo.list_sessions(database, ben, pair.id),
        lambda: repo.carry_over(database, ben, pair.id, 2),
        lambda: repo.save_notes(database, ben, pair.id, 1, "overwritten"),
        lambda: repo.add_action_items(database, ben, pair.id, 1, ["sneaky"]),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert repo.list_sessions(database, aisha, pair.id)[0].notes == "PRIVATE pair notes"
    assert not repo.list_sessions(database, aisha, pair.id)[0].action_items


def test_private_items_are_filtered_by_owner(db: Database) -> None:
    aisha, ben = add_person(db, "Aisha"), add_person(db, "Ben")
    repo.save_reflection(db, aisha, "Older people are slow with tech.", {"q": "a"}, [{"category": "x"}])
    repo.save_questions(db, aisha, [("What surprised you?", "explore", "opens up")])
    attempt = repo.start_attempt(db, aisha, "defensive", "normal")
    repo.record_attempt(db, aisha, attempt, [{"user": "secret words"}], {"impact": 1.0}, 60.0)
    assert [r.text for r in repo.list_reflections(db, aisha)] == ["Older people are slow with tech."]
    assert repo.list_reflections(db, ben) == []
    assert repo.list_questions(db, ben) == []
    assert repo.list_attempts(db, ben) == []
    assert repo.list_attempts(db, aisha)[0].turns == [{"user": "secret words"}]
    with pytest.raises(PermissionDenied):
        repo.record_attempt(db, ben, attempt, [], {}, None)  # not Ben's attempt
    assert repo.list_attempts(db, aisha)[0].turns == [{"user": "secret words"}]


def test_program_summary_holds_aggregates_only(db: Database) -> None:
    aisha, ben = add_person(db, "Aisha"), add_person(db, "Ben")
    coordinator = add_person(db, "Cora", Role.COORDINATOR)
    pair = repo.create_pair(db, aisha, "Aisha", "Robert", program_sessions=4)
    repo.save_notes(db, aisha, pair.id, 1, "private notes", held=True)
    repo.save_agenda(db, aisha, pair.id, 2, {"title": "Second"})
    for overall, impact in ((40.0, 0.0), (80.0, 2.0)):
        attempt = repo.start_attempt(db, aisha, "defensive", "normal")
        repo.record_attempt(db, aisha, attempt, [{"user": "SECRET-TRANSCRIPT"}], {"impact": impact}, overall)
    repo.start_attempt(db, ben, "curious", "easy")  # no turns: not counted
    repo.save_reflection(db, aisha, "SECRET-REFLECTION", {}, [])
    summary = repo.program_summary(db, coordinator, min_group_size=1)
    assert (summary.pairs, summary.sessions_planned, summary.sessions_held) == (1, 4, 1)
    assert summary.progress[0].scheduled == 1
    assert (summary.practice_attempts, summary.practitioners, summary.average_overall) == (2, 1, 60.0)
    assert summary.scores_over_time[0].criteria == {"impact": 1.0}
    dumped = json.dumps(summary.model_dump(mode="json"))
    for secret in ("SECRET-TRANSCRIPT", "SECRET-REFLECTION", "private notes"):
        assert secret not in dumped


def test_two_tabs_writing_at_once_lose_nothing(database_settings: Settings) -> None:
    tab_a, tab_b = open_database(database_settings), open_database(database_settings)
    people = {"A": add_person(tab_a, "A"), "B": add_person(tab_a, "B")}
    cora = add_person(tab_a, "Cora", Role.COORDINATOR)
    pair = repo.create_pair(tab_a, cora, "Aisha", "Robert")
    errors: list[BaseException] = []

    def work(database: Database, who: str) -> None:
        try:
            for i in range(25):
                repo.add_action_items(database, cora, pair.id, 1 + i % 3, [f"{who} action {i}"])
                repo.save_questions(database, people[who], [(f"{who} question {i}?", "explore", "")], pair.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d, w)) for d, w in ((tab_a, "A"), (tab_b, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    items = [i.text for s in repo.list_sessions(tab_a, cora, pair.id) for i in s.action_items]
    assert len(items) == 50
    assert len(repo.list_questions(tab_b, people["A"])) == len(repo.list_questions(tab_b, people["B"])) == 25
    tab_a.dispose()
    tab_b.dispose()


def test_killing_the_app_mid_save_keeps_every_committed_save(database_settings: Settings) -> None:
    data_dir = database_settings.data_dir
    url = database_settings.database_url
    script = textwrap.dedent(
        f"""
        import sys
        from coach.config import Settings
        from coach.storage import open_database
        from coach.storage import repositories as repo
        from tests.people import add_person
        db = open_database(Settings(data_dir={str(data_dir)!r}, database_url={url!r}))
        aisha = add_person(db, "Aisha")
        pair = repo.create_pair(db, aisha, "Aisha", "Robert")
        print(aisha.account_id, flush=True)
        i = 0
        while True:
            repo.save_questions(db, aisha, [(f"question {{i}}?", "explore", "")], pair.id)
            print(i, flush=True)
            i += 1
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    account_id = int(proc.stdout.readline())
    acknowledged = -1
    deadline = time.monotonic() + 60
    while acknowledged < 30 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip():
            acknowledged = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert acknowledged >= 30
    db = open_database(database_settings)
    aisha = Actor(account_id=account_id, email="aisha@example.org", display_name="Aisha", role=Role.MENTOR)
    saved = {q.text for q in repo.list_questions(db, aisha)}
    assert {f"question {i}?" for i in range(acknowledged + 1)} <= saved
    db.dispose()


def test_unreachable_postgresql_raises_store_error_with_hint(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://coach:secret@127.0.0.1:{free_port()}/coach"
    with pytest.raises(StoreError) as info:
        open_database(Settings(data_dir=tmp_path, database_url=url))
    message = str(info.value)
    assert "COACH_DATABASE_URL" in message
    assert "secret" not in message  # the password is never shown


def test_replicas_starting_at_once_migrate_once(database_settings: Settings, tmp_path: Path) -> None:
    """Three app processes starting together on an empty database: one migrates, the others wait and find it done."""
    go = tmp_path / "go"
    script = textwrap.dedent(
        f"""
        import os, pathlib, time
        from coach.config import Settings
        from coach.storage import open_database
        go = pathlib.Path({str(go)!r})
        (go.parent / f"ready-{{os.getpid()}}").touch()
        while not go.exists():
            time.sleep(0.01)
        open_database(Settings(data_dir={str(database_settings.data_dir)!r}, database_url={database_settings.database_url!r})).dispose()
        print("ok")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(3)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # every process has imported the coach; now they start together
    go.touch()
    outputs = [proc.communicate(timeout=180) for proc in procs]
    assert [out.strip() for out, _ in outputs] == ["ok"] * 3, [err[-800:] for _, err in outputs]
    database = open_database(database_settings)
    with database.read() as session:
        assert session.execute(text("select version_num from alembic_version")).scalars().all() == [head_revision()]
    database.dispose()
