"""One runtime shared by many threads, as Streamlit shares it between browser sessions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coach.actors import Role
from coach.config import Settings
from coach.flows.feedback.scoring import score_feedback
from coach.flows.roleplay.session import PracticeSession
from coach.llm.generation import generate_text, stream_text
from coach.llm.prompts import Prompt
from coach.runtime import Runtime
from coach.storage import Database
from coach.storage import repositories as repo
from tests.people import add_person

SAY = Prompt(
    name="say", version=1, input_variables=["topic"], system="You are brief.", template="One sentence about {topic}."
)
TURN = "In Tuesday's review you interrupted Sam twice; could you let her finish next time?"


def run_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` on ``count`` threads started together; results in order, errors re-raised."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:  # pragma: no cover - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_components_are_built_once_when_threads_ask_together(tmp_path: Path) -> None:
    runtime = Runtime(Settings(data_dir=tmp_path, llm_provider="fake"))
    stores = run_threads(8, lambda _: runtime.store)
    retrievers = run_threads(8, lambda _: runtime.retriever)
    assert all(s is stores[0] for s in stores)
    assert all(r is retrievers[0] for r in retrievers)
    assert retrievers[0].store is stores[0]


@pytest.mark.integration
@pytest.mark.slow
def test_rehearsals_and_scoring_share_one_embedder(indexed_runtime: Runtime) -> None:
    """Feedback scoring uses ONNX vectors, PyTorch layers and the adapter from many threads at once."""
    expected = score_feedback(TURN, indexed_runtime.embedder)

    def rehearse(i: int) -> tuple[float, float]:
        session = PracticeSession("defensive", embedder=indexed_runtime.embedder, retriever=indexed_runtime.retriever)
        turn = session.respond(TURN)
        passages = indexed_runtime.retriever.retrieve(f"feedback to a senior leader {i}", k=3)
        assert len(passages) == 3
        return turn.score.overall, score_feedback(TURN, indexed_runtime.embedder).overall

    results = run_threads(8, rehearse)
    assert {r for pair in results for r in pair} == {expected.overall}


@pytest.mark.integration
@pytest.mark.slow
def test_threads_take_turns_on_the_local_model(tmp_path: Path) -> None:
    """Two generations at once on one llama.cpp context would corrupt each other; they queue."""
    runtime = Runtime(Settings(data_dir=tmp_path, llm_provider="local", llm_temperature=0.0))
    model = runtime.chat_model
    alone = generate_text(model, SAY, {"topic": "mentoring"}, max_tokens=16)

    def generate(i: int) -> str:
        if i % 2:
            return "".join(stream_text(model, SAY, {"topic": "mentoring"}, max_tokens=16))
        return generate_text(model, SAY, {"topic": "mentoring"}, max_tokens=16)

    assert alone.strip()
    assert run_threads(4, generate) == [alone] * 4


def test_many_threads_saving_at_once_lose_nothing(database: Database) -> None:
    people = [add_person(database, f"user{i}") for i in range(12)]
    cora = add_person(database, "Cora", Role.COORDINATOR)
    pair = repo.create_pair(database, cora, "Aisha", "Robert")

    def save(i: int) -> None:
        owner = people[i]
        for n in range(5):
            attempt = repo.start_attempt(database, owner, "busy", "normal")
            repo.record_attempt(database, owner, attempt, [{"user": f"turn {n}"}], {"impact": 1.0}, 50.0)
            repo.save_agenda(database, cora, pair.id, 1 + (i * 5 + n) % 7, {"title": f"{owner.display_name} {n}"})
            repo.add_action_items(database, cora, pair.id, 1, [f"{owner.display_name} action {n}"])

    run_threads(12, save)
    for person in people:
        assert len(repo.list_attempts(database, person)) == 5
    sessions = repo.list_sessions(database, cora, pair.id)
    assert sorted(s.number for s in sessions) == list(range(1, 8))  # one row per session number
    assert len([a for s in sessions for a in s.action_items]) == 60


def test_the_same_action_item_saved_from_many_tabs_is_stored_once(database: Database) -> None:
    """Tabs saving the same notes at once: each open action item is stored once (PostgreSQL runs them truly in parallel)."""
    aisha = add_person(database, "Aisha")
    pair = repo.create_pair(database, aisha, "Aisha", "Robert")
    repo.save_notes(database, aisha, pair.id, 1, "first notes")
    texts = [f"Robert tries tool {n}" for n in range(6)]
    run_threads(8, lambda i: [repo.add_action_items(database, aisha, pair.id, 1, [t]) for t in texts])
    items = [a.text for s in repo.list_sessions(database, aisha, pair.id) for a in s.action_items]
    assert sorted(items) == sorted(texts)
