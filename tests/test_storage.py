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
from sqlalchemy import inspect, text

from coach.config import Settings
from coach.errors import InputError, StoreError
from coach.storage import Database, open_database
from coach.storage import repositories as repo


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(Settings(data_dir=tmp_path / "data", llm_provider="fake"))
    yield database
    database.dispose()


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from coach.storage.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(config).get_current_head())


def test_migrations_create_tables_and_are_idempotent(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", llm_provider="fake")
    first = open_database(settings)
    second = open_database(settings)  # a second start-up finds nothing to do
    tables = set(inspect(second.engine).get_table_names())
    assert {"pairs", "sessions", "action_items", "practice_attempts", "reflections", "saved_questions"} <= tables
    with second.read() as session:
        assert session.execute(text("select version_num from alembic_version")).scalar() == _head_revision()
    assert (tmp_path / "data" / "coach.db").exists()
    first.dispose()
    second.dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(db: Database) -> None:
    with db.read() as session:
        assert session.execute(text("pragma journal_mode")).scalar() == "wal"
        assert int(session.execute(text("pragma busy_timeout")).scalar() or 0) >= 5000


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
def test_create_pair_validates(db: Database, mentor: str, mentee: str, sessions: int, error: str | None) -> None:
    if error is None:
        pair = repo.create_pair(db, mentor, mentee, goals="AI tools", program_sessions=sessions)
        assert repo.get_pair(db, pair.id) == pair
        assert [p.label for p in repo.list_pairs(db)] == ["Aisha → Robert"]
    else:
        with pytest.raises(InputError, match=error):
            repo.create_pair(db, mentor, mentee, program_sessions=sessions)


def test_agenda_notes_and_action_items_carry_over(db: Database) -> None:
    pair = repo.create_pair(db, "Aisha", "Robert", program_sessions=6)
    repo.save_agenda(db, pair.id, 1, {"title": "First session", "items": []})
    repo.save_notes(db, pair.id, 1, "Talked about prompts.\n- [ ] Robert tries a chatbot", held=True)
    ids = repo.add_action_items(db, pair.id, 1, ["Robert tries a chatbot", "Aisha shares a reading list"])
    repo.add_action_items(db, pair.id, 1, ["Robert tries a chatbot"])  # no duplicate
    repo.set_action_done(db, ids[1])
    sessions = repo.list_sessions(db, pair.id)
    assert [(s.number, s.status) for s in sessions] == [(1, "held")]
    assert sessions[0].agenda == {"title": "First session", "items": []}
    assert [(i.text, i.done) for i in sessions[0].action_items] == [
        ("Robert tries a chatbot", False),
        ("Aisha shares a reading list", True),
    ]
    carried = repo.carry_over(db, pair.id, 2)
    assert carried.previous_number == 1
    assert "Talked about prompts" in carried.notes
    assert carried.open_actions == ["Robert tries a chatbot"]
    assert repo.carry_over(db, pair.id, 1).open_actions == []


def test_saving_to_unknown_pair_is_an_input_error(db: Database) -> None:
    with pytest.raises(InputError, match="No pair"):
        repo.save_agenda(db, 999, 1, {})


def test_private_items_are_filtered_by_owner(db: Database) -> None:
    repo.save_reflection(db, "Aisha", "Older people are slow with tech.", {"q": "a"}, [{"category": "x"}])
    repo.save_questions(db, "Aisha", [("What surprised you?", "explore", "opens up")])
    attempt = repo.start_attempt(db, "Aisha", "defensive", "normal")
    repo.record_attempt(db, attempt, "Aisha", [{"user": "secret words"}], {"impact": 1.0}, 60.0)
    assert [r.text for r in repo.list_reflections(db, "Aisha")] == ["Older people are slow with tech."]
    assert repo.list_reflections(db, "Ben") == []
    assert repo.list_questions(db, "Ben") == []
    assert repo.list_attempts(db, "Ben") == []
    assert repo.list_attempts(db, "Aisha")[0].turns == [{"user": "secret words"}]
    with pytest.raises(InputError):
        repo.record_attempt(db, attempt, "Ben", [], {}, None)  # not Ben's attempt


def test_program_summary_holds_aggregates_only(db: Database) -> None:
    pair = repo.create_pair(db, "Aisha", "Robert", program_sessions=4)
    repo.save_notes(db, pair.id, 1, "private notes", held=True)
    repo.save_agenda(db, pair.id, 2, {"title": "Second"})
    for overall, impact in ((40.0, 0.0), (80.0, 2.0)):
        attempt = repo.start_attempt(db, "Aisha", "defensive", "normal")
        repo.record_attempt(db, attempt, "Aisha", [{"user": "SECRET-TRANSCRIPT"}], {"impact": impact}, overall)
    repo.start_attempt(db, "Ben", "curious", "easy")  # no turns: not counted
    repo.save_reflection(db, "Aisha", "SECRET-REFLECTION", {}, [])
    summary = repo.program_summary(db)
    assert (summary.pairs, summary.sessions_planned, summary.sessions_held) == (1, 4, 1)
    assert summary.progress[0].scheduled == 1
    assert (summary.practice_attempts, summary.practitioners, summary.average_overall) == (2, 1, 60.0)
    assert summary.scores_over_time[0].criteria == {"impact": 1.0}
    dumped = json.dumps(summary.model_dump(mode="json"))
    for secret in ("SECRET-TRANSCRIPT", "SECRET-REFLECTION", "private notes"):
        assert secret not in dumped


def test_two_tabs_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", llm_provider="fake")
    tab_a, tab_b = open_database(settings), open_database(settings)
    pair = repo.create_pair(tab_a, "Aisha", "Robert")
    errors: list[BaseException] = []

    def work(database: Database, who: str) -> None:
        try:
            for i in range(25):
                repo.add_action_items(database, pair.id, 1 + i % 3, [f"{who} action {i}"])
                repo.save_questions(database, who, [(f"{who} question {i}?", "explore", "")], pair.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d, w)) for d, w in ((tab_a, "A"), (tab_b, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    items = [i.text for s in repo.list_sessions(tab_a, pair.id) for i in s.action_items]
    assert len(items) == 50
    assert len(repo.list_questions(tab_b, "A")) == len(repo.list_questions(tab_b, "B")) == 25
    tab_a.dispose()
    tab_b.dispose()


def test_killing_the_app_mid_save_keeps_every_committed_save(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    script = textwrap.dedent(
        f"""
        import sys
        from coach.config import Settings
        from coach.storage import open_database
        from coach.storage import repositories as repo
        db = open_database(Settings(data_dir={str(data_dir)!r}))
        pair = repo.create_pair(db, "Aisha", "Robert")
        i = 0
        while True:
            repo.save_questions(db, "Aisha", [(f"question {{i}}?", "explore", "")], pair.id)
            print(i, flush=True)
            i += 1
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    acknowledged = -1
    deadline = time.monotonic() + 60
    while acknowledged < 30 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip():
            acknowledged = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert acknowledged >= 30
    db = open_database(Settings(data_dir=data_dir))
    saved = {q.text for q in repo.list_questions(db, "Aisha")}
    assert {f"question {i}?" for i in range(acknowledged + 1)} <= saved
    db.dispose()
