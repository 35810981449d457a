"""Every command that takes a text reads it from the argument, standard input ('-') or --file,
and long text is read whole or refused with its limit, never cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.errors import InputError
from coach.flows.stereotypes.check import check_stereotypes
from coach.text import MAX_ANALYSED_CHARS

FEEDBACK = (
    "In Tuesday's review you interrupted Sam twice, and the team stopped offering ideas. Could you let people finish?"
)
LATE_STEREOTYPE = "We reviewed the rollout plan together and agreed the next steps. " * 400 + (
    "Older people can't learn new tools."
)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def test_feedback_reads_stdin_and_file_the_same_as_the_argument(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "feedback.txt"
    path.write_text(FEEDBACK, encoding="utf-8")
    runs = [
        runner.invoke(app, ["feedback", "score", FEEDBACK, "--json", "--no-embeddings"]),
        runner.invoke(app, ["feedback", "score", "-", "--json", "--no-embeddings"], input=FEEDBACK),
        runner.invoke(app, ["feedback", "score", "--file", str(path), "--json", "--no-embeddings"]),
    ]
    assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]
    assert len({json.dumps(json.loads(r.stdout), sort_keys=True) for r in runs}) == 1


def test_a_stereotype_at_the_end_of_a_long_file_is_found(runner: CliRunner, tmp_path: Path) -> None:
    assert len(LATE_STEREOTYPE) > 20_000
    path = tmp_path / "long.txt"
    path.write_text(LATE_STEREOTYPE, encoding="utf-8")
    result = runner.invoke(app, ["stereotypes", "check", "--file", str(path), "--json", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    flags = json.loads(result.stdout)["flags"]
    assert flags and flags[-1]["span"] == "Older people can't learn new tools."


def test_text_over_the_limit_is_refused_with_the_limit_named() -> None:
    with pytest.raises(InputError, match=f"limit is {MAX_ANALYSED_CHARS:,}"):
        check_stereotypes("Young people are lazy. " * (MAX_ANALYSED_CHARS // 20))


@pytest.mark.parametrize(
    ("args", "stdin", "error"),
    [
        (["feedback", "score", "--no-embeddings"], None, "No feedback given"),
        (["feedback", "score", "text", "--file", "x.txt", "--no-embeddings"], None, "not both"),
        (["stereotypes", "check", "--file", "missing.txt", "--no-embeddings"], None, "Cannot read"),
        (["stereotypes", "reflect", "-"], "\udcff", None),
        (["ask"], None, "No question given"),
        (["questions"], None, "No topic given"),
    ],
)
def test_missing_or_unreadable_text_is_one_clear_error(
    runner: CliRunner, args: list[str], stdin: str | None, error: str | None
) -> None:
    if stdin is not None:
        result = runner.invoke(app, args, input=b"\xff\xfe\x00bad")
        assert isinstance(result.exception, InputError) and "UTF-8" in str(result.exception)
        return
    result = runner.invoke(app, args)
    assert isinstance(result.exception, InputError), result.output
    assert error is not None and error in str(result.exception) and "\n" not in str(result.exception)


def test_ask_and_chat_read_standard_input(runner: CliRunner, tmp_path: Path) -> None:
    for args in (["ask", "-", "--json"], ["chat", "-", "--json"]):
        result = runner.invoke(app, args, input="How do I give feedback to a senior leader?\n")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)
