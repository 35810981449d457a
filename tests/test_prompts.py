"""Prompt files: every one renders with its declared variables; wrong variables are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from coach import resources
from coach.config import PROJECT_ROOT
from coach.llm.prompts import Prompt, PromptError, all_prompts, load_prompt

PROMPTS_ROOT = resources.prompts_dir()

PROMPTS_DIR = PROMPTS_ROOT
PROMPT_FILES = sorted(PROMPTS_DIR.glob("*.yaml"))


def test_prompts_folder_is_not_empty() -> None:
    assert {p.stem for p in PROMPT_FILES} >= {"answer_question", "structured_output", "structured_retry"}


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda p: p.stem)
def test_every_prompt_renders_with_its_declared_variables(path: Path) -> None:
    prompt = load_prompt(path.stem, PROMPTS_DIR)
    values = {name: f"<<{name.upper()}>>" for name in prompt.input_variables}
    messages = prompt.render(**values)
    assert [type(m) for m in messages] == [SystemMessage, HumanMessage]
    rendered = "\n".join(str(m.content) for m in messages)
    for value in values.values():
        assert value in rendered
    assert prompt.version >= 1 and prompt.description


def test_all_prompts_lists_each_file_once() -> None:
    assert [p.name for p in all_prompts(PROMPTS_DIR)] == [p.stem for p in PROMPT_FILES]


def write(tmp_path: Path, name: str, body: str) -> Path:
    (tmp_path / f"{name}.yaml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD = """name: greet
version: 2
description: test prompt
input_variables: [who]
system: "Literal braces {{like this}} stay."
template: "Hello {who}."
"""


def test_render_fills_variables_and_keeps_doubled_braces(tmp_path: Path) -> None:
    prompt = load_prompt("greet", write(tmp_path, "greet", GOOD))
    system, human = prompt.render(who="Ana")
    assert system.content == "Literal braces {like this} stay."
    assert human.content == "Hello Ana."


@pytest.mark.parametrize(
    ("variables", "named"),
    [({}, "missing variables: who"), ({"who": "a", "extra": "b"}, "unknown variables: extra")],
)
def test_render_rejects_missing_or_unknown_variables(variables: dict[str, str], named: str) -> None:
    prompt = Prompt(name="t", version=1, input_variables=["who"], system="s", template="{who}")
    with pytest.raises(PromptError, match=named):
        prompt.render(**variables)


@pytest.mark.parametrize(
    ("body", "expected_error"),
    [
        (GOOD.replace("input_variables: [who]", "input_variables: []"), "used but not declared: who"),
        (GOOD.replace("input_variables: [who]", "input_variables: [who, when]"), "declared but not used: when"),
        (GOOD.replace("version: 2\n", ""), "invalid or missing fields: version"),
        (GOOD.replace("name: greet", "name: other"), "is named 'other'"),
        ("- just a list", "must hold a mapping"),
        (GOOD.replace("Hello {who}.", "Hello {who."), "Malformed placeholder"),
    ],
)
def test_bad_prompt_files_are_rejected(tmp_path: Path, body: str, expected_error: str) -> None:
    with pytest.raises(PromptError, match=expected_error):
        load_prompt("greet", write(tmp_path, "greet", body))


def test_unknown_prompt_name_lists_the_available_ones(tmp_path: Path) -> None:
    write(tmp_path, "greet", GOOD)
    with pytest.raises(PromptError) as info:
        load_prompt("nope", tmp_path)
    assert "nope" in info.value.message and "greet" in (info.value.hint or "")


def test_no_prompt_text_in_python() -> None:
    """The answer prompt's wording lives only in its YAML file."""
    phrase = "reference data inside <passage> tags"
    assert phrase in (PROMPTS_DIR / "answer_question.yaml").read_text()
    for path in (PROJECT_ROOT / "coach").rglob("*.py"):
        assert phrase not in path.read_text(encoding="utf-8"), path
