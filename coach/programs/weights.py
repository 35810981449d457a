"""Matching weights: the documented defaults in ``knowledge/data/matching_weights.yaml`` and program overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from coach.data import load_file
from coach.errors import ConfigurationError, InputError

WEIGHTS_FILE = "matching_weights.yaml"
COMPONENTS = ("skills", "interests", "goals", "swot", "availability")


class MatchingWeights(BaseModel):
    """How the score of a mentor-mentee pair is put together."""

    weights: dict[str, float]
    phrase_threshold: float = Field(ge=0.0, le=1.0)
    similarity_floor: float = Field(ge=0.0, lt=1.0)
    overlap_hours_full: float = Field(gt=0.0, le=40.0)
    min_score: float = Field(ge=0.0, le=1.0)
    mentor_capacity: int = Field(ge=1, le=10)
    reference_week: date

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown components {unknown}; known: {list(COMPONENTS)}")
        if any(w < 0 or w > 10 for w in value.values()):
            raise ValueError("weights must be between 0 and 10")
        full = {name: float(value.get(name, 0.0)) for name in COMPONENTS}
        if sum(full.values()) <= 0:
            raise ValueError("at least one weight must be above 0")
        return full

    def normalised(self) -> dict[str, float]:
        """The weights scaled to add up to 1."""
        total = sum(self.weights.values())
        return {name: w / total for name, w in self.weights.items()}

    def with_overrides(self, overrides: dict[str, Any] | None) -> MatchingWeights:
        """These weights with a program's overrides applied (``weights`` entries are merged).

        Raises:
            InputError: an override names an unknown field or is out of range.
        """
        if not overrides:
            return self
        data = self.model_dump()
        for key, value in overrides.items():
            if key == "weights":
                data["weights"] = {**data["weights"], **dict(value)}
            elif key in data:
                data[key] = value
            else:
                raise InputError(f"Unknown matching setting '{key}'.", hint=f"Use one of: {', '.join(data)}.")
        try:
            return MatchingWeights.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError(
                f"Matching setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}.",
                hint="Weights are between 0 and 10, thresholds between 0 and 1.",
            ) from exc


def load_weights(path: Path | None = None) -> MatchingWeights:
    """The default weights file (the shipped one unless ``path`` is given), validated once.

    Raises:
        ConfigurationError: the file is missing or a field is wrong (named in the message).
    """
    return load_file(WEIGHTS_FILE, parse_weights, path)


def parse_weights(path: Path) -> MatchingWeights:
    """Read and validate a matching weights file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return MatchingWeights.model_validate(data)
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"Matching weights file {path} is missing.", hint="Restore it from the repository."
        ) from exc
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigurationError(
            f"Matching weights file {path} is invalid: {exc}", hint="Fix the named field."
        ) from exc
