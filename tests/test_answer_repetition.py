"""Generated answers stop repeating, repeats are never counted as grounded, and length is bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coach.answering import answer_question
from coach.llm.fake import FakeChatModel
from tests.llm_fixtures import FEEDBACK_PASSAGES, StubRetriever, make_settings

QUESTION = "How should a junior mentor give upward feedback to a senior leader?"
GOOD = "Describe the situation, the behaviour and its impact [1]."


@pytest.fixture
def retriever(embedder: Any) -> StubRetriever:
    return StubRetriever(list(FEEDBACK_PASSAGES), embedder)


def test_a_repeated_sentence_stops_the_answer_and_is_not_grounded(retriever: StubRetriever, tmp_path: Path) -> None:
    fake = FakeChatModel(responses=[" ".join([GOOD] * 8 + ["Ask how they saw it [1]."])])
    result = answer_question(QUESTION, retriever, make_settings(tmp_path), model=fake, mode="generative")
    assert result.answer.count("Describe the situation") == 1
    assert result.grounded_sentences == 1 and result.total_sentences == 2  # stopped at the first repeat
    assert "Ask how they saw it" not in result.answer


def test_a_repeat_with_other_citations_or_case_is_still_a_repeat(retriever: StubRetriever, tmp_path: Path) -> None:
    reply = f"{GOOD} describe the SITUATION, the behaviour and its impact [2]."
    result = answer_question(
        QUESTION, retriever, make_settings(tmp_path), model=FakeChatModel(responses=[reply]), mode="generative"
    )
    assert result.grounded_sentences == 1 and result.total_sentences == 2


def test_answers_are_bounded_in_tokens_and_sentences(retriever: StubRetriever, tmp_path: Path) -> None:
    words = " ".join(f"w{i}" for i in range(400))
    settings = make_settings(tmp_path).model_copy(update={"answer_max_tokens": 30})
    result = answer_question(
        QUESTION, retriever, settings, model=FakeChatModel(responses=[f"{GOOD} {words}."]), mode="generative"
    )
    assert result.draft_total == 2 and "w40" not in result.answer  # the fake stops at 30 tokens
    many = " ".join(f"Describe the situation and impact number {i} [1]." for i in range(12))
    capped = make_settings(tmp_path).model_copy(update={"answer_max_sentences": 3})
    result = answer_question(QUESTION, retriever, capped, model=FakeChatModel(responses=[many]), mode="generative")
    assert result.total_sentences == 3


def test_the_local_model_is_asked_with_a_repetition_penalty(tmp_path: Path) -> None:
    from langchain_core.messages import HumanMessage

    from coach.llm.local import LocalChatModel

    model = LocalChatModel(model_path=tmp_path / "unused.gguf", repeat_penalty=1.2)
    request = model._request([HumanMessage(content="hi")], None, {"max_tokens": 10})
    assert request["repeat_penalty"] == 1.2 and request["max_tokens"] == 10


class SlowFake(FakeChatModel):
    """The scripted model, taking a moment over every token, like a small CPU model on a busy day."""

    def _stream(self, *args: Any, **kwargs: Any) -> Any:
        import time

        for chunk in super()._stream(*args, **kwargs):
            time.sleep(0.02)
            yield chunk


def test_generation_stops_at_the_time_budget_and_drops_the_cut_sentence(
    retriever: StubRetriever, tmp_path: Path
) -> None:
    # Sentences differ in a word (not only a digit), so none is taken for a repeat of another.
    many = " ".join(f"Describe the situation and impact for colleague {_name(i)} [1]." for i in range(40))
    quick = make_settings(tmp_path).model_copy(
        update={"answer_max_seconds": 0.5, "answer_max_sentences": 50, "answer_max_tokens": 600}
    )
    result = answer_question(QUESTION, retriever, quick, model=SlowFake(responses=[many]), mode="generative")
    assert 0 < result.draft_total < 40  # cut by the budget, not by the script's end
    assert result.answer.rstrip().endswith((".", "]"))  # no half sentence is shown
    unhurried = quick.model_copy(update={"answer_max_seconds": 600})
    full = answer_question(QUESTION, retriever, unhurried, model=SlowFake(responses=[many]), mode="generative")
    assert not full.stopped_on_repeat and full.draft_total > result.draft_total


def _name(i: int) -> str:
    """A made-up word for ``i`` that shares no stem with another ``i``'s word."""
    letters = "bcdfghjklmnpqrstvwz"
    return "zo" + letters[i % len(letters)] + letters[i // len(letters)] + "ani"
