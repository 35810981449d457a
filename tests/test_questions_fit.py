"""Question prep reads naturally, fits the mentee, and never repeats a template."""

from __future__ import annotations

import re

import pytest

from coach.flows.questions.fit import concern_of, profile_tags, topic_forms
from coach.flows.questions.prep import is_open_question, prepare_questions, slot_topic
from coach.schemas import Passage

TOPIC = "how buyers research vendors on LinkedIn and TikTok"


class _NoPassages:
    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        return []


def _texts(mentee: str, topic: str = TOPIC, count: int = 8) -> list[str]:
    return [q.text for q in prepare_questions(mentee, topic, _NoPassages(), count=count).questions]


@pytest.mark.parametrize(
    ("topic", "clause", "noun"),
    [
        (TOPIC, TOPIC, "buyers' research on LinkedIn and TikTok"),
        ("the way staff use chat", "how staff use chat", "staff's use of chat"),
        ("how to run a hybrid meeting", "how to run a hybrid meeting", "ways to run a hybrid meeting"),
        ("AI tools", None, "AI tools"),
    ],
)
def test_topic_forms(topic: str, clause: str | None, noun: str) -> None:
    forms = topic_forms(slot_topic(topic))
    assert forms.clause == clause
    assert forms.noun == noun


def test_the_raw_clause_is_never_pasted_after_a_preposition_it_does_not_fit() -> None:
    for text in _texts("Head of marketing"):
        assert "the way buyers" not in text
        assert not re.search(r"\b(?:with|of|try|get) how\b", text), text
        assert is_open_question(text), text


def test_role_and_stance_change_the_questions() -> None:
    sceptic = _texts("Sceptical VP of Sales, worried about wasting the reps' time")
    curious = _texts("Curious CFO who wants to understand the numbers")
    assert sceptic != curious
    assert any("concern about wasting the reps' time" in t for t in sceptic)
    assert any("customer" in t.lower() or "deal" in t.lower() for t in sceptic)
    assert any("numbers" in t.lower() or "finance" in t.lower() for t in curious)


@pytest.mark.parametrize("count", [5, 8, 10])
@pytest.mark.parametrize("topic", [TOPIC, "Gen Z marketing", "team chat"])
def test_no_template_is_used_twice(count: int, topic: str) -> None:
    questions = prepare_questions("CFO", topic, _NoPassages(), count=count).questions
    templates = [q._template for q in questions if q._template]
    assert len(templates) == len(set(templates))
    assert len(questions) == count


def test_profile_words() -> None:
    assert {"evidence", "customers"} <= profile_tags("A sceptical sales director")
    assert profile_tags("") == set()
    assert concern_of("Worried that the team will see it as a gimmick.") == "that the team will see it as a gimmick"
    assert concern_of("Keen to learn") is None
