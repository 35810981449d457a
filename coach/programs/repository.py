"""Programs, enrolment and the coordinator's rules: every call names who is acting.

Creating and changing a program, importing people and setting rules are for coordinators
and administrators. A participant may fill in their own intake profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coach.actors import Actor, Role, require_role
from coach.errors import InputError, PermissionDenied
from coach.programs.csv_import import ImportResult, read_participants
from coach.programs.models import MatchRule, Participant, Program, ProgramEvent
from coach.programs.profiles import Profile
from coach.programs.views import ParticipantView, ProgramView, RuleKind, RuleView
from coach.programs.weights import load_weights
from coach.storage.db import Database

MAX_SESSIONS = 100
MAX_CADENCE_DAYS = 90
MIN_MINUTES, MAX_MINUTES = 15, 180
MAX_TOPICS = 30


def staff(actor: Actor | None, action: str) -> Actor:
    """The actor, when a coordinator or administrator; ``PermissionDenied`` otherwise."""
    return require_role(actor, Role.COORDINATOR, Role.ADMINISTRATOR, action=action)


def log(session: Session, program_id: int, kind: str, detail: str, actor: Actor, match_id: int | None = None) -> None:
    """Add a line to the program's history."""
    session.add(ProgramEvent(program_id=program_id, match_id=match_id, kind=kind, detail=detail, actor=actor.email))


def program_row(session: Session, program_id: int) -> Program:
    """The program row.

    Raises:
        InputError: no such program.
    """
    row = session.get(Program, program_id)
    if row is None:
        raise InputError(f"No program with id {program_id}.", hint="Pick a program from the list or create one.")
    return row


def program_view(row: Program) -> ProgramView:
    return ProgramView(
        id=row.id,
        name=row.name,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        sessions=row.sessions,
        cadence_days=row.cadence_days,
        session_minutes=row.session_minutes,
        goals=row.goals,
        topics=list(row.topics),
        weights=dict(row.weights),
    )


def _check_program(
    name: str, sessions: int, cadence_days: int, minutes: int, starts_on: date, ends_on: date | None
) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise InputError("A program needs a name of 1 to 200 characters.", hint="Name the cohort, e.g. 'Spring 2026'.")
    if not 1 <= sessions <= MAX_SESSIONS:
        raise InputError(f"A program has between 1 and {MAX_SESSIONS} sessions.", hint="Pick a number in that range.")
    if not 1 <= cadence_days <= MAX_CADENCE_DAYS:
        raise InputError(f"The cadence is every 1 to {MAX_CADENCE_DAYS} days.", hint="Every 14 days is common.")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InputError(f"Sessions last {MIN_MINUTES} to {MAX_MINUTES} minutes.", hint="60 minutes is common.")
    if ends_on is not None and ends_on < starts_on:
        raise InputError("The program ends before it starts.", hint="Pick an end date after the start date.")
    return clean


def create_program(
    db: Database,
    actor: Actor,
    name: str,
    starts_on: date,
    *,
    sessions: int = 6,
    cadence_days: int = 14,
    session_minutes: int = 60,
    goals: str = "",
    topics: Iterable[str] = (),
    ends_on: date | None = None,
) -> ProgramView:
    """Create a program (cohort).

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator.
        InputError: a value is out of range.
    """
    staff(actor, "create a program")
    clean = _check_program(name, sessions, cadence_days, session_minutes, starts_on, ends_on)
    topic_list = [t for t in dict.fromkeys(" ".join(t.split()) for t in topics) if t][:MAX_TOPICS]
    with db.write() as session:
        row = Program(
            name=clean,
            starts_on=starts_on,
            ends_on=ends_on,
            sessions=sessions,
            cadence_days=cadence_days,
            session_minutes=session_minutes,
            goals=goals.strip(),
            topics=topic_list,
            weights={},
            created_by=actor.email,
        )
        session.add(row)
        session.flush()
        log(session, row.id, "created", f"program '{clean}'", actor)
        return program_view(row)


def list_programs(db: Database, actor: Actor) -> list[ProgramView]:
    """Every program, newest first (coordinators and administrators)."""
    staff(actor, "list programs")
    with db.read() as session:
        return [program_view(r) for r in session.scalars(select(Program).order_by(Program.id.desc()))]


def get_program(db: Database, actor: Actor, program_id: int) -> ProgramView:
    """One program (coordinators and administrators)."""
    staff(actor, "open a program")
    with db.read() as session:
        return program_view(program_row(session, program_id))


def set_weights(db: Database, actor: Actor, program_id: int, overrides: dict[str, Any]) -> ProgramView:
    """Store the program's matching overrides after checking them against the defaults.

    Raises:
        InputError: an unknown setting or a value out of range.
    """
    staff(actor, "change matching weights")
    load_weights().with_overrides(overrides)
    with db.write() as session:
        row = program_row(session, program_id)
        row.weights = dict(overrides)
        log(session, program_id, "weights", ", ".join(f"{k}={v}" for k, v in overrides.items()) or "defaults", actor)
        return program_view(row)


# --- enrolment ----------------------------------------------------------------------------
def _participant_view(row: Participant) -> ParticipantView:
    return ParticipantView(
        id=row.id,
        program_id=row.program_id,
        email=row.email,
        account_id=row.account_id,
        profile=Profile.model_validate(row.profile),
    )


def _upsert(session: Session, program_id: int, profile: Profile) -> Participant:
    row = session.scalar(
        select(Participant).where(Participant.program_id == program_id, Participant.email == profile.email)
    )
    if row is None:
        row = Participant(program_id=program_id, email=profile.email)
        session.add(row)
    row.name, row.role, row.profile = profile.name, profile.role, profile.model_dump(mode="json")
    return row


