"""Question prep with the real indexed retriever and embedder, and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.flows.questions.prep import GROUPS, is_open_question, prepare_questions
from coach.flows.stereotypes.check import check_stereotypes
from coach.runtime import Runtime

pytestmark = pytest.mark.integration


def test_real_retriever_questions_are_open_unflagged_and_cited(indexed_runtime: Runtime) -> None:
    chunk_ids = set(indexed_runtime.store.ids_by_source().get("knowledge/guides/asking-open-questions.md", set()))
    result = prepare_questions("Helen, Chief Operating Officer", "hybrid meetings", indexed_runtime.retriever)
    assert 5 <= len(result.questions) <= 10
    for question in result.questions:
        assert question.group in GROUPS
        assert is_open_question(question.text)
        assert not check_stereotypes(question.text, embedder=indexed_runtime.embedder).has_stereotype, question.text
        assert question.citations
    assert all(set(q.citations) & chunk_ids for q in result.questions)


def test_cli_json(indexed_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["questions", "--mentee", "Martin, CFO", "--topic", "team chat", "--count", "6", "--json"]
    result = CliRunner().invoke(app, args, obj=indexed_runtime)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"questions"} and len(data["questions"]) == 6
    assert all(set(q) == {"text", "group", "why", "citations"} for q in data["questions"])
