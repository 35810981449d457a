"""The structured data files the flows use: one loader, each file read once, checked early.

Every YAML or JSON file under the knowledge data folder (the shipped
``coach/resources/knowledge/data`` unless ``settings.knowledge_data_dir`` points elsewhere)
is read through ``ReferenceData``: parsed on first use by the owning module's parser (which
turns it into a typed model and checks it), then kept for the life of the process.
``ReferenceData.check`` parses them all, so the runtime fails at start-up, with the file
and the field named, when one has a typo.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach import resources
from coach.errors import CoachError, ConfigurationError

if TYPE_CHECKING:
    from coach.flows.agenda.blocks import BlockLibrary
    from coach.flows.chat.router import RouteData
    from coach.flows.questions.prep import TemplateLibrary
    from coach.flows.roleplay.session import Persona
    from coach.operations.questions import QuestionBank
    from coach.operations.rules import OperationsRules
    from coach.programs.weights import MatchingWeights

T = TypeVar("T")


class _Rubric(BaseModel):
    """The fields of ``feedback_rubric.yaml`` the scorer relies on (others are kept as they are)."""

    model_config = ConfigDict(extra="allow")
    criteria: list[dict[str, Any]]
    issue_patterns: dict[str, Any]
    levels: dict[str, tuple[int, int]]
    age_coded: list[str]


class _Taxonomy(BaseModel):
    """The fields of ``stereotype_taxonomy.yaml`` the reflection relies on."""

    model_config = ConfigDict(extra="allow")
    group_terms: dict[str, list[str]]
    generalisers: list[str]
    debunk_markers: list[str]
    categories: list[dict[str, Any]]


class _Glossary(BaseModel):
    """``skill_glossary.yaml``: a plain description for each skill term."""

    terms: dict[str, str]


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file that must hold a mapping, or a ConfigurationError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path} is missing.", hint="Restore it from the repository.") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} does not hold a mapping.")
    return data


def _validated(path: Path, model: type[BaseModel]) -> dict[str, Any]:
    """The file's mapping, after checking the fields ``model`` declares (named on failure)."""
    data = read_yaml_mapping(path)
    try:
        model.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors()[:5])
        raise ConfigurationError(
            f"{path} has invalid or missing fields: {fields}.", hint="Fix the named field."
        ) from exc
    return data


def read_rubric(path: Path) -> dict[str, Any]:
    """The feedback rubric as a mapping, its required fields checked."""
    return _validated(path, _Rubric)


def read_taxonomy(path: Path) -> dict[str, Any]:
    """The stereotype taxonomy as a mapping, its required fields checked."""
    return _validated(path, _Taxonomy)


def read_glossary(path: Path) -> dict[str, str]:
    """Skill terms and their plain descriptions."""
    return {str(k): str(v) for k, v in _validated(path, _Glossary)["terms"].items()}


def read_fitted(path: Path) -> dict[str, Any] | None:
    """A fitted model's JSON weights, or None when the file does not exist (rules decide then)."""
    if not path.exists():
        return None
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path} cannot be read: {exc}", hint="Refit it or restore it.") from exc


def _parsed_or_explained(parse: Callable[[Path], T], path: Path) -> T:
    """``parse(path)``, with any failure turned into a ConfigurationError that names the file."""
    try:
        return parse(path)
    except CoachError:
        raise
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{exc.filename or path} is missing.", hint="Restore it from the repository.") from exc
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigurationError(f"{path} is not valid: {exc!r}", hint="Fix the named field.") from exc


