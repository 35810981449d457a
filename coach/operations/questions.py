"""The pulse and survey questions from ``knowledge/data/checkins.yaml``, and answer checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.data import reference_data
from coach.errors import ConfigurationError, InputError

QUESTIONS_FILE = "checkins.yaml"
SURVEYS = ("baseline", "mid", "end")
MAX_NOTE_CHARS = 4000
PROGRAM_QUESTION_ID = "program"
PROGRAM_ASKED_KEY = "program_asked"
PULSE_KINDS = {"scale": "a rating from 1 to 5", "yes_no": "yes or no", "text": "a short text answer"}
MIN_QUESTION_CHARS, MAX_QUESTION_CHARS = 5, 200


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    kind: Literal["yes_no", "scale", "per_goal", "per_skill", "text"]
    text: str
    low: str = ""
    high: str = ""
    choices: tuple[str, ...] = ()
    private: bool = False


class ProgramQuestion(BaseModel):
    """A program's own question in the after-session check-in, set by a coordinator."""

    model_config = ConfigDict(frozen=True)

    text: str
    kind: Literal["scale", "yes_no", "text"] = "scale"

    def as_question(self) -> Question:
        """The question as the pulse asks it (a rating runs from "Not at all" to "Very much")."""
        scale = self.kind == "scale"
        return Question(
            id=PROGRAM_QUESTION_ID,
            kind=self.kind,
            text=self.text,
            low="Not at all" if scale else "",
            high="Very much" if scale else "",
        )


class Survey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    extra: tuple[Question, ...] = ()


class QuestionBank(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pulse: tuple[Question, ...]
    survey_core: tuple[Question, ...]
    surveys: dict[Literal["baseline", "mid", "end"], Survey]

    def pulse_for(self, program_question: ProgramQuestion | str | None = None) -> tuple[Question, ...]:
        """The pulse, with the program's own question (if any) before the private note.

        A plain string is read as a 1-5 rating question.
        """
        if isinstance(program_question, str):
            program_question = ProgramQuestion(text=program_question.strip()) if program_question.strip() else None
        if program_question is None:
            return self.pulse
        own = program_question.as_question()
        public = tuple(q for q in self.pulse if not q.private)
        return (*public, own, *(q for q in self.pulse if q.private))

    def survey(self, name: str) -> tuple[Question, ...]:
        if name not in self.surveys:
            raise InputError(f"Unknown survey {name!r}.", hint=f"Use one of: {', '.join(SURVEYS)}.")
        return (*self.survey_core, *self.surveys[name].extra)  # type: ignore[index]


def load_questions(data_dir: Path | None = None) -> QuestionBank:
    """The check-in question bank of ``data_dir`` (the shipped data folder by default), read once."""
    return reference_data(data_dir).load(QUESTIONS_FILE, parse_questions)


def parse_questions(path: Path) -> QuestionBank:
    """Read and validate a check-in questions file."""
    try:
        return QuestionBank.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path} is missing.", hint="Restore it from the repository.") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"{path} is not valid: {' '.join(str(exc).splitlines()[:3])}") from exc


def _check_one(question: Question, value: Any, goals: tuple[str, ...], skills: tuple[str, ...]) -> Any:
    if question.kind == "yes_no":
        if not isinstance(value, bool):
            raise InputError(f"Answer '{question.text}' with yes or no.")
        return value
    if question.kind == "scale":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise InputError(f"'{question.text}' takes a whole number from 1 to 5.")
        return value
    if question.kind in ("per_goal", "per_skill"):
        names = goals if question.kind == "per_goal" else skills
        top = len(question.choices) - 1
        if not isinstance(value, dict) or set(value) - set(names):
            raise InputError(f"'{question.text}' is answered per item: {', '.join(names) or 'none set'}.")
        if any(not isinstance(v, int) or not 0 <= v <= top for v in value.values()):
            raise InputError(f"'{question.text}' takes a choice from 0 to {top} for each item.")
        return dict(value)
    text = str(value).strip()
    if len(text) > MAX_NOTE_CHARS:
        raise InputError(f"'{question.text}' is longer than {MAX_NOTE_CHARS:,} characters.", hint="Shorten it.")
    return text


def check_answers(
    questions: tuple[Question, ...],
    answers: dict[str, Any],
    *,
    goals: tuple[str, ...] = (),
    skills: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Validated answers; unknown ids are refused, unanswered questions are simply absent."""
    known = {q.id: q for q in questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InputError(f"Unknown question id(s): {', '.join(unknown)}.")
    return {qid: _check_one(known[qid], value, goals, skills) for qid, value in answers.items() if value is not None}
