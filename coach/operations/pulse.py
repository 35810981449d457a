"""A program's own check-in question: coordinators set, change or remove it; pairs answer it.

Each program may add one question to the after-session pulse. Its kind decides how it is
answered and reported: a 1-5 rating (reported as a mean), yes or no (reported as the share
answering yes), or a short text (kept with its author's check-in and never reported). Every
change is written to the program's history and to the audit trail.

Each answer is stored with the wording it answered (``program_asked``), so after the
question is changed the report counts only answers to the current wording.
"""

from __future__ import annotations

from sqlalchemy import select

from coach.accounts import audit
from coach.actors import Actor, Role
from coach.errors import InputError
from coach.operations.questions import (
    MAX_QUESTION_CHARS,
    MIN_QUESTION_CHARS,
    PULSE_KINDS,
    ProgramQuestion,
    QuestionBank,
)
from coach.programs.models import Match, Program
from coach.programs.repository import log, program_row
from coach.storage.db import Database

STAFF = (Role.COORDINATOR, Role.ADMINISTRATOR)


def check_program_question(text: str, kind: str, bank: QuestionBank) -> ProgramQuestion:
    """The question, cleaned, after checking its wording and kind.

    Raises:
        InputError: the text is empty, too short or too long, repeats a standard question,
            or the kind is not one of ``PULSE_KINDS``.
    """
    clean = " ".join(str(text).split())
    if kind not in PULSE_KINDS:
        choices = "; ".join(f"'{k}' for {label}" for k, label in PULSE_KINDS.items())
        raise InputError(f"Unknown kind of answer {kind!r}.", hint=f"Use {choices}.")
    if not clean:
        raise InputError("The question is empty.", hint="Write the question, or remove it instead.")
    if len(clean) < MIN_QUESTION_CHARS:
        raise InputError(
            f"The question is shorter than {MIN_QUESTION_CHARS} characters.",
            hint="Write it as a full question, e.g. 'Did you try the new tool together?'.",
        )
    if len(clean) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is longer than {MAX_QUESTION_CHARS} characters ({len(clean)}).",
            hint="Keep it to one short sentence: the check-in takes a minute.",
        )
    standard = {q.text.casefold() for q in bank.pulse}
    if clean.casefold() in standard:
        raise InputError("The check-in already asks that question.", hint="Ask something the pulse does not cover.")
    return ProgramQuestion(text=clean, kind=kind)  # type: ignore[arg-type]


def _stored(row: Program) -> ProgramQuestion | None:
    if not row.pulse_question or row.pulse_kind not in PULSE_KINDS:
        return None
    return ProgramQuestion(text=row.pulse_question, kind=row.pulse_kind)  # type: ignore[arg-type]


def get_program_question(db: Database, actor: Actor, program_id: int) -> ProgramQuestion | None:
    """The program's own question, for the coordinator's editor (program staff)."""
    audit.check_role(db, actor, *STAFF, action="see the program's check-in question")
    with db.read() as session:
        return _stored(program_row(session, program_id))


def set_program_question(
    db: Database, actor: Actor, program_id: int, text: str, kind: str, *, bank: QuestionBank
) -> ProgramQuestion:
    """Add or change the program's own check-in question (program staff).

    Raises:
        PermissionDenied: the actor is not a coordinator or administrator (the refusal is audited).
        InputError: see ``check_program_question``; or no such program.
    """
    audit.check_role(db, actor, *STAFF, action="set the program's check-in question")
    question = check_program_question(text, kind, bank)
    with db.write() as session:
        row = program_row(session, program_id)
        verb = "changed" if row.pulse_question else "added"
        row.pulse_question, row.pulse_kind = question.text, question.kind
        log(session, program_id, "pulse question", f"{verb}: '{question.text}' ({question.kind})", actor)
    audit.record(
        db,
        f"{verb} check-in question",
        actor=actor,
        target=f"program {program_id}",
        detail=f"{question.kind}: {question.text}",
    )
    return question


def remove_program_question(db: Database, actor: Actor, program_id: int) -> bool:
    """Remove the program's own question (program staff); False when there was none.

    Answers already given stay with their check-ins; the report stops showing them.
    """
    audit.check_role(db, actor, *STAFF, action="remove the program's check-in question")
    with db.write() as session:
        row = program_row(session, program_id)
        had = bool(row.pulse_question)
        if had:
            log(session, program_id, "pulse question", f"removed: '{row.pulse_question}'", actor)
            row.pulse_question, row.pulse_kind = "", ""
    if had:
        audit.record(db, "removed check-in question", actor=actor, target=f"program {program_id}")
    return had


def question_for_pair(db: Database, pair_id: int) -> ProgramQuestion | None:
    """The current question of the program a pair (program match id) belongs to.

    Not personal data: callers are the check-in of the pair's own members and the report.
    """
    with db.read() as session:
        row = session.scalar(select(Program).join(Match, Match.program_id == Program.id).where(Match.id == pair_id))
        return _stored(row) if row is not None else None


def question_of_program(db: Database, program_id: int) -> ProgramQuestion | None:
    """The current question of a program, for the report (after the report's own role check)."""
    with db.read() as session:
        row = session.get(Program, program_id)
        return _stored(row) if row is not None else None
