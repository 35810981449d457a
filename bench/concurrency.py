"""Many users at once in one process sharing one runtime, the way Streamlit serves sessions.

Each simulated user is a thread. Per round it rehearses three turns with a persona
(each turn scored and the attempt saved, as the rehearsal page does), scores a piece of
feedback, builds and saves an agenda for its pair, asks the guide a question and saves
two prepared questions, pausing ``--think`` seconds (random, uniform from 0 to twice the
value) between actions like a reader. Levels of 1, 5 and 20 users run one after another on
the same warm runtime, each against a fresh database, and are checked afterwards: every
write a user saw succeed must be in the database exactly once.

Prints throughput and p50/p95 per action and level; the last line reads
``concurrency: users=20 errors=N lost=N p95_turn_ms=N p95_ask_ms=N``.

Usage: python bench/concurrency.py [--levels 1 5 20] [--rounds 2] [--think 1.0] [--postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import percentile, save, table  # noqa: E402
from coach.config import Settings  # noqa: E402
from coach.runtime import Runtime  # noqa: E402
from coach.storage import Database, open_database  # noqa: E402
from coach.storage import repositories as repo  # noqa: E402

T = TypeVar("T")
PERSONAS = ("receptive", "busy", "defensive", "tech-sceptic", "rank-puller", "people-pleaser")
TURNS = (
    "I wanted to talk about Monday's stand-up.",
    "When you answered your phone while Priya presented, she stopped and the team lost the thread.",
    "Could you keep your phone away during the next demo and let her finish before asking questions?",
)
FEEDBACK = (
    "In yesterday's review you interrupted Sam twice, so we never heard her budget plan. Could you let her finish?"
)
QUESTIONS = (
    "How do I give feedback to a senior leader?",
    "What should a first session cover?",
    "How do we keep what is said in a session confidential?",
    "What if my mentee gets defensive?",
)
FOCUS = ("using AI assistants safely", "hybrid meetings", "how younger staff use chat", "reading a dashboard")


@dataclass
class Tally:
    """What one level measured: latencies per action, errors, and the writes users saw succeed."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)  # owner -> attempts saved with all turns
    agendas: dict[tuple[int, int], str] = field(default_factory=dict)  # (pair, session) -> title
    questions: dict[str, int] = field(default_factory=dict)  # owner -> saved questions
    people: dict[str, Any] = field(default_factory=dict)  # owner -> their account (an Actor)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def timed(self, action: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        with self.lock:
            self.seconds.setdefault(action, []).append(time.perf_counter() - start)


