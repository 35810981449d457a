"""Grounded answers with the fake model: citations, support checks, coverage, streaming."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coach.answering import NOT_COVERED, answer_question, support_score
from coach.answering.generative import SentenceBuffer, build_context
from coach.answering.pipeline import check_claim
from coach.answering.support import SupportScorer
from coach.answering.text import citation_ids, split_sentences, strip_citations
from coach.llm.fake import FakeChatModel
from coach.llm.prompts import load_prompt
from tests.llm_fixtures import FEEDBACK_PASSAGES, StubRetriever, make_settings, passage

QUESTION = "How should a junior mentor give upward feedback to a senior leader?"


@pytest.fixture
def retriever(embedder: Any) -> StubRetriever:
    return StubRetriever(list(FEEDBACK_PASSAGES), embedder)


@pytest.fixture
def settings_(tmp_path: Path) -> Any:
    return make_settings(tmp_path)


def test_support_score_separates_supported_from_unsupported(embedder: Any, settings_: Any) -> None:
    text = FEEDBACK_PASSAGES[0].text
    paraphrase = "Upward feedback should describe the situation, the behaviour and the impact."
    invented = "Mentors should send their mentee a weekly salary report by email."
    assert support_score(paraphrase, text, embedder) >= settings_.grounding_threshold
    assert support_score(invented, text, embedder) < settings_.grounding_threshold
    assert support_score(split_sentences(text)[0], text, embedder) > 0.9
    assert 0.0 <= support_score("", text, embedder) <= 1.0


def test_extractive_answer_cites_only_retrieved_passages(retriever: StubRetriever, settings_: Any) -> None:
    pieces: list[str] = []
    result = answer_question(QUESTION, retriever, settings_, mode="extractive", on_token=pieces.append)
    assert result.covered and result.model == "extractive"
    assert "".join(pieces) == result.answer
    numbers = citation_ids(result.answer)
    assert numbers == list(range(1, len(result.citations) + 1))
    retrieved = {p.id for p in FEEDBACK_PASSAGES}
    assert {c.id for c in result.citations} <= retrieved
    assert result.grounded_sentences == result.total_sentences >= 1
    assert "SBI" in result.answer and "mid-programme" not in result.answer


def test_every_extractive_sentence_is_a_passage_sentence(retriever: StubRetriever, settings_: Any) -> None:
    result = answer_question(QUESTION, retriever, settings_, mode="extractive")
    sources = " ".join(p.text for p in FEEDBACK_PASSAGES)
    for sentence in split_sentences(strip_citations(result.answer)):
        assert sentence.rstrip(".") in sources


def test_question_outside_the_guidance_is_answered_honestly(embedder: Any, settings_: Any) -> None:
    far = [passage(i, p.text, similarity=0.05) for i, p in enumerate(FEEDBACK_PASSAGES, 1)]
    fake = FakeChatModel(responses=["Mercury boils at 357 degrees [1]."])
    for mode in ("extractive", "generative"):
        result = answer_question(
            "At what temperature does mercury boil?", StubRetriever(far, embedder), settings_, model=fake, mode=mode
        )
        assert result.answer == NOT_COVERED and not result.covered
        assert [c.id for c in result.citations] == ["p1", "p2", "p3"]
    assert fake.calls == []  # no model call is made when nothing relevant was found


def test_generative_answer_drops_unsupported_sentences_and_bad_citations(
    retriever: StubRetriever, settings_: Any
) -> None:
    fake = FakeChatModel(
        responses=[
            "Describe the situation, the behaviour and its impact [1]. "
            "Always give feedback by email on Fridays at noon [2]. "
            "Ask the senior mentee for permission before giving feedback [9]."
        ]
    )
    pieces: list[str] = []
    result = answer_question(QUESTION, retriever, settings_, model=fake, mode="generative", on_token=pieces.append)
    assert result.model == "fake" and not result.fell_back
    assert result.total_sentences == 3 and result.grounded_sentences == 2
    assert "Fridays" not in result.answer
    assert "".join(pieces) == result.answer
    assert [c.id for c in result.citations] == ["p1", "p2"]  # [9] was never retrieved: re-attributed to p2
    assert citation_ids(result.answer) == [1, 2]
    shown = str(fake.calls[0][1].content)
    assert '<passage id="1"' in shown and QUESTION in shown


def test_generative_answer_with_no_support_falls_back_to_extractive(retriever: StubRetriever, settings_: Any) -> None:
    fake = FakeChatModel(responses=["Bananas are a great source of potassium [1]."])
    result = answer_question(QUESTION, retriever, settings_, model=fake, mode="generative")
    assert result.fell_back and result.model == "extractive" and result.draft_total == 1
    assert result.answer == answer_question(QUESTION, retriever, settings_, mode="extractive").answer


@pytest.mark.parametrize(
    ("question", "mode", "expected_error"),
    [("   ", None, "empty"), ("x" * 2001, None, "longer than"), (QUESTION, "poetic", "Unknown answer mode")],
)
def test_bad_requests_are_input_errors(
    retriever: StubRetriever, settings_: Any, question: str, mode: str | None, expected_error: str
) -> None:
    from coach.errors import InputError

    with pytest.raises(InputError, match=expected_error):
        answer_question(question, retriever, settings_, mode=mode)


def test_sentence_buffer_splits_streamed_text_after_citations() -> None:
    buffer = SentenceBuffer()
    out: list[str] = []
    for piece in ["First point [1", "]. Second", " point. [2] Third", " one [3]"]:
        out += buffer.feed(piece)
    out += buffer.flush()
    assert out == ["First point [1].", "Second point. [2]", "Third one [3]"]


def test_check_claim_discards_citations_of_passages_not_shown(embedder: Any, settings_: Any) -> None:
    scorer = SupportScorer(embedder)
    sentence = "Ask the senior mentee for permission before giving feedback [2]."
    assert check_claim(sentence, [1, 2, 3], FEEDBACK_PASSAGES, scorer, settings_.grounding_threshold).sources == [1]
    assert check_claim(sentence, [1], FEEDBACK_PASSAGES, scorer, settings_.grounding_threshold) is None


def test_context_is_cut_to_the_window_keeping_the_best_passages() -> None:
    long = [passage(i, " ".join(f"Sentence {i}.{j} about feedback." for j in range(60))) for i in range(1, 6)]
    model = FakeChatModel(context_window=700)
    prompt = load_prompt("answer_question")
    context, numbers = build_context(model, prompt, QUESTION, long, max_tokens=200)
    assert numbers[0] == 1 and numbers == list(range(1, len(numbers) + 1)) and len(numbers) < 5
    messages = prompt.render(question=QUESTION, passages=context)
    used = sum(model.get_num_tokens(str(m.content)) for m in messages)
    assert used + 200 <= 700


def test_cli_json_has_exactly_the_documented_keys(
    retriever: StubRetriever, settings_: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from coach.cli import app
    from coach.runtime import Runtime

    runtime = Runtime(settings_, retriever=retriever)
    result = CliRunner().invoke(app, ["ask", QUESTION, "--json", "-k", "2"], obj=runtime)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"answer", "citations", "model", "grounded_sentences", "total_sentences"}
    assert all(set(c) == {"id", "source", "title", "quote"} for c in data["citations"])
    assert {c["id"] for c in data["citations"]} <= {"p1", "p2"}


def test_cli_streams_text_and_lists_sources(
    retriever: StubRetriever, settings_: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from coach.cli import app
    from coach.runtime import Runtime

    runtime = Runtime(settings_, retriever=retriever)
    result = CliRunner().invoke(app, ["ask", QUESTION], obj=runtime)
    assert result.exit_code == 0, result.output
    assert "SBI" in result.stdout and "Sources" in result.stdout and "[1] Doc " in result.stdout


def test_extractive_candidates_skip_sentences_about_the_document() -> None:
    from coach.answering.extractive import candidates

    text = (
        "This guide explains how a senior mentee can ask for feedback and act on it. "
        "Ask for feedback explicitly and often, so the mentor knows it is welcome. "
        "The following checklist covers what to prepare before the first session."
    )
    found = [c.text for c in candidates([passage(1, text)])]
    assert found == ["Ask for feedback explicitly and often, so the mentor knows it is welcome."]
