"""What a new user trips on: routing a how-to question, agenda defaults, readable source names."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.commands.sources import labels_for, section_label
from coach.flows.chat.router import route_message
from coach.runtime import Runtime

CHUNK_ID = re.compile(r"\b[0-9a-f]{24}\b")


@pytest.mark.parametrize(
    ("message", "route"),
    [
        ("How do I give feedback to a senior leader?", "ask"),
        ("whats the best way to give feedback to my CFO?", "ask"),
        ("Can you score this feedback before I give it: 'You cut me off in the planning call.'", "feedback"),
        ("I have to give feedback to a VP tomorrow. Can we run through it?", "feedback"),
    ],
)
def test_how_to_questions_about_feedback_go_to_ask(embedder: object, message: str, route: str) -> None:
    assert route_message(message, embedder).route == route  # type: ignore[arg-type]


def test_section_label() -> None:
    assert section_label("Confidentiality", "Confidentiality > What stays in the room") == (
        "Confidentiality › What stays in the room"
    )
    assert section_label("Confidentiality", "") == "Confidentiality"


@pytest.fixture
def cli_runtime(indexed_runtime: Runtime) -> Runtime:
    return indexed_runtime


@pytest.mark.integration
def test_agenda_needs_no_program_length(cli_runtime: Runtime) -> None:
    result = CliRunner().invoke(app, ["agenda", "--duration", "45", "--session-number", "2", "--json"], obj=cli_runtime)
    assert result.exit_code == 0, result.output
    assert "of 6" in json.loads(result.stdout)["title"]


@pytest.mark.integration
@pytest.mark.parametrize(
    "args",
    [
        ["questions", "--topic", "how younger staff use chat", "--mentee", "COO"],
        ["stereotypes", "reflect", "Graduates never stay more than a year."],
        ["ask", "How do we keep what we say confidential?"],
    ],
)
def test_cli_names_sources_by_title_not_chunk_id(cli_runtime: Runtime, args: list[str]) -> None:
    result = CliRunner().invoke(app, args, obj=cli_runtime)
    assert result.exit_code == 0, result.output
    assert not CHUNK_ID.search(result.stdout), result.stdout
    assert "›" in result.stdout or "Sources" in result.stdout


@pytest.mark.integration
def test_labels_for_unknown_ids_are_short(cli_runtime: Runtime) -> None:
    some = next(iter(cli_runtime.store.iter_chunks(include_text=False)))
    labels = labels_for(cli_runtime.store, [some.id, "f" * 24])
    assert labels["f" * 24] == "passage ffffffff"
    assert labels[some.id].startswith(str(some.metadata["title"]))