def import_participants(db: Database, actor: Actor, program_id: int, csv_text: str) -> ImportResult:
    """Enrol everyone on the good rows of a participant CSV (a person already enrolled is updated).

    Returns the parse result: the bad rows are reported one per line and nothing of them is stored.
    """
    staff(actor, "import participants")
    result = read_participants(csv_text)
    with db.write() as session:
        program_row(session, program_id)
        for profile in result.profiles:
            _upsert(session, program_id, profile)
        log(session, program_id, "imported", f"{len(result.profiles)} people, {len(result.errors)} bad rows", actor)
    return result


def save_profile(db: Database, actor: Actor, program_id: int, profile: Profile) -> ParticipantView:
    """A participant's own intake form (or a coordinator entering it for them).

    Raises:
        PermissionDenied: someone else's profile, or a participant not enrolled in the program
            (coordinators enrol people), unless the actor is staff.
    """
    if actor.email.lower() != profile.email and not actor.is_staff:
        raise PermissionDenied("You can only fill in your own intake form.", hint="Sign in as that participant.")
    with db.write() as session:
        program_row(session, program_id)
        enrolled = session.scalar(
            select(Participant).where(Participant.program_id == program_id, Participant.email == profile.email)
        )
        if enrolled is None and not actor.is_staff:
            raise PermissionDenied("You are not enrolled in this program.", hint="Ask the program's coordinator.")
        if enrolled is not None and enrolled.role != profile.role and not actor.is_staff:
            raise PermissionDenied("Only a coordinator can change whether you mentor or are mentored.")
        row = _upsert(session, program_id, profile)
        if actor.email.lower() == profile.email:
            row.account_id = actor.account_id
        session.flush()
        return _participant_view(row)


def list_participants(db: Database, actor: Actor, program_id: int) -> list[ParticipantView]:
    """Everyone enrolled, mentors first, by email (coordinators and administrators)."""
    staff(actor, "see who is enrolled")
    with db.read() as session:
        rows = session.scalars(
            select(Participant)
            .where(Participant.program_id == program_id)
            .order_by(Participant.role, Participant.email)
        )
        return [_participant_view(r) for r in rows]


# --- the coordinator's rules ----------------------------------------------------------------
def add_rule(db: Database, actor: Actor, program_id: int, kind: RuleKind, first: str, second: str) -> RuleView:
    """Add a never-pair (two people), pin or forbid (mentor, mentee) rule; a pin replaces the mentee's old pin.

    Raises:
        InputError: unknown kind, the same person twice, or someone not enrolled.
    """
    staff(actor, "set matching rules")
    a, b = first.strip().lower(), second.strip().lower()
    if kind not in ("never", "pin", "forbid"):
        raise InputError(f"Unknown rule '{kind}'.", hint="Use never, pin or forbid.")
    if a == b:
        raise InputError("A rule needs two different people.", hint="Pick a mentor and a mentee.")
    with db.write() as session:
        program_row(session, program_id)
        enrolled = dict(
            session.execute(select(Participant.email, Participant.role).where(Participant.program_id == program_id))
            .tuples()
            .all()
        )
        if a not in enrolled or b not in enrolled:
            missing = a if a not in enrolled else b
            raise InputError(f"{missing} is not enrolled in this program.", hint="Import them first.")
        if kind != "never" and (enrolled[a], enrolled[b]) != ("mentor", "mentee"):
            raise InputError(f"A {kind} is a mentor's email then a mentee's email.", hint="Swap the two.")
        if kind == "pin":
            session.execute(
                delete(MatchRule).where(
                    MatchRule.program_id == program_id, MatchRule.kind == "pin", MatchRule.second == b
                )
            )
        existing = session.scalar(
            select(MatchRule).where(
                MatchRule.program_id == program_id, MatchRule.kind == kind, MatchRule.first == a, MatchRule.second == b
            )
        )
        row = existing or MatchRule(program_id=program_id, kind=kind, first=a, second=b)
        session.add(row)
        session.flush()
        log(session, program_id, kind, f"{a} / {b}", actor)
        return RuleView(id=row.id, kind=kind, first=a, second=b)


def remove_rule(db: Database, actor: Actor, rule_id: int) -> None:
    """Delete one rule."""
    staff(actor, "set matching rules")
    with db.write() as session:
        row = session.get(MatchRule, rule_id)
        if row is not None:
            log(session, row.program_id, f"un{row.kind}", f"{row.first} / {row.second}", actor)
            session.delete(row)


def list_rules(db: Database, actor: Actor, program_id: int) -> list[RuleView]:
    """The program's rules, oldest first."""
    staff(actor, "see matching rules")
    with db.read() as session:
        rows = session.scalars(select(MatchRule).where(MatchRule.program_id == program_id).order_by(MatchRule.id))
        return [RuleView(id=r.id, kind=r.kind, first=r.first, second=r.second) for r in rows]  # type: ignore[arg-type]


def my_enrolments(db: Database, actor: Actor) -> list[tuple[ProgramView, ParticipantView]]:
    """The programs the actor is enrolled in (by email) and their own intake profile in each."""
    email = actor.email.lower()
    with db.read() as session:
        rows = (
            session.execute(
                select(Program, Participant)
                .join(Participant, Participant.program_id == Program.id)
                .where(Participant.email == email)
                .order_by(Program.id.desc())
            )
            .tuples()
            .all()
        )
        return [(program_view(p), _participant_view(r)) for p, r in rows]
