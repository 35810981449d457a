"""Prompts are versioned YAML files in ``prompts/``; this is the only way to load them.

Each file holds ``name``, ``version``, ``description``, ``input_variables``, ``system``
and ``template``. Placeholders are ``{variable}``; literal braces are doubled. Loading
checks that the declared variables are exactly the placeholders used, and rendering
rejects missing or unknown variables with an error that names them.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from coach.errors import InputError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage


class PromptError(InputError):
    """A prompt file that cannot be loaded, or a render with the wrong variables."""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders in ``text`` (doubled braces are literals)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise PromptError(f"Malformed placeholder: {exc}.", hint="Double literal braces: '{{' and '}}'.") from exc


class Prompt(BaseModel):
    """One prompt: a system message and a user template with declared variables."""

    name: str
    version: int = Field(ge=1)
    description: str = ""
    input_variables: list[str]
    system: str
    template: str

    def check_declared(self) -> None:
        """Raise ``PromptError`` unless ``input_variables`` are exactly the placeholders used."""
        used = placeholders(self.system) | placeholders(self.template)
        declared = set(self.input_variables)
        if used != declared:
            problems = []
            if used - declared:
                problems.append(f"used but not declared: {', '.join(sorted(used - declared))}")
            if declared - used:
                problems.append(f"declared but not used: {', '.join(sorted(declared - used))}")
            raise PromptError(
                f"Prompt '{self.name}' v{self.version}: {'; '.join(problems)}.",
                hint="Make input_variables list exactly the {placeholders} in system and template.",
            )

    def check_variables(self, variables: dict[str, Any]) -> None:
        """Raise ``PromptError`` naming any missing or unknown variables."""
        declared = set(self.input_variables)
        given = set(variables)
        missing, unknown = sorted(declared - given), sorted(given - declared)
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing variables: {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown variables: {', '.join(unknown)}")
            raise PromptError(
                f"Prompt '{self.name}': {'; '.join(parts)}.",
                hint=f"It expects exactly: {', '.join(self.input_variables) or '(none)'}.",
            )

    def format(self, **variables: str) -> tuple[str, str]:
        """The system and user texts with ``variables`` filled in."""
        self.check_variables(variables)
        return self.system.format(**variables), self.template.format(**variables)

    def render(self, **variables: str) -> list[BaseMessage]:
        """``[SystemMessage, HumanMessage]`` with ``variables`` filled in.

        Raises:
            PromptError: a declared variable is missing or an undeclared one was given.
        """
        from langchain_core.messages import HumanMessage, SystemMessage

        system, user = self.format(**variables)
        return [SystemMessage(content=system), HumanMessage(content=user)]


def _default_dir() -> Path:
    from coach import resources

    return resources.prompts_dir()


def load_prompt(name: str, prompts_dir: Path | None = None) -> Prompt:
    """Load ``<prompts_dir>/<name>.yaml`` (the shipped prompts by default; cached per directory).

    Raises:
        PromptError: no such prompt, unreadable YAML, missing fields, or variables that do
            not match the placeholders.
    """
    return _load(name, (prompts_dir or _default_dir()).resolve())


@lru_cache(maxsize=128)
def _load(name: str, prompts_dir: Path) -> Prompt:
    path = prompts_dir / f"{name}.yaml"
    if not path.is_file():
        available = ", ".join(sorted(p.stem for p in prompts_dir.glob("*.yaml"))) or "(none)"
        raise PromptError(f"No prompt named '{name}' in {prompts_dir}.", hint=f"Available: {available}.")
    return _parse(path)


def _parse(path: Path) -> Prompt:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PromptError(f"Cannot read prompt file {path.name}: {exc}.") from exc
    if not isinstance(data, dict):
        raise PromptError(f"Prompt file {path.name} must hold a mapping.")
    try:
        prompt = Prompt.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
        raise PromptError(f"Prompt file {path.name} has invalid or missing fields: {fields}.") from exc
    if prompt.name != path.stem:
        raise PromptError(f"Prompt file {path.name} is named '{prompt.name}'.", hint="Name it after the file.")
    prompt.check_declared()
    return prompt


def all_prompts(prompts_dir: Path | None = None) -> list[Prompt]:
    """Every prompt in the directory, sorted by name."""
    directory = (prompts_dir or _default_dir()).resolve()
    return [_load(path.stem, directory) for path in sorted(directory.glob("*.yaml"))]
