"""The pair-health and nudge thresholds from ``knowledge/data/pair_health.yaml``, typed."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.data import reference_data
from coach.errors import ConfigurationError

RULES_FILE = "pair_health.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    urgency: int = Field(ge=1, le=3)
    message: str
    days: int | None = Field(default=None, ge=1)
    count: int | None = Field(default=None, ge=1)
    at_most: int | None = Field(default=None, ge=1, le=5)


class HealthRules(_Strict):
    no_first_meeting: Rule
    missed_in_a_row: Rule
    no_checkin: Rule
    low_usefulness: Rule
    low_safety: Rule
    stalled_goals: Rule


class NudgeRules(_Strict):
    reminder_hours: int = Field(ge=1)
    checkin_after_hours: int = Field(ge=1)
    quiet_after_days: int = Field(ge=1)
    survey_after_days: int = Field(default=0, ge=0)
    max_attempts: int = Field(ge=1)
    retry_minutes: int = Field(ge=1)
    sending_lease_minutes: int = Field(ge=1)


class OperationsRules(_Strict):
    too_early_days: int = Field(ge=0)
    rules: HealthRules
    nudges: NudgeRules


def load_rules(data_dir: Path | None = None) -> OperationsRules:
    """The rules file of ``data_dir`` (the shipped data folder by default), validated once."""
    return reference_data(data_dir).load(RULES_FILE, parse_rules)


def parse_rules(path: Path) -> OperationsRules:
    """Read and validate a rules file; a bad file names the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return OperationsRules.model_validate(raw)
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path} is missing.", hint="Restore it from the repository.") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[:3]
        raise ConfigurationError(f"{path} is not valid: {' '.join(first)}", hint="Fix the named field.") from exc
