"""Retrieval on questions as users type them: stemming, misspellings, textisms, the users' set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach import resources
from coach.knowledge.lexical import LexicalIndex, tokenize
from coach.knowledge.query import normalise_query
from coach.runtime import Runtime

from .conftest import DATASETS_DIR

KNOWLEDGE_ROOT = resources.knowledge_dir()

GUIDES = {p.name for p in (KNOWLEDGE_ROOT / "guides").glob("*.md")}


def user_questions() -> list[dict[str, object]]:
    path = DATASETS_DIR / "user_questions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_users_set_is_large_labelled_and_split() -> None:
    rows = user_questions()
    assert len(rows) >= 60
    assert {r["split"] for r in rows} == {"dev", "test"}
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["relevant"] and set(row["relevant"]) <= GUIDES, row  # type: ignore[arg-type]
        assert row["topic"], row
    labelled = {g for r in rows for g in r["relevant"]}  # type: ignore[attr-defined]
    assert labelled == GUIDES  # every guide answers at least one everyday question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cancelling, cancelled sessions; they cancel", ["cancel", "cancel", "session", "cancel"]),
        ("Mentors mentoring the mentor's sessions", ["mentor", "mentor", "mentor", "session"]),
        ("im honestly lol just asking abt feedback", ["ask", "feedback"]),
    ],
)
def test_tokenizer_stems_and_drops_colloquial_words(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("im 23 and my mentee is the CFO??", "I'm 23 and my mentee is the CFO?"),
        ("whats the point lol, u know", "what's the point you know"),
        ("follow-up at 09:00, 24/7 and/or ppl", "follow-up at 09:00, 24/7 and/or people"),
        ("lol", ""),
        ("Impossible imports", "Impossible imports"),
    ],
)
def test_normalise_query(query: str, expected: str) -> None:
    assert normalise_query(query) == expected


@pytest.mark.integration
def test_misspellings_are_corrected_against_the_index(indexed_runtime: Runtime) -> None:
    lexical: LexicalIndex = indexed_runtime.retriever.lexical
    lexical.ensure(indexed_runtime.store)
    assert lexical.correct_spelling("harrassment and rehersal notes") == "harassment and rehearsal notes"
    assert lexical.query_tokens("harrassment") == tokenize("harassment")
    # A real word the guides do not use is left alone rather than "corrected" into another.
    assert lexical.correct_spelling("my restructure properly") == "my restructure properly"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "any_of"),
    [
        ("can i read the rehersal notes mentors write, just to check theyre ok?", {"confidentiality.md"}),
        ("how do I make it safe for a younger mentor to be honest with me", {"psychological-safety.md"}),
    ],
)
def test_everyday_questions_find_their_guides(indexed_runtime: Runtime, question: str, any_of: set[str]) -> None:
    found = [Path(p.source).name for p in indexed_runtime.retriever.retrieve(question, k=5)]
    assert set(found) & any_of, found
