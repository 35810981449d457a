"""What an agenda request and an agenda are, with input limits and the session stage.

``AgendaRequest`` validates user input (ranges, format names, text lengths) and raises
``InputError`` with a fix-it hint; ``Agenda.public()`` is the documented JSON shape of
``coach agenda --json``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from coach.errors import InputError
from coach.flows.agenda.blocks import Stage
from coach.schemas import Citation

MIN_DURATION = 10
MAX_DURATION = 180
MAX_SESSIONS = 100
MAX_FOCUS_CHARS = 300
MAX_TITLE_FOCUS_CHARS = 80
MAX_PROFILE_CHARS = 1000
MAX_NOTES_CHARS = 20_000
MAX_ACTION_CHARS = 200
MAX_ACTIONS = 8
REVIEW_MIN_PROGRAM = 4  # shorter programs have no separate mid-point review


Owner = Literal["mentor", "mentee", "both"]
Format = Literal["in person", "video"]
_FORMATS: dict[str, Format] = {
    "in person": "in person",
    "inperson": "in person",
    "person": "in person",
    "face to face": "in person",
    "onsite": "in person",
    "video": "video",
    "remote": "video",
    "online": "video",
    "video call": "video",
}


def clean_text(text: str, limit: int) -> str:
    """Whitespace collapsed and cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


class AgendaRequest(BaseModel):
    """What the pair asks for. Out-of-range numbers raise ``InputError`` naming the allowed range."""

    mentor: str = ""
    mentee: str = ""
    session_number: int
    program_sessions: int
    duration_minutes: int
    focus: str = ""
    format: Format = "in person"
    notes: str = ""
    open_actions: list[str] = Field(default_factory=list)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> Any:
        key = " ".join(str(value).lower().replace("-", " ").replace("_", " ").split())
        if key not in _FORMATS:
            raise InputError(f"Unknown session format '{value}'.", hint="Use 'in person' or 'video'.")
        return _FORMATS[key]

    @field_validator("focus")
    @classmethod
    def _focus(cls, value: str) -> str:
        return clean_text(value, MAX_FOCUS_CHARS)

    @field_validator("mentor", "mentee")
    @classmethod
    def _profile(cls, value: str) -> str:
        return clean_text(value, MAX_PROFILE_CHARS)

    @field_validator("notes")
    @classmethod
    def _notes(cls, value: str) -> str:
        return value[:MAX_NOTES_CHARS]

    @field_validator("open_actions")
    @classmethod
    def _actions(cls, value: list[str]) -> list[str]:
        return [clean_text(a, MAX_ACTION_CHARS) for a in value if a.strip()]

    @model_validator(mode="after")
    def _ranges(self) -> AgendaRequest:
        if not MIN_DURATION <= self.duration_minutes <= MAX_DURATION:
            raise InputError(
                f"Duration must be between {MIN_DURATION} and {MAX_DURATION} minutes (got {self.duration_minutes}).",
                hint=f"Choose a session length from {MIN_DURATION} to {MAX_DURATION} minutes.",
            )
        stage_for(self.session_number, self.program_sessions)  # validates both numbers
        return self


class AgendaItem(BaseModel):
    """One timed item of the agenda."""

    minutes: int
    title: str
    purpose: str
    details: str
    owner: Owner
    citations: list[str]
    block_id: str = Field(default="", exclude=True)
    covers: list[str] = Field(default_factory=list, exclude=True)


class AgendaPreparation(BaseModel):
    """What each person does before the session."""

    mentor: list[str] = Field(default_factory=list)
    mentee: list[str] = Field(default_factory=list)


class Agenda(BaseModel):
    """A complete, timed, cited session agenda."""

    title: str
    duration_minutes: int
    stage: Stage
    format: Format = "in person"
    focus: str = ""
    objectives: list[str]
    items: list[AgendaItem]
    preparation: AgendaPreparation
    follow_up: list[str]
    citations: list[Citation]
    open_actions: list[str] = Field(default_factory=list)
    wording: Literal["template", "model"] = "template"

    def covered(self) -> set[str]:
        """The required-element tags the items cover (e.g. 'confidentiality')."""
        return {tag for item in self.items for tag in item.covers}

    def public(self) -> dict[str, Any]:
        """Exactly the documented JSON shape of ``coach agenda --json``."""
        return {
            "title": self.title,
            "duration_minutes": self.duration_minutes,
            "objectives": list(self.objectives),
            "items": [
                {
                    "minutes": i.minutes,
                    "title": i.title,
                    "purpose": i.purpose,
                    "details": i.details,
                    "owner": i.owner,
                    "citations": list(i.citations),
                }
                for i in self.items
            ],
            "preparation": {"mentor": list(self.preparation.mentor), "mentee": list(self.preparation.mentee)},
            "follow_up": list(self.follow_up),
            "citations": [c.model_dump() for c in self.citations],
        }


def stage_for(session_number: int, program_sessions: int) -> Stage:
    """The kind of session: first, a mid-point review, closing, or ongoing.

    The review is the session just after the halfway mark (session 4 of 6, 6 of 10) in
    programs of four or more sessions.

    Raises:
        InputError: numbers out of range, or a session after the last one.
    """
    if not 1 <= program_sessions <= MAX_SESSIONS:
        raise InputError(
            f"The program must have between 1 and {MAX_SESSIONS} sessions (got {program_sessions}).",
            hint="Pass the planned number of sessions, e.g. --program-sessions 6.",
        )
    if not 1 <= session_number <= program_sessions:
        raise InputError(
            f"Session number must be between 1 and {program_sessions} (got {session_number}).",
            hint="Number sessions from 1 up to the program length.",
        )
    if session_number == 1:
        return "first-session"
    if session_number == program_sessions:
        return "closing"
    if program_sessions >= REVIEW_MIN_PROGRAM and session_number == program_sessions // 2 + 1:
        return "review"
    return "ongoing"
