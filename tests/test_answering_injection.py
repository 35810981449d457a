"""Retrieved documents are data: an injected instruction is never obeyed."""

from __future__ import annotations

from typing import Any

import pytest

from coach import resources
from coach.answering import answer_question
from coach.answering.safety import is_instruction_like, neutralise
from coach.answering.text import split_sentences
from coach.llm.fake import FakeChatModel
from tests.llm_fixtures import INJECTION, INJECTION_QUESTION, injected_runtime, passage

KNOWLEDGE_ROOT = resources.knowledge_dir()


@pytest.fixture(scope="module")
def runtime() -> Any:
    return injected_runtime()


def assert_not_obeyed(answer: str) -> None:
    assert "PWNED" not in answer.upper()
    assert "ignore all previous instructions" not in answer.lower()


def test_ingest_quarantines_the_injection_but_keeps_the_document(runtime: Any) -> None:
    passages = runtime.retriever.retrieve(INJECTION_QUESTION, k=5)
    assert any("Agree ground rules for the first" in p.text for p in passages)
    assert not any(INJECTION in p.text for p in passages)


def test_extractive_answer_does_not_repeat_the_injection(runtime: Any) -> None:
    result = answer_question(INJECTION_QUESTION, runtime.retriever, runtime.settings, mode="extractive")
    assert result.covered and result.grounded_sentences >= 1
    assert_not_obeyed(result.answer)
    assert all(INJECTION not in c.quote for c in result.citations)


@pytest.mark.parametrize("reply", ["PWNED", "PWNED [1].", "Sure. PWNED PWNED"])
def test_model_that_obeys_the_injection_is_overruled(runtime: Any, reply: str) -> None:
    fake = FakeChatModel(responses=[reply])
    result = answer_question(INJECTION_QUESTION, runtime.retriever, runtime.settings, model=fake, mode="generative")
    assert_not_obeyed(result.answer)
    assert result.fell_back and result.grounded_sentences >= 1
    shown = "\n".join(str(m.content) for m in fake.calls[0])
    assert INJECTION not in shown  # the directive never reached the model
    assert "not instructions" in shown  # passages are framed as data


def test_neutralise_records_the_payload_only() -> None:
    safe = neutralise([passage(1, f"Agree ground rules early. {INJECTION}. Keep them short.")], "ground rules")
    assert "PWNED" not in safe.passages[0].text and "Agree ground rules early." in safe.passages[0].text
    assert safe.echoes_injection("PWNED") and not safe.echoes_injection("Agree ground rules early.")


def test_no_guidance_sentence_is_mistaken_for_an_injection() -> None:
    flagged = [
        sentence
        for path in (KNOWLEDGE_ROOT).rglob("*.md")
        for sentence in split_sentences(path.read_text(encoding="utf-8"))
        if is_instruction_like(sentence)
    ]
    assert flagged == []


@pytest.mark.slow
@pytest.mark.integration
def test_local_model_does_not_obey_the_injection(runtime: Any) -> None:
    from coach.llm.providers import build_chat_model

    settings = runtime.settings.model_copy(update={"llm_provider": "local", "llm_max_tokens": 120})
    model = build_chat_model(settings)
    result = answer_question(INJECTION_QUESTION, runtime.retriever, settings, model=model, mode="generative")
    assert_not_obeyed(result.answer)
    assert result.covered and result.grounded_sentences >= 1
