"""The participant file: one CSV row per person, the same columns for `coach match` and program import.

Columns (a header row is required, in any order)::

    email,name,role,department,manager_email,skills_offered,skills_wanted,interests,goals,availability,timezone

``role`` is ``mentor`` or ``mentee``; list fields are separated by ``;``; availability
items look like ``Tue 14-16``. A bad row is reported as one line naming its line number
and the problem; the good rows are kept.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from coach.errors import CoachError, InputError
from coach.programs.profiles import Profile, parse_slot, split_list

COLUMNS = (
    "email",
    "name",
    "role",
    "department",
    "manager_email",
    "skills_offered",
    "skills_wanted",
    "interests",
    "goals",
    "availability",
    "timezone",
)
REQUIRED = ("email", "name", "role")
MAX_ROWS = 5000
MAX_BYTES = 2_000_000
_ROLES = {"mentor": "mentor", "junior mentor": "mentor", "mentee": "mentee", "senior mentee": "mentee"}


@dataclass(frozen=True)
class RowError:
    """One rejected row: its line in the file and why."""

    line: int
    email: str
    message: str

    def __str__(self) -> str:
        who = f" ({self.email})" if self.email else ""
        return f"line {self.line}{who}: {self.message}"


@dataclass
class ImportResult:
    """The good rows as profiles and one error per bad row."""

    profiles: list[Profile] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def report(self) -> str:
        """The bad rows, one per line."""
        return "\n".join(str(e) for e in self.errors)


def read_participants(text: str) -> ImportResult:
    """Parse the participant CSV.

    Raises:
        InputError: the file as a whole is unusable (empty, too large, missing columns).
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError(f"The participant file is over {MAX_BYTES // 1_000_000} MB.", hint="Split it into cohorts.")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError("The participant file is empty.", hint=f"Start it with the header: {','.join(COLUMNS)}.")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"The participant file has no {', '.join(missing)} column.", hint=f"Use the header: {','.join(COLUMNS)}."
        )
    reader.fieldnames = header
    result = ImportResult()
    seen: set[str] = set()
    for index, raw in enumerate(reader):
        if index >= MAX_ROWS:
            raise InputError(f"The participant file has more than {MAX_ROWS} rows.", hint="Split it into cohorts.")
        line = reader.line_num
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None and isinstance(v, str | None)}
        if not any(row.values()):
            continue
        email = row.get("email", "").lower()
        try:
            profile = profile_from_row(row)
        except CoachError as exc:
            result.errors.append(RowError(line, email, exc.message))
            continue
        if profile.email in seen:
            result.errors.append(RowError(line, email, "the same email appears on an earlier row"))
            continue
        seen.add(profile.email)
        result.profiles.append(profile)
    return result


def profile_from_row(row: dict[str, str]) -> Profile:
    """One CSV row as a profile.

    Raises:
        InputError: a required field is empty or a value cannot be read.
    """
    for column in REQUIRED:
        if not row.get(column):
            raise InputError(f"{column} is empty")
    role = _ROLES.get(" ".join(row["role"].lower().split()))
    if role is None:
        raise InputError(f"role '{row['role']}' is not mentor or mentee")
    if row.get("manager_email", "").lower() == row["email"].lower():
        raise InputError("manager_email is the person's own email")
    slots = [parse_slot(item) for item in split_list(row.get("availability", ""))]
    return Profile(
        email=row["email"],
        name=row["name"],
        role=role,  # type: ignore[arg-type]
        department=row.get("department", ""),
        manager_email=row.get("manager_email", ""),
        skills_offered=row.get("skills_offered", ""),  # type: ignore[arg-type]
        skills_wanted=row.get("skills_wanted", ""),  # type: ignore[arg-type]
        interests=row.get("interests", ""),  # type: ignore[arg-type]
        goals=row.get("goals", ""),  # type: ignore[arg-type]
        availability=slots,
        timezone=row.get("timezone", "") or "UTC",
    )


def write_participants(profiles: list[Profile]) -> str:
    """Profiles in the participant CSV format (the inverse of ``read_participants``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in profiles:
        writer.writerow(
            [
                p.email,
                p.name,
                p.role,
                p.department,
                p.manager_email,
                ";".join(p.skills_offered),
                ";".join(p.skills_wanted),
                ";".join(p.interests),
                ";".join(p.goals),
                ";".join(s.label() for s in p.availability),
                p.timezone,
            ]
        )
    return buffer.getvalue()
