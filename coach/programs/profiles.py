"""A participant's intake profile: who they are, what they offer or want, and when they are free.

The coach uses these fields only to match pairs and to plan their agendas. Availability is
a list of weekly slots in the person's own time zone, written like ``Tue 14-16`` or
``Thu 9:30-11``.
"""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

from coach.errors import InputError

ParticipantRole = Literal["mentor", "mentee"]
Mode = Literal["in person", "remote", "hybrid"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_FIELD_CHARS = 300
MAX_ITEMS = 20
_SLOT = re.compile(r"^\s*([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Slot(BaseModel):
    """A weekly free time: a weekday (0 = Monday) and start and end minutes after midnight, local time."""

    weekday: int = Field(ge=0, le=6)
    start: int = Field(ge=0, le=24 * 60)
    end: int = Field(ge=0, le=24 * 60)

    def label(self) -> str:
        """The slot as written in the file format, e.g. ``Tue 14-16``."""

        def clock(minutes: int) -> str:
            return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes // 60}:{minutes % 60:02d}"

        return f"{WEEKDAYS[self.weekday].title()} {clock(self.start)}-{clock(self.end)}"


def parse_slot(text: str) -> Slot:
    """Read one availability item such as ``Tue 14-16`` or ``Thursday 9:30-11``.

    Raises:
        InputError: the item is not a weekday followed by a start-end range within one day.
    """
    match = _SLOT.match(text)
    if match is None or match.group(1).lower() not in WEEKDAYS:
        raise InputError(f"Cannot read availability '{text.strip()}'.", hint="Write slots like 'Tue 14-16'.")
    day, h1, m1, h2, m2 = match.groups()
    start, end = int(h1) * 60 + int(m1 or 0), int(h2) * 60 + int(m2 or 0)
    if not (0 <= start < end <= 24 * 60) or int(m1 or 0) >= 60 or int(m2 or 0) >= 60:
        raise InputError(
            f"Availability '{text.strip()}' does not run forward within one day.",
            hint="Write the earlier hour first, e.g. 'Tue 14-16'.",
        )
    return Slot(weekday=WEEKDAYS.index(day.lower()), start=start, end=end)


class Swot(BaseModel):
    """An optional personal SWOT: short phrases in each quadrant."""

    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)
    opportunities: list[str] = Field(default_factory=list)
    threats: list[str] = Field(default_factory=list)


def split_list(value: str | list[str]) -> list[str]:
    """A ``;``-separated field as a list of trimmed, non-empty, de-duplicated phrases."""
    items = value if isinstance(value, list) else value.split(";")
    seen: dict[str, str] = {}
    for item in items:
        clean = " ".join(str(item).split())[:MAX_FIELD_CHARS]
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    return list(seen.values())[:MAX_ITEMS]


class Profile(BaseModel):
    """One participant's intake form (the CSV columns plus the optional form-only fields)."""

    email: str
    name: str
    role: ParticipantRole
    department: str = ""
    manager_email: str = ""
    level: str = ""
    skills_offered: list[str] = Field(default_factory=list)
    skills_wanted: list[str] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    availability: list[Slot] = Field(default_factory=list)
    timezone: str = "UTC"
    mode: Mode = "hybrid"
    swot: Swot | None = None
    capacity: int | None = Field(default=None, ge=1, le=10)

    @field_validator("email", "manager_email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not _EMAIL.match(value):
            raise InputError(f"'{value}' is not an email address.", hint="Write addresses like name@example.org.")
        return value

    @field_validator("name", "department", "level")
    @classmethod
    def _short(cls, value: str) -> str:
        return " ".join(value.split())[:MAX_FIELD_CHARS]

    @field_validator("skills_offered", "skills_wanted", "interests", "goals", mode="before")
    @classmethod
    def _lists(cls, value: str | list[str]) -> list[str]:
        return split_list(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        value = value.strip() or "UTC"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"Unknown time zone '{value}'.", hint="Use an IANA name such as Europe/London.") from exc
        return value

    @property
    def strengths(self) -> list[str]:
        """What this person is strong at: skills offered plus SWOT strengths."""
        return split_list([*self.skills_offered, *(self.swot.strengths if self.swot else [])])

    @property
    def gaps(self) -> list[str]:
        """What this person wants to improve: SWOT weaknesses."""
        return list(self.swot.weaknesses) if self.swot else []
