"""Agenda flow with the real indexed retriever: every dataset row, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.cli import app  # registers every command, so "agenda" is a subcommand as in the real CLI
from coach.config import PROJECT_ROOT
from coach.evaluation.suites import agenda_request
from coach.flows.agenda.blocks import load_blocks
from coach.flows.agenda.builder import Agenda, build_agenda
from coach.runtime import Runtime
from coach.schemas import Passage

DATASET = PROJECT_ROOT / "eval" / "datasets" / "agenda_requests.jsonl"
pytestmark = pytest.mark.integration


class Recording:
    """Wraps the real retriever and records every passage it returned."""

    def __init__(self, runtime: Runtime) -> None:
        self.inner = runtime.retriever
        self.embedder = runtime.retriever.embedder
        self.returned: set[str] = set()

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        found = self.inner.retrieve(query, k=k)
        self.returned.update(p.id for p in found)
        return found


def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


def check(agenda: Agenda, duration: int, returned: set[str]) -> None:
    assert sum(i.minutes for i in agenda.items) == duration
    required = {t for t in load_blocks().stages[agenda.stage].required if t != "topic"}
    assert required <= agenda.covered(), required - agenda.covered()
    assert all(item.citations for item in agenda.items)
    assert {c for i in agenda.items for c in i.citations} <= returned
    assert {c.id for c in agenda.citations} <= returned


def test_every_dataset_request_gives_a_valid_agenda(indexed_runtime: Runtime) -> None:
    retriever = Recording(indexed_runtime)
    dataset = rows()
    assert dataset
    for row in dataset:
        request = agenda_request(row)
        agenda = build_agenda(request, retriever)
        assert agenda.stage == row["expected_stage"], row["id"]
        check(agenda, row["duration"], retriever.returned)
        details = " ".join(i.details for i in agenda.items)
        for action in row.get("open_actions", []):
            assert action.rstrip(".") in details, (row["id"], action)


def test_cli_json_for_a_first_session(indexed_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(
        app,
        [
            "agenda",
            "--duration", "30",
            "--session-number", "1",
            "--program-sessions", "6",
            "--focus", "Getting to know each other and agreeing goals",
            "--mentor", "Priya, a graduate software engineer",
            "--mentee", "Martin, Chief Financial Officer",
            "--format", "video",
            "--json",
        ], obj=indexed_runtime
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"title", "duration_minutes", "objectives", "items", "preparation", "follow_up", "citations"}
    assert sum(item["minutes"] for item in data["items"]) == 30
    assert data["title"] == "Session 1 of 6 — Getting to know each other and agreeing goals"


def test_cli_markdown_ics_and_notes(indexed_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from icalendar import Calendar

    notes = tmp_path / "notes.md"
    notes.write_text("- [ ] Martin to mute three channels\n- [x] Priya to send the guide\n", encoding="utf-8")
    base = ["agenda", "--duration", "45", "--session-number", "2", "--program-sessions", "6", "--focus", "Team chat"]
    markdown = CliRunner().invoke(app, [*base, "--notes", str(notes), "--markdown"], obj=indexed_runtime)
    assert markdown.exit_code == 0, markdown.output
    assert "Martin to mute three channels" in markdown.stdout and "## Sources" in markdown.stdout

    ics = tmp_path / "session.ics"
    written = CliRunner().invoke(
        app, [*base, "--ics", str(ics), "--start", "2030-01-07T10:00+00:00"], obj=indexed_runtime
    )
    assert written.exit_code == 0, written.output
    event = next(iter(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")))
    assert (event.decoded("dtend") - event.decoded("dtstart")).total_seconds() == 45 * 60

    table = CliRunner().invoke(app, base, obj=indexed_runtime)
    assert table.exit_code == 0 and "Total" in table.stdout


@pytest.mark.parametrize("duration", ["9", "181", "0", "-5"])
def test_cli_rejects_out_of_range_durations(
    indexed_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, duration: str
) -> None:
    from coach.errors import InputError

    args = ["agenda", "--duration", duration, "--session-number", "1", "--program-sessions", "4", "--focus", "x"]
    result = CliRunner().invoke(app, args, obj=indexed_runtime)
    assert isinstance(result.exception, InputError)
    assert "between 10 and 180" in str(result.exception)