class ReferenceData:
    """Every data file of one folder, each parsed on first use and then kept."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._parsed: dict[str, Any] = {}
        self._lock = threading.RLock()

    def path(self, name: str) -> Path:
        """Where the data file ``name`` lives."""
        return self.directory / name

    def load(self, name: str, parse: Callable[[Path], T]) -> T:
        """The file ``name`` parsed by ``parse``, read only the first time it is asked for."""
        if name not in self._parsed:
            with self._lock:
                if name not in self._parsed:
                    self._parsed[name] = _parsed_or_explained(parse, self.path(name))
        return self._parsed[name]  # type: ignore[no-any-return]

    @property
    def rubric(self) -> dict[str, Any]:
        """``feedback_rubric.yaml``: criteria, issue patterns, level bands."""
        return self.load("feedback_rubric.yaml", read_rubric)

    @property
    def feedback_weights(self) -> dict[str, Any] | None:
        """``feedback_weights.json``: the fitted feedback regressions, if present."""
        return self.load("feedback_weights.json", read_fitted)

    @property
    def taxonomy(self) -> dict[str, Any]:
        """``stereotype_taxonomy.yaml``: lexicons and categories of the reflection."""
        return self.load("stereotype_taxonomy.yaml", read_taxonomy)

    @property
    def stereotype_weights(self) -> dict[str, Any] | None:
        """``stereotype_weights.json``: the fitted stereotype model, if present."""
        return self.load("stereotype_weights.json", read_fitted)

    @property
    def glossary(self) -> dict[str, str]:
        """``skill_glossary.yaml``: plain descriptions of skill terms."""
        return self.load("skill_glossary.yaml", read_glossary)

    @property
    def agenda_blocks(self) -> BlockLibrary:
        """``agenda_blocks.yaml``: the blocks and stage plans agendas are built from."""
        from coach.flows.agenda.blocks import parse_blocks

        return self.load("agenda_blocks.yaml", parse_blocks)

    @property
    def personas(self) -> dict[str, Persona]:
        """``personas.yaml``: practice personas by id."""
        from coach.flows.roleplay.session import parse_personas

        return self.load("personas.yaml", parse_personas)

    @property
    def reaction_goals(self) -> dict[str, str]:
        """``personas.yaml``'s reactions: what each asks of the persona."""
        from coach.flows.roleplay.session import parse_reaction_goals

        return self.load("personas.yaml#reactions", lambda _: parse_reaction_goals(self.path("personas.yaml")))

    @property
    def route_data(self) -> RouteData:
        """``route_exemplars.yaml``: the chat router's exemplars and rules."""
        from coach.flows.chat.router import parse_route_data

        return self.load("route_exemplars.yaml", parse_route_data)

    @property
    def question_templates(self) -> TemplateLibrary:
        """``question_templates.yaml``: the question prep templates."""
        from coach.flows.questions.prep import parse_templates

        return self.load("question_templates.yaml", parse_templates)

    @property
    def matching_weights(self) -> MatchingWeights:
        """``matching_weights.yaml``: the default matching weights."""
        from coach.programs.weights import parse_weights

        return self.load("matching_weights.yaml", parse_weights)

    @property
    def checkins(self) -> QuestionBank:
        """``checkins.yaml``: pulse and survey questions."""
        from coach.operations.questions import parse_questions

        return self.load("checkins.yaml", parse_questions)

    @property
    def pair_health(self) -> OperationsRules:
        """``pair_health.yaml``: pair-health and nudge thresholds."""
        from coach.operations.rules import parse_rules

        return self.load("pair_health.yaml", parse_rules)

    def check(self) -> None:
        """Parse every data file now, so a typo fails at start-up with the file and field named.

        Raises:
            ConfigurationError: a file is missing or a field is wrong.
        """
        for name in CHECKED:
            getattr(self, name)


CHECKED = (
    "rubric",
    "feedback_weights",
    "taxonomy",
    "stereotype_weights",
    "glossary",
    "agenda_blocks",
    "personas",
    "reaction_goals",
    "route_data",
    "question_templates",
    "matching_weights",
    "checkins",
    "pair_health",
)


def load_file(name: str, parse: Callable[[Path], T], path: Path | None = None) -> T:
    """The data file ``name`` of the shipped folder, or the file at ``path``, parsed once."""
    if path is None:
        return reference_data().load(name, parse)
    return reference_data(path.parent).load(path.name, parse)


@lru_cache(maxsize=8)
def _for_directory(directory: Path) -> ReferenceData:
    return ReferenceData(directory)


def forget_loaded() -> None:
    """Drop every parsed data file, so the next use reads the files again (after a refit rewrote one)."""
    _for_directory.cache_clear()


def reference_data(directory: Path | None = None) -> ReferenceData:
    """The one ``ReferenceData`` of ``directory`` (the shipped data folder by default)."""
    return _for_directory((directory or resources.knowledge_data_dir()).resolve())
