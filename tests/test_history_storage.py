"""Rehearsal turns saved one by one with their sequence number, resuming, and the downloads."""

from __future__ import annotations

import csv
import io
import threading

import pytest

from coach.errors import InputError, PermissionDenied
from coach.storage import Database
from coach.storage import repositories as repo
from coach.storage.exports import (
    attempt_markdown,
    questions_csv,
    questions_markdown,
    reflections_csv,
    reflections_markdown,
)
from tests.people import add_person


def turn(text: str, overall: int = 50) -> dict[str, object]:
    return {
        "user": text,
        "reply": f"reply to {text}",
        "score": {"overall": overall, "criteria": {"situation": {"score": 2}, "behavior": {"score": 1}}},
    }


def test_turns_are_saved_in_sequence_and_out_of_order_writes_are_refused(database: Database) -> None:
    aisha, robert = add_person(database, "Aisha"), add_person(database, "Robert")
    attempt = repo.start_attempt(database, aisha, "defensive", "normal")
    repo.record_attempt_turn(database, aisha, attempt, 1, turn("first"), {"impact": 1.0}, 40.0)
    with pytest.raises(InputError, match="does not follow"):
        repo.record_attempt_turn(database, aisha, attempt, 3, turn("third"), {}, 40.0)
    with pytest.raises(InputError, match="does not follow"):
        repo.record_attempt_turn(database, aisha, attempt, 1, turn("again"), {}, 40.0)
    repo.record_attempt_turn(database, aisha, attempt, 2, turn("second"), {"impact": 2.0}, 60.0)
    with pytest.raises(PermissionDenied):
        repo.record_attempt_turn(database, robert, attempt, 3, turn("not mine"), {}, 0.0)
    saved = repo.get_attempt(database, aisha, attempt)
    assert [(t["seq"], t["user"]) for t in saved.turns] == [(1, "first"), (2, "second")]
    assert saved.overall == 60.0 and saved.scores == {"impact": 2.0}
    with pytest.raises(PermissionDenied):
        repo.get_attempt(database, robert, attempt)


def test_racing_writers_of_the_same_turn_leave_one_turn_per_number(database: Database) -> None:
    aisha, _robert = add_person(database, "Aisha"), add_person(database, "Robert")
    attempt = repo.start_attempt(database, aisha, "busy", "hard")
    outcomes: list[str] = []

    def write(text: str) -> None:
        try:
            repo.record_attempt_turn(database, aisha, attempt, 1, turn(text), {}, 50.0)
            outcomes.append("saved")
        except InputError:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(f"tab {n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "saved"]
    assert [t["seq"] for t in repo.get_attempt(database, aisha, attempt).turns] == [1]


def test_latest_attempt_is_the_owners_newest_even_without_turns(database: Database) -> None:
    aisha, robert = add_person(database, "Aisha"), add_person(database, "Robert")
    assert repo.latest_attempt(database, aisha) is None
    first = repo.start_attempt(database, aisha, "busy", "easy")
    repo.record_attempt_turn(database, aisha, first, 1, turn("one"), {}, 30.0)
    second = repo.start_attempt(database, aisha, "receptive", "hard")
    repo.start_attempt(database, robert, "defensive", "normal")
    latest = repo.latest_attempt(database, aisha)
    assert latest is not None and latest.id == second and latest.turns == [] and latest.persona == "receptive"
    assert [a.id for a in repo.list_attempts(database, aisha)] == [first]


def test_question_downloads_hold_every_saved_question(database: Database) -> None:
    _aisha, robert = add_person(database, "Aisha"), add_person(database, "Robert")
    repo.save_questions(
        database,
        robert,
        [
            ("What do you use chat for?", "understand", "Opens up, no judgement"),
            ("Could we, try it, together?", "apply", ""),
        ],
    )
    saved = repo.list_questions(database, robert)
    markdown = questions_markdown(saved)
    assert "## Understand" in markdown and "- What do you use chat for?" in markdown and "*Why:* Opens up" in markdown
    rows = list(csv.reader(io.StringIO(questions_csv(saved))))
    assert rows == [
        ["group", "question", "why"],
        ["understand", "What do you use chat for?", "Opens up, no judgement"],
        ["apply", "Could we, try it, together?", ""],
    ]


def test_reflection_downloads_hold_text_flags_and_answers(database: Database) -> None:
    _aisha, robert = add_person(database, "Aisha"), add_person(database, "Robert")
    repo.save_reflection(
        database,
        robert,
        "Graduates never stay.\nThey job-hop.",
        {"Who told you?": "Nobody."},
        [{"span": "Graduates never stay"}],
    )
    repo.save_reflection(database, robert, "A plain note.", {}, [])
    saved = repo.list_reflections(database, robert)
    markdown = reflections_markdown(saved)
    assert "> Graduates never stay.\n> They job-hop." in markdown and "“Graduates never stay”" in markdown
    assert "**Who told you?**\n\nNobody." in markdown
    rows = list(csv.DictReader(io.StringIO(reflections_csv(saved))))
    assert [(r["text"], r["question"], r["answer"]) for r in rows] == [
        ("A plain note.", "", ""),
        ("Graduates never stay.\nThey job-hop.", "Who told you?", "Nobody."),
    ]


def test_attempt_transcript_lists_turns_in_order_with_marks(database: Database) -> None:
    aisha, _robert = add_person(database, "Aisha"), add_person(database, "Robert")
    attempt = repo.start_attempt(database, aisha, "defensive", "normal")
    repo.record_attempt_turn(database, aisha, attempt, 1, turn("first", 40), {}, 40.0)
    repo.record_attempt_turn(database, aisha, attempt, 2, turn("second", 80), {}, 60.0)
    text = attempt_markdown(repo.get_attempt(database, aisha, attempt), "Martin")
    assert text.startswith("# Rehearsal with Martin (normal)")
    assert text.index("## Turn 1") < text.index("> first") < text.index("## Turn 2") < text.index("> second")
    assert "Score 80/100: Situation 2/2, Behaviour 1/2" in text and "average 60/100" in text