class User:
    """One simulated person: a pair of their own, rehearsals, scoring, agendas, questions."""

    def __init__(self, index: int, runtime: Runtime, db: Database, tally: Tally, think: float) -> None:
        self.owner = f"user{index:02d}"
        from tests.people import add_person

        self.me = add_person(db, self.owner)
        tally.people[self.owner] = self.me
        self.index = index
        self.runtime, self.db, self.tally, self.think = runtime, db, tally, think
        self.rng = random.Random(index)

    def pause(self) -> None:
        time.sleep(self.rng.uniform(0, 2 * self.think))

    def run(self, rounds: int) -> None:
        pair = repo.create_pair(self.db, self.me, self.owner, f"Senior {self.index}", program_sessions=12)
        for number in range(1, rounds + 1):
            steps = (self.rehearse, self.score, lambda n=number: self.agenda(pair.id, n), self.ask)
            for step in steps:
                self.pause()
                step()

    def rehearse(self) -> None:
        from coach.flows.roleplay.session import PracticeSession
        from coach.services import attempt_scores

        rt = self.runtime
        persona = PERSONAS[self.rng.randrange(len(PERSONAS))]
        session = PracticeSession(persona, "normal", embedder=rt.embedder, model=rt.chat_model, retriever=rt.retriever)
        attempt = repo.start_attempt(self.db, self.me, persona, "normal")
        for text in TURNS:
            with self.tally.timed("turn"):
                session.respond(text)
            with self.tally.timed("save"):
                repo.record_attempt(self.db, self.me, attempt, *attempt_scores(session.turns))
        with self.tally.lock:
            self.tally.attempts[self.owner] = self.tally.attempts.get(self.owner, 0) + 1

    def score(self) -> None:
        from coach.flows.feedback.scoring import score_feedback

        with self.tally.timed("feedback"):
            score_feedback(FEEDBACK, self.runtime.embedder)

    def agenda(self, pair_id: int, number: int) -> None:
        from coach.flows.agenda.builder import AgendaRequest, build_agenda

        request = AgendaRequest(
            mentor=self.owner,
            mentee=f"Senior {self.index}",
            session_number=number,
            program_sessions=12,
            duration_minutes=45,
            focus=FOCUS[self.rng.randrange(len(FOCUS))],
        )
        with self.tally.timed("agenda"):
            agenda = build_agenda(request, self.runtime.retriever, self.runtime.chat_model)
        title = f"{self.owner} session {number}"
        with self.tally.timed("save"):
            repo.save_agenda(self.db, self.me, pair_id, number, {**agenda.model_dump(mode="json"), "title": title})
        with self.tally.lock:
            self.tally.agendas[(pair_id, number)] = title

    def ask(self) -> None:
        from coach.answering import answer_question

        question = QUESTIONS[self.rng.randrange(len(QUESTIONS))]
        rt = self.runtime
        with self.tally.timed("ask"):
            answer_question(question, rt.retriever, rt.settings, model=rt.chat_model)
        with self.tally.timed("save"):
            repo.save_questions(self.db, self.me, [(f"{question} ({self.owner})", "explore", ""), (question, "", "")])
        with self.tally.lock:
            self.tally.questions[self.owner] = self.tally.questions.get(self.owner, 0) + 2


