"""``coach nudges run`` against a real SMTP server on loopback, as cron would call it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from coach.actors import Actor, Role
from coach.config import PROJECT_ROOT, Settings
from coach.operations import outbox
from coach.operations.sources import program_pair_facts
from coach.programs import matching_store
from coach.programs import repository as programs
from coach.storage import open_database
from tests.postgres import PostgresCluster
from tests.programs_fixtures import WordEmbedder
from tests.test_operations import Inbox, _free_port
from tests.test_operations_program import CSV

COORDINATOR = Actor(1, "coord@ex.org", "Cora", Role.COORDINATOR)


def _coach(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args], cwd=PROJECT_ROOT, env=env, text=True, capture_output=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.integration
def test_nudges_run_sends_once_and_reports_bad_input(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = open_database(Settings(data_dir=data, llm_provider="fake"))
    created = programs.create_program(db, COORDINATOR, "Spring", date(2030, 3, 4), sessions=2, cadence_days=14)
    programs.import_participants(db, COORDINATOR, created.id, CSV)
    matching_store.propose(db, COORDINATOR, created.id, WordEmbedder())
    matching_store.publish(db, COORDINATOR, created.id)
    (pair,) = program_pair_facts(db, created.id)
    db.dispose()

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
        env.update(
            COACH_DATA_DIR=str(data),
            COACH_SMTP_HOST="127.0.0.1",
            COACH_SMTP_PORT=str(controller.port),
            COACH_LLM_PROVIDER="fake",
        )
        when = (pair.sessions[0].starts_at - timedelta(hours=2)).isoformat()
        first = _coach(env, "nudges", "run", "--now", when, "--json")
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["sent"] == 4  # each person: the reminder and the open start survey
        again = _coach(env, "nudges", "run", "--now", when, "--json")
        assert json.loads(again.stdout)["recorded"] == 0 and json.loads(again.stdout)["sent"] == 0
        assert sorted((m["To"], m["Subject"].split(":")[0]) for m in inbox.messages) == [
            ("martin@ex.org", "Reminder"),
            ("martin@ex.org", "Start-of-program survey of Spring"),
            ("priya@ex.org", "Reminder"),
            ("priya@ex.org", "Start-of-program survey of Spring"),
        ]
        bad = _coach(env, "nudges", "run", "--now", "next tuesday")
        assert bad.returncode == 2 and "ISO 8601" in bad.stderr and "Traceback" not in bad.stderr
        missing = _coach(env, "nudges", "resend", "nope")
        assert missing.returncode == 2 and "No failed or interrupted nudge" in missing.stderr
    finally:
        controller.stop()


@pytest.mark.slow
@pytest.mark.integration
def test_the_nudge_job_started_on_two_servers_at_once_does_its_work_once(
    tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    """Two `coach nudges run` processes against one PostgreSQL: each reminder and survey note is emailed once."""
    url = postgres_cluster.url(postgres_cluster.create_database())
    db = open_database(Settings(data_dir=tmp_path / "setup", database_url=url, llm_provider="fake"))
    created = programs.create_program(db, COORDINATOR, "Spring", date(2030, 3, 4), sessions=2, cadence_days=14)
    programs.import_participants(db, COORDINATOR, created.id, CSV)
    matching_store.propose(db, COORDINATOR, created.id, WordEmbedder())
    matching_store.publish(db, COORDINATOR, created.id)
    (pair,) = program_pair_facts(db, created.id)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        when = (pair.sessions[0].starts_at - timedelta(hours=2)).isoformat()
        procs = []
        for name in ("server-a", "server-b"):
            env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
            env.update(
                COACH_DATA_DIR=str(tmp_path / name),
                COACH_DATABASE_URL=url,
                COACH_LLM_PROVIDER="fake",
                COACH_SMTP_HOST="127.0.0.1",
                COACH_SMTP_PORT=str(controller.port),
            )
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "coach", "nudges", "run", "--now", when, "--json"],
                    cwd=PROJECT_ROOT,
                    env=env,
                    text=True,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-2000:]
            reports.append(json.loads(out))
    finally:
        controller.stop()
    # Each person's reminder and start-survey note, once, whichever server recorded or sent it.
    assert sum(r["sent"] for r in reports) == 4 and sum(r["recorded"] for r in reports) == 4
    assert sorted(m["To"] for m in inbox.messages) == ["martin@ex.org"] * 2 + ["priya@ex.org"] * 2
    assert len({m["Message-ID"] for m in inbox.messages}) == 4
    assert {n.status for n in outbox.rows(db)} == {"sent"}
    db.dispose()
