"""Two app processes sharing one PostgreSQL database and one Chroma server, side by side.

Each process indexes the same documents, answers questions from the shared index and
saves its users' work; afterwards nothing is missing and nothing is stored twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coach.actors import Role
from coach.config import Settings
from coach.knowledge.store import VectorStore
from coach.storage import open_database
from coach.storage import repositories as repo
from tests.people import add_person
from tests.postgres import PostgresCluster
from tests.test_chroma_server import chroma_server  # noqa: F401  (fixture used by name)

from .conftest import KNOWLEDGE_DIR

pytestmark = [pytest.mark.integration, pytest.mark.slow]
GUIDES = ("confidentiality.md", "active-listening.md", "first-session.md")
REPLICA = textwrap.dedent(
    """
    import json, os, pathlib, sys, time
    from coach.answering import answer_question
    from coach.runtime import Runtime
    from coach.storage import open_database
    from coach.actors import Actor, Role
    from coach.storage import repositories as repo
    name, docs, go, pair_id = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]), int(sys.argv[4])
    me = Actor(int(sys.argv[5]), f"{name}@example.org", name, Role.COORDINATOR)
    runtime = Runtime()
    db = open_database(runtime.settings)
    (go.parent / f"ready-{name}").touch()
    while not go.exists():
        time.sleep(0.01)
    summary = runtime.ingest([docs])
    saved = []
    for i in range(10):
        answer = answer_question("What stays private between mentor and mentee?", runtime.retriever, runtime.settings)
        saved += repo.save_questions(db, me, [(f"{name} question {i}", "explore", answer.answer[:80])], pair_id)
        repo.add_action_items(db, me, pair_id, 1, [f"shared action {i}", f"{name} action {i}"])
    print(json.dumps({"saved": saved, "ok": summary.ok, "sources": answer.passages[0].source}))
    """
)


def test_two_processes_share_postgresql_and_chroma(
    chroma_server: int,  # noqa: F811
    postgres_cluster: PostgresCluster,
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in GUIDES:
        (docs / name).write_bytes((KNOWLEDGE_DIR / "guides" / name).read_bytes())
    url = postgres_cluster.url(postgres_cluster.create_database())
    shared = Settings(data_dir=tmp_path / "check", database_url=url, vector_store="http", chroma_port=chroma_server)
    db = open_database(shared)
    people = {name: add_person(db, name, Role.COORDINATOR) for name in ("replica-a", "replica-b")}
    pair = repo.create_pair(db, people["replica-a"], "Aisha", "Robert")
    go = tmp_path / "go"
    procs = []
    for name in ("replica-a", "replica-b"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
        env.update(
            COACH_DATA_DIR=str(tmp_path / name),
            COACH_DATABASE_URL=url,
            COACH_VECTOR_STORE="http",
            COACH_CHROMA_HOST="127.0.0.1",
            COACH_CHROMA_PORT=str(chroma_server),
            COACH_LLM_PROVIDER="fake",
            COACH_MODEL_CACHE_DIR=os.environ["COACH_MODEL_CACHE_DIR"],
        )
        args = [sys.executable, "-c", REPLICA, name, str(docs), str(go), str(pair.id), str(people[name].account_id)]
        procs.append(subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 240
    while len(list(tmp_path.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()  # both start indexing and saving at the same moment
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert all(r["ok"] and r["sources"].endswith("docs/confidentiality.md") for r in results)
    store = VectorStore(shared)
    by_source = store.ids_by_source()
    assert {Path(s).name for s in by_source} == set(GUIDES) and len(by_source) == len(GUIDES)
    assert store.count() == sum(len(ids) for ids in by_source.values())  # each chunk stored once
    for name, result in zip(("replica-a", "replica-b"), results, strict=True):
        stored = repo.list_questions(db, people[name])
        assert sorted(q.id for q in stored) == sorted(result["saved"])
        assert sorted(q.text for q in stored) == sorted(f"{name} question {i}" for i in range(10))
    items = sorted(a.text for s in repo.list_sessions(db, people["replica-b"], pair.id) for a in s.action_items)
    expected = [f"shared action {i}" for i in range(10)]
    expected += [f"{name} action {i}" for name in ("replica-a", "replica-b") for i in range(10)]
    assert items == sorted(expected)
    db.dispose()