def run_level(users: int, rounds: int, think: float, runtime: Runtime, db: Database) -> tuple[Tally, float]:
    tally = Tally()
    start = threading.Barrier(users)

    def body(index: int) -> None:
        try:
            start.wait()
            User(index, runtime, db, tally, think).run(rounds)
        except Exception:
            with tally.lock:
                tally.errors.append(traceback.format_exc(limit=4))

    threads = [threading.Thread(target=body, args=(i,), name=f"user{i}") for i in range(users)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - began


def lost_writes(tally: Tally, db: Database) -> tuple[int, list[str]]:
    """Acknowledged writes missing from (or duplicated in) the database, with what differs."""
    problems: list[str] = []
    for owner, count in tally.attempts.items():
        stored = [a for a in repo.list_attempts(db, tally.people[owner]) if len(a.turns) == len(TURNS)]
        if len(stored) != count:
            problems.append(f"{owner}: {count} rehearsals saved, {len(stored)} stored with every turn")
    for owner, count in tally.questions.items():
        stored_questions = len(repo.list_questions(db, tally.people[owner]))
        if stored_questions != count:
            problems.append(f"{owner}: {count} questions saved, {stored_questions} stored")
    by_pair: dict[int, dict[int, Any]] = {}
    owners = {
        pair_id: person for person in tally.people.values() for pair_id in (p.id for p in repo.list_pairs(db, person))
    }
    for pair_id, _ in tally.agendas:
        by_pair.setdefault(pair_id, {s.number: s for s in repo.list_sessions(db, owners[pair_id], pair_id)})
    for (pair_id, number), title in tally.agendas.items():
        stored_session = by_pair[pair_id].get(number)
        if stored_session is None or (stored_session.agenda or {}).get("title") != title:
            problems.append(f"pair {pair_id} session {number}: agenda '{title}' not stored")
    return len(problems), problems


def level_rows(users: int, tally: Tally, wall: float) -> list[list[str]]:
    rows = []
    for action in ("turn", "feedback", "agenda", "ask", "save"):
        got = [s * 1000 for s in tally.seconds.get(action, [])]
        if got:
            rows.append(
                [
                    str(users),
                    action,
                    str(len(got)),
                    f"{len(got) / wall:.2f}",
                    f"{percentile(got, 50):.0f}",
                    f"{percentile(got, 95):.0f}",
                ]
            )
    return rows


def warm_up(runtime: Runtime) -> None:
    """Load every model and index once, so level 1 measures use rather than loading."""
    from coach.answering import answer_question
    from coach.flows.agenda.builder import AgendaRequest, build_agenda
    from coach.flows.feedback.scoring import score_feedback

    score_feedback(FEEDBACK, runtime.embedder)
    answer_question(QUESTIONS[0], runtime.retriever, runtime.settings, model=runtime.chat_model)
    request = AgendaRequest(session_number=1, program_sessions=6, duration_minutes=45, focus=FOCUS[0])
    build_agenda(request, runtime.retriever, runtime.chat_model)


def database_factory(work: Path, postgres: bool) -> tuple[Callable[[int], Database], Callable[[], None]]:
    """A fresh database per level (SQLite files, or databases in a throwaway PostgreSQL cluster)."""
    if not postgres:
        return (lambda users: open_database(Settings(data_dir=work / f"db-{users}"))), (lambda: None)
    from tests.postgres import PostgresCluster, postgres_bin_dir

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    return (
        lambda users: open_database(Settings(data_dir=work, database_url=cluster.url(cluster.create_database())))
    ), cluster.stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--rounds", type=int, default=2, help="Rounds of the action mix per user.")
    parser.add_argument("--think", type=float, default=1.0, help="Mean pause between a user's actions, seconds.")
    parser.add_argument("--postgres", action="store_true", help="Save to a throwaway PostgreSQL cluster.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coach-bench-conc-") as tmp:
        work = Path(tmp)
        runtime = Runtime(Settings(data_dir=work / "data"))
        print(f"indexing knowledge/ ({runtime.settings.embedding_backend} embeddings)…", file=sys.stderr)
        assert runtime.ingest().ok
        warm_up(runtime)
        new_database, cleanup = database_factory(work, args.postgres)
        rows: list[list[str]] = []
        summary: list[str] = []
        last: dict[str, Any] = {}
        try:
            for users in args.levels:
                db = new_database(users)
                tally, wall = run_level(users, args.rounds, args.think, runtime, db)
                lost, problems = lost_writes(tally, db)
                db.dispose()
                rows += level_rows(users, tally, wall)
                p95 = {a: percentile([s * 1000 for s in tally.seconds.get(a, [0.0])], 95) for a in ("turn", "ask")}
                summary.append(f"users={users}: {wall:.1f}s wall, errors={len(tally.errors)}, lost={lost}")
                for problem in (tally.errors + problems)[:5]:
                    summary.append("  " + problem.strip().replace("\n", "\n  "))
                print(summary[-1], file=sys.stderr, flush=True)
                last = {"users": users, "errors": len(tally.errors), "lost": lost, **p95}
        finally:
            cleanup()
    report = [
        "# Concurrent users in one process",
        "",
        f"{args.rounds} rounds per user; mean think time {args.think}s; database:"
        f" {'PostgreSQL' if args.postgres else 'SQLite'}; embeddings: {runtime.settings.embedding_backend}.",
        "",
        table(["users", "action", "count", "per second", "p50 ms", "p95 ms"], rows),
        "",
        *summary,
    ]
    text = "\n".join(report)
    print(text)
    print(f"\nSaved to {save('concurrency.md', text)}")
    print(
        f"concurrency: users={last['users']} errors={last['errors']} lost={last['lost']}"
        f" p95_turn_ms={last['turn']:.0f} p95_ask_ms={last['ask']:.0f}"
    )


if __name__ == "__main__":
    main()
