"""Question prep: counts, openness, stereotype checks, groups, citations, templates and the model path."""

from __future__ import annotations

import json
import re

import pytest

from coach.errors import InputError
from coach.flows.questions.prep import (
    GROUPS,
    QuestionSet,
    is_open_question,
    load_templates,
    prepare_questions,
    question_problems,
    slot_topic,
)
from coach.flows.stereotypes.check import check_stereotypes
from tests.test_agenda_support import FakeRetriever

MENTEE = "Martin, Chief Financial Officer, who wants to make faster decisions with his team."
OPENERS = ("what", "how", "which", "who", "where", "tell me", "walk me through")


def assert_good(result: QuestionSet, count: int, retriever: FakeRetriever) -> None:
    assert len(result.questions) == count
    texts = [q.text for q in result.questions]
    assert len(set(texts)) == len(texts)
    for question in result.questions:
        assert question.group in GROUPS
        assert is_open_question(question.text), (question.text, question_problems(question.text))
        assert not check_stereotypes(question.text).has_stereotype, question.text
        assert question.why
        assert question.citations and set(question.citations) <= retriever.returned
    assert {q.group for q in result.questions} == set(GROUPS)


@pytest.mark.parametrize("count", range(5, 11))
def test_prepares_the_requested_number_of_checked_questions(count: int) -> None:
    retriever = FakeRetriever()
    result = prepare_questions(MENTEE, "the team chat tool", retriever, count=count)
    assert_good(result, count, retriever)


@pytest.mark.parametrize(
    ("mentee", "topic"),
    [
        ("", "TikTok"),
        (MENTEE, "How Gen Z staff experience hybrid meetings"),
        (MENTEE, "why millennials job-hop"),
        ("Directrice financière", "IA générative au travail 🚀"),
        ("", "職場でのチャットツール"),
        (MENTEE, "inclusive language in job adverts. " * 500),
        ("x" * 20_000, "using automation in the finance team"),
    ],
)
def test_awkward_topics_still_give_open_unflagged_questions(mentee: str, topic: str) -> None:
    retriever = FakeRetriever()
    assert_good(prepare_questions(mentee, topic, retriever), 8, retriever)


@pytest.mark.parametrize(
    ("topic", "count", "expected_error"),
    [
        ("", 8, "topic is empty"),
        ("   ", 8, "topic is empty"),
        ("chat", 4, "between 5 and 10"),
        ("chat", 11, "between 5 and 10"),
    ],
)
def test_bad_inputs(topic: str, count: int, expected_error: str) -> None:
    with pytest.raises(InputError, match=expected_error):
        prepare_questions(MENTEE, topic, FakeRetriever(), count=count)


def test_age_labels_are_removed_from_the_topic_rather_than_repeated() -> None:
    result = prepare_questions(MENTEE, "how Gen Z staff use chat", FakeRetriever())
    assert all("gen z" not in q.text.lower() for q in result.questions)
    assert any("staff use chat" in q.text for q in result.questions)


def test_questions_are_deterministic_and_cite_the_open_questions_guide() -> None:
    first = prepare_questions(MENTEE, "social media for leaders", FakeRetriever())
    second = prepare_questions(MENTEE, "social media for leaders", FakeRetriever())
    assert first.public() == second.public()
    retriever = FakeRetriever()
    result = prepare_questions(MENTEE, "social media for leaders", retriever)
    guide_ids = {p.id for p in retriever.passages if p.source.endswith("asking-open-questions.md")}
    assert all(set(q.citations) & guide_ids for q in result.questions)


def test_public_json_shape() -> None:
    data = prepare_questions(MENTEE, "chat", FakeRetriever()).public()
    assert set(data) == {"questions"}
    assert all(set(q) == {"text", "group", "why", "citations"} for q in data["questions"])


@pytest.mark.parametrize(
    ("text", "is_open"),
    [
        ("What does a good thread look like?", True),
        ("How do you decide?", True),
        ("Tell me about your first week.", True),
        ("Walk me through your setup.", True),
        ("Is chat better than email?", False),
        ("Do you use TikTok?", False),
        ("Could you show me?", False),
        ("Don't you think email is fine?", False),
        ("What is wrong with email, don't you think?", False),
        ("What is obviously the best tool?", False),
        ("Which tool is best, right?", False),
        ("Shouldn't we ban phones?", False),
        ("", False),
    ],
)
def test_question_checks(text: str, is_open: bool) -> None:
    assert is_open_question(text) is is_open


def test_templates_are_open_unloaded_and_plentiful() -> None:
    library = load_templates()
    assert set(library.groups) == set(GROUPS)
    for group in library.groups.values():
        assert len(group.templates) >= 12
        for template in group.templates:
            text = template.text.format(topic="the team chat tool")
            assert text.lower().startswith(OPENERS), text
            assert is_open_question(text), text
            assert not check_stereotypes(text).has_stereotype, text
            assert not re.search(r"\b(young|old|older|younger|generation|millennial|boomer)\b", text, re.I), text


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("TikTok?", "TikTok"),
        ("Using the team chat tool.", "using the team chat tool"),
        ("How staff use chat", "the way staff use chat"),
        ("how to run a hybrid meeting", "ways to run a hybrid meeting"),
        ("AI tools", "AI tools"),
    ],
)
def test_slot_topic(topic: str, expected: str) -> None:
    assert slot_topic(topic) == expected


def test_capable_model_questions_are_checked_and_topped_up() -> None:
    from coach.llm.fake import FakeChatModel

    proposal = {
        "questions": [
            {
                "text": "What does a good decision thread look like to you?",
                "group": "understand",
                "why": "Sets the bar.",
            },
            {"text": "Do you like chat?", "group": "explore", "why": "Closed, must be dropped."},
            {"text": "Don't you think email is slower?", "group": "explore", "why": "Leading, must be dropped."},
            {"text": "Why are young people always on their phones?", "group": "explore", "why": "Stereotype."},
        ]
    }
    model = FakeChatModel(responses=[json.dumps(proposal)])
    retriever = FakeRetriever()
    result = prepare_questions(MENTEE, "decision threads in chat", retriever, model=model)
    assert_good(result, 8, retriever)
    texts = [q.text for q in result.questions]
    assert "What does a good decision thread look like to you?" in texts
    assert "Do you like chat?" not in texts and "Don't you think email is slower?" not in texts
    assert all("young people" not in t for t in texts)
    assert result.source == "model"


def test_weak_or_broken_models_fall_back_to_templates() -> None:
    from coach.llm.fake import FakeChatModel

    weak = FakeChatModel(responses=["{}"], capable=False)
    broken = FakeChatModel(responses=["no json here"])
    baseline = prepare_questions(MENTEE, "chat", FakeRetriever())
    for model in (weak, broken):
        result = prepare_questions(MENTEE, "chat", FakeRetriever(), model=model)
        assert result.source == "templates"
        assert result.public() == baseline.public()
    assert weak.calls == []
