"""Every read and write of the app, each one short transaction.

Writes touch only the columns or rows they change (no read-modify-write of whole lists),
so two tabs saving at once lose nothing. Every function over private items takes the
acting ``Actor``: items are filtered by its account id, and reading or changing someone
else's item raises ``PermissionDenied`` (recorded in the audit trail), whether or not the
id exists. ``program_summary`` (the coordinators' view) selects numbers only, never
turns or reflection text, and hides averages over fewer people than the minimum group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.accounts import audit
from coach.actors import PROGRAM_STAFF, Actor
from coach.errors import InputError
from coach.storage.db import Database
from coach.storage.models import (
    ActionItem,
    MentoringSession,
    Pair,
    PracticeAttempt,
    ReflectionEntry,
    SavedQuestion,
    utcnow,
)
from coach.storage.views import (
    ActionItemView,
    AttemptView,
    CarryOver,
    PairProgress,
    PairView,
    ProgramSummary,
    QuestionView,
    ReflectionView,
    ScorePoint,
    SessionStatus,
    SessionView,
)

MAX_NAME_CHARS = 200
DEFAULT_MIN_GROUP_SIZE = 5
MAX_TEXT_CHARS = 20_000
T = TypeVar("T")


def _name(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise InputError(f"The {what} is empty.", hint=f"Enter a {what}.")
    if len(value) > MAX_NAME_CHARS:
        raise InputError(f"The {what} is longer than {MAX_NAME_CHARS} characters.", hint="Shorten it.")
    return value


def _text(value: str, what: str, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InputError(f"The {what} is empty.", hint=f"Write the {what} first.")
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"The {what} is longer than {MAX_TEXT_CHARS:,} characters.", hint="Shorten it.")
    return value


def _retry_on_conflict(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a write transaction, once more if a concurrent insert won a unique key."""
    try:
        with db.write() as session:
            return work(session)
    except IntegrityError:
        with db.write() as session:
            return work(session)


# --- pairs ------------------------------------------------------------------------------
def _pair_view(row: Pair) -> PairView:
    return PairView(
        id=row.id, mentor=row.mentor, mentee=row.mentee, mentor_profile=row.mentor_profile,
        mentee_profile=row.mentee_profile, goals=row.goals, program_sessions=row.program_sessions,
    )


def _may_use_pair(session: Session, actor: Actor, row: Pair) -> bool:
    """Staff, the account that created the pair, or one of a published program pair's two people."""
    from coach.programs.models import Match

    if actor.role in PROGRAM_STAFF or (row.created_by is not None and row.created_by == actor.account_id):
        return True
    email = actor.email.lower()
    linked = session.scalar(
        select(Match.id).where(
            Match.pair_id == row.id, Match.state.in_(("published", "ended")),
            (Match.mentor_email == email) | (Match.mentee_email == email),
        )
    )
    return linked is not None


def _pair_row(db: Database, session: Session, actor: Actor, pair_id: int, action: str) -> Pair:
    """The pair, after checking ``actor`` may use it (refusals are recorded).

    Raises:
        InputError: no such pair.
        PermissionDenied: someone else's pair.
    """
    row = session.get(Pair, pair_id)
    if row is None:
        raise InputError(f"No pair with id {pair_id}.", hint="Pick a pair from the list or create one.")
    if not _may_use_pair(session, actor, row):
        session.rollback()
        audit.deny(db, actor, action, f"pair {pair_id}", "That pair's sessions are private to the pair and the program staff.")
    return row


def create_pair(
    db: Database,
    actor: Actor,
    mentor: str,
    mentee: str,
    goals: str = "",
    program_sessions: int = 6,
    mentor_profile: str = "",
    mentee_profile: str = "",
) -> PairView:
    """Add a pair, owned by the account that creates it.

    Raises:
        InputError: empty names or a program length outside 1..100.
    """
    audit.signed_in(db, actor, "create a pair")
    if not 1 <= program_sessions <= 100:
        raise InputError("A program has between 1 and 100 sessions.", hint="Pick a number in that range.")
    row = Pair(
        mentor=_name(mentor, "mentor's name"), mentee=_name(mentee, "mentee's name"), goals=_text(goals, "goals"),
        program_sessions=program_sessions, mentor_profile=_text(mentor_profile, "mentor profile"),
        mentee_profile=_text(mentee_profile, "mentee profile"), created_by=actor.account_id,
    )
    with db.write() as session:
        session.add(row)
        session.flush()
        return _pair_view(row)


def list_pairs(db: Database, actor: Actor) -> list[PairView]:
    """The pairs the actor may use (every pair for staff), oldest first."""
    audit.signed_in(db, actor, "list pairs")
    with db.read() as session:
        rows = session.scalars(select(Pair).order_by(Pair.id)).all()
        return [_pair_view(p) for p in rows if _may_use_pair(session, actor, p)]


def get_pair(db: Database, actor: Actor, pair_id: int) -> PairView:
    """One pair the actor may use.

    Raises:
        InputError: no such pair.
        PermissionDenied: someone else's pair.
    """
    with db.read() as session:
        return _pair_view(_pair_row(db, session, actor, pair_id, "read a pair"))


# --- sessions ---------------------------------------------------------------------------
def _session_row(db: Database, session: Session, actor: Actor, pair_id: int, number: int) -> MentoringSession:
    _pair_row(db, session, actor, pair_id, "change a pair's sessions")
    if number < 1:
        raise InputError("Session numbers start at 1.", hint="Pick session 1 or later.")
    row = session.scalar(
        select(MentoringSession).where(MentoringSession.pair_id == pair_id, MentoringSession.number == number)
    )
    if row is None:
        row = MentoringSession(pair_id=pair_id, number=number, status="planned", notes="")
        session.add(row)
        session.flush()
    return row


def save_agenda(db: Database, actor: Actor, pair_id: int, number: int, agenda: Mapping[str, Any]) -> int:
    """Store the agenda of session ``number`` (creating the session); returns its id."""

    def work(session: Session) -> int:
        row = _session_row(db, session, actor, pair_id, number)
        row.agenda = dict(agenda)
        row.updated_at = utcnow()
        return row.id

    return _retry_on_conflict(db, work)


def save_notes(db: Database, actor: Actor, pair_id: int, number: int, notes: str, held: bool | None = None) -> int:
    """Store a session's notes (and optionally whether it was held); returns its id."""
    clean = _text(notes, "notes")

    def work(session: Session) -> int:
        row = _session_row(db, session, actor, pair_id, number)
        row.notes = clean
        if held is not None:
            row.status = "held" if held else "planned"
        row.updated_at = utcnow()
        return row.id

    return _retry_on_conflict(db, work)


def set_session_status(db: Database, actor: Actor, pair_id: int, number: int, status: SessionStatus) -> None:
    """Mark a session planned or held."""

    def work(session: Session) -> None:
        row = _session_row(db, session, actor, pair_id, number)
        row.status = status
        row.updated_at = utcnow()

    _retry_on_conflict(db, work)


def add_action_items(db: Database, actor: Actor, pair_id: int, number: int, texts: Iterable[str]) -> list[int]:
    """Add action items to a session; items already open there are not duplicated."""
    wanted = [t for t in (" ".join(x.split()) for x in texts) if t]

    def work(session: Session) -> list[int]:
        row = _session_row(db, session, actor, pair_id, number)
        # Lock the session row (PostgreSQL; SQLite writers are already serialised), so two
        # tabs adding the same item at once cannot both miss the other's insert.
        session.execute(select(MentoringSession.id).where(MentoringSession.id == row.id).with_for_update())
        existing = set(session.scalars(select(ActionItem.text).where(ActionItem.session_id == row.id)))
        ids = []
        for text in wanted:
            if text in existing:
                continue
            existing.add(text)
            item = ActionItem(session_id=row.id, text=_text(text, "action item"), done=False)
            session.add(item)
            session.flush()
            ids.append(item.id)
        return ids

    return _retry_on_conflict(db, work)


def set_action_done(db: Database, actor: Actor, item_id: int, done: bool = True) -> None:
    """Mark one action item of the actor's pair done (or open again)."""
    with db.write() as session:
        item = session.get(ActionItem, item_id)
        meeting = session.get(MentoringSession, item.session_id) if item is not None else None
        if item is None or meeting is None:
            raise InputError(f"No action item {item_id}.", hint="Reload the page.")
        _pair_row(db, session, actor, meeting.pair_id, "change an action item")
        item.done = done


def list_sessions(db: Database, actor: Actor, pair_id: int) -> list[SessionView]:
    """A pair's sessions with their notes and action items, by number (the pair and staff only)."""
    with db.read() as session:
        _pair_row(db, session, actor, pair_id, "read a pair's sessions")
        rows = list(
            session.scalars(
                select(MentoringSession).where(MentoringSession.pair_id == pair_id).order_by(MentoringSession.number)
            )
        )
        numbers = {r.id: r.number for r in rows}
        items: dict[int, list[ActionItemView]] = defaultdict(list)
        if rows:
            query = select(ActionItem).where(ActionItem.session_id.in_(numbers)).order_by(ActionItem.id)
            for item in session.scalars(query):
                items[item.session_id].append(
                    ActionItemView(id=item.id, session_number=numbers[item.session_id], text=item.text, done=item.done)
                )
        return [
            SessionView(
                id=r.id, pair_id=r.pair_id, number=r.number, status=r.status,  # type: ignore[arg-type]
                agenda=r.agenda, notes=r.notes, action_items=items[r.id],
            )
            for r in rows
        ]


def carry_over(db: Database, actor: Actor, pair_id: int, before_number: int) -> CarryOver:
    """The latest notes before session ``before_number`` and every open action item so far."""
    earlier = [s for s in list_sessions(db, actor, pair_id) if s.number < before_number]
    with_notes = [s for s in earlier if s.notes]
    latest = with_notes[-1] if with_notes else None
    open_actions = [i.text for s in earlier for i in s.action_items if not i.done]
    return CarryOver(
        previous_number=latest.number if latest else None, notes=latest.notes if latest else "",
        open_actions=list(dict.fromkeys(open_actions)),
    )


# --- practice attempts ------------------------------------------------------------------
def _attempt_view(r: PracticeAttempt) -> AttemptView:
    turns = sorted(r.turns, key=lambda t: int(t.get("seq", 0)) if isinstance(t, dict) else 0)
    return AttemptView(
        id=r.id, owner_id=r.owner_id or 0, persona=r.persona, difficulty=r.difficulty, turns=list(turns),
        scores={k: float(v) for k, v in r.scores.items()}, overall=r.overall, created_at=r.created_at,
    )


def start_attempt(db: Database, actor: Actor, persona: str, difficulty: str) -> int:
    """Record a new rehearsal owned by the actor; returns its id."""
    audit.signed_in(db, actor, "rehearse")
    row = PracticeAttempt(
        owner_id=actor.account_id, legacy_owner="", persona=persona, difficulty=difficulty, turns=[], scores={},
        overall=None, turn_count=0,
    )
    with db.write() as session:
        session.add(row)
        session.flush()
        return row.id


def record_attempt(
    db: Database,
    actor: Actor,
    attempt_id: int,
    turns: list[dict[str, Any]],
    scores: Mapping[str, float],
    overall: float | None,
) -> None:
    """Store an attempt's turns and scores so far (only its owner writes it).

    Raises:
        PermissionDenied: the attempt does not exist or belongs to someone else.
    """
    audit.signed_in(db, actor, "rehearse")
    with db.write() as session:
        result = session.execute(
            update(PracticeAttempt)
            .where(PracticeAttempt.id == attempt_id, PracticeAttempt.owner_id == actor.account_id)
            .values(turns=list(turns), scores=dict(scores), overall=overall, turn_count=len(turns))
        )
        changed = getattr(result, "rowcount", 1)
    if not changed:
        audit.deny(db, actor, "write a rehearsal", f"attempt {attempt_id}", "That rehearsal is not yours.")


def record_attempt_turn(
    db: Database,
    actor: Actor,
    attempt_id: int,
    seq: int,
    turn: Mapping[str, Any],
    scores: Mapping[str, float],
    overall: float | None,
) -> None:
    """Append turn number ``seq`` (from 1) to the actor's attempt, stored with its sequence number.

    The write only lands when turns 1 to ``seq - 1`` are already saved and turn ``seq`` is
    not, so two saves racing each other can neither swap nor overwrite turns.

    Raises:
        PermissionDenied: the attempt is someone else's (or does not exist).
        InputError: ``seq`` is not the next turn.
    """
    audit.signed_in(db, actor, "write a rehearsal")
    with db.write() as session:
        row = session.get(PracticeAttempt, attempt_id)
        mine = row is not None and row.owner_id == actor.account_id
        if mine and row is not None:
            if row.turn_count != seq - 1:
                raise InputError(
                    f"Turn {seq} does not follow the {row.turn_count} turn(s) already saved.",
                    hint="Reload the page to see the saved rehearsal, then continue.",
                )
            turns = [*row.turns, {**dict(turn), "seq": seq}]
            written = session.execute(
                update(PracticeAttempt)
                .where(PracticeAttempt.id == attempt_id, PracticeAttempt.turn_count == seq - 1)
                .values(turns=turns, scores=dict(scores), overall=overall, turn_count=seq)
            )
            if getattr(written, "rowcount", 1) != 1:  # another tab saved this turn between our read and write
                raise InputError(
                    f"Turn {seq} was saved from another tab a moment ago.",
                    hint="Reload the page to see the saved rehearsal, then continue.",
                )
    if not mine:
        audit.deny(db, actor, "write a rehearsal", f"attempt {attempt_id}", "That rehearsal is not yours.")


def latest_attempt(db: Database, actor: Actor) -> AttemptView | None:
    """The actor's most recently started attempt (with or without turns), or None."""
    audit.signed_in(db, actor, "resume a rehearsal")
    with db.read() as session:
        row = session.scalar(
            select(PracticeAttempt)
            .where(PracticeAttempt.owner_id == actor.account_id)
            .order_by(PracticeAttempt.created_at.desc(), PracticeAttempt.id.desc())
            .limit(1)
        )
        return None if row is None else _attempt_view(row)


def list_attempts(db: Database, actor: Actor) -> list[AttemptView]:
    """The actor's own attempts with at least one turn, oldest first."""
    audit.signed_in(db, actor, "list rehearsals")
    with db.read() as session:
        rows = session.scalars(
            select(PracticeAttempt)
            .where(PracticeAttempt.owner_id == actor.account_id, PracticeAttempt.turn_count > 0)
            .order_by(PracticeAttempt.created_at, PracticeAttempt.id)
        )
        return [_attempt_view(r) for r in rows]


def get_attempt(db: Database, actor: Actor, attempt_id: int) -> AttemptView:
    """One rehearsal with its transcript, for its owner only.

    Raises:
        PermissionDenied: anyone else, and for ids that do not exist (no hint which).
    """
    audit.signed_in(db, actor, "read a rehearsal")
    with db.read() as session:
        row = session.get(PracticeAttempt, attempt_id)
    if row is None or row.owner_id != actor.account_id:
        audit.deny(db, actor, "read a rehearsal", f"attempt {attempt_id}", "That rehearsal is private to its author.")
    return _attempt_view(row)


# --- reflections ------------------------------------------------------------------------
def _reflection_view(r: ReflectionEntry) -> ReflectionView:
    return ReflectionView(
        id=r.id, owner_id=r.owner_id or 0, text=r.text, answers=dict(r.answers), flags=list(r.flags),
        private=r.private, created_at=r.created_at,
    )


def save_reflection(
    db: Database,
    actor: Actor,
    text: str,
    answers: Mapping[str, str],
    flags: list[dict[str, Any]],
    private: bool = True,
) -> int:
    """Save a reflection owned by the actor; returns its id."""
    audit.signed_in(db, actor, "save a reflection")
    row = ReflectionEntry(
        owner_id=actor.account_id, legacy_owner="", text=_text(text, "reflection text", required=True),
        answers={k: _text(v, "answer") for k, v in answers.items()}, flags=flags, private=private,
    )
    with db.write() as session:
        session.add(row)
        session.flush()
        return row.id


def list_reflections(db: Database, actor: Actor) -> list[ReflectionView]:
    """The actor's own reflections, newest first."""
    audit.signed_in(db, actor, "list reflections")
    with db.read() as session:
        rows = session.scalars(
            select(ReflectionEntry).where(ReflectionEntry.owner_id == actor.account_id)
            .order_by(ReflectionEntry.id.desc())
        )
        return [_reflection_view(r) for r in rows]


def get_reflection(db: Database, actor: Actor, reflection_id: int) -> ReflectionView:
    """One reflection, for its owner only.

    Raises:
        PermissionDenied: anyone else, and for ids that do not exist.
    """
    audit.signed_in(db, actor, "read a reflection")
    with db.read() as session:
        row = session.get(ReflectionEntry, reflection_id)
    if row is None or row.owner_id != actor.account_id:
        audit.deny(db, actor, "read a reflection", f"reflection {reflection_id}",
                   "That reflection is private to its author.")
    return _reflection_view(row)


# --- saved questions --------------------------------------------------------------------
def save_questions(
    db: Database, actor: Actor, questions: Iterable[tuple[str, str, str]], pair_id: int | None = None
) -> list[int]:
    """Save (text, group, why) questions owned by the actor, one row each; returns their ids."""
    audit.signed_in(db, actor, "save questions")
    rows = [
        SavedQuestion(owner_id=actor.account_id, legacy_owner="", pair_id=pair_id,
                      text=_text(t, "question", required=True), group=g, why=w)
        for t, g, w in questions
    ]
    with db.write() as session:
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def list_questions(db: Database, actor: Actor, pair_id: int | None = None) -> list[QuestionView]:
    """The actor's saved questions (for one pair when given), oldest first."""
    audit.signed_in(db, actor, "list saved questions")
    with db.read() as session:
        query = select(SavedQuestion).where(SavedQuestion.owner_id == actor.account_id)
        if pair_id is not None:
            query = query.where(SavedQuestion.pair_id == pair_id)
        return [
            QuestionView(id=r.id, pair_id=r.pair_id, text=r.text, group=r.group, why=r.why)
            for r in session.scalars(query.order_by(SavedQuestion.id))
        ]


def delete_question(db: Database, actor: Actor, question_id: int) -> None:
    """Delete one of the actor's saved questions.

    Raises:
        PermissionDenied: not the actor's question (or no such question).
    """
    audit.signed_in(db, actor, "delete a saved question")
    with db.write() as session:
        result = session.execute(
            delete(SavedQuestion).where(SavedQuestion.id == question_id, SavedQuestion.owner_id == actor.account_id)
        )
        removed = getattr(result, "rowcount", 1)
    if not removed:
        audit.deny(db, actor, "delete a saved question", f"question {question_id}", "That question is not yours.")


# --- coordinator aggregates -------------------------------------------------------------
def program_summary(db: Database, actor: Actor, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> ProgramSummary:
    """Counts and averages for coordinators and administrators (each view recorded).

    Averages over fewer than ``min_group_size`` people are left out, so no one person's
    scores can be read off them. Selects no transcript, reflection or question text.

    Raises:
        PermissionDenied: a mentor or mentee.
    """
    audit.check_role(db, actor, *PROGRAM_STAFF, action="see program aggregates")
    with db.read() as session:
        progress = _pair_progress(session)
        attempts, people, average = session.execute(
            select(
                func.count(PracticeAttempt.id), func.count(func.distinct(PracticeAttempt.owner_id)),
                func.avg(PracticeAttempt.overall),
            ).where(PracticeAttempt.turn_count > 0, PracticeAttempt.owner_id.is_not(None))
        ).one()
        scored = session.execute(
            select(PracticeAttempt.created_at, PracticeAttempt.overall, PracticeAttempt.scores, PracticeAttempt.owner_id)
            .where(PracticeAttempt.turn_count > 0, PracticeAttempt.owner_id.is_not(None))
            .order_by(PracticeAttempt.created_at)
        ).all()
    enough = int(people or 0) >= min_group_size
    audit.record(db, "aggregates viewed", actor=actor, target="program summary",
                 detail=f"{int(people or 0)} people, minimum group {min_group_size}")
    return ProgramSummary(
        pairs=len(progress), sessions_planned=sum(p.planned_sessions for p in progress),
        sessions_held=sum(p.held for p in progress), practice_attempts=int(attempts or 0),
        practitioners=int(people or 0),
        average_overall=None if average is None or not enough else round(float(average), 1),
        progress=progress, scores_over_time=_daily_scores(scored, min_group_size) if enough else [],
        min_group_size=min_group_size, scores_hidden=bool(attempts) and not enough,
    )


def _pair_progress(session: Session) -> list[PairProgress]:
    pairs = session.execute(select(Pair.id, Pair.mentor, Pair.mentee, Pair.program_sessions).order_by(Pair.id))
    counts = dict(
        ((pid, status), n)
        for pid, status, n in session.execute(
            select(MentoringSession.pair_id, MentoringSession.status, func.count()).group_by(
                MentoringSession.pair_id, MentoringSession.status
            )
        )
    )
    return [
        PairProgress(
            pair_id=pid, label=f"{mentor} → {mentee}", planned_sessions=planned,
            held=counts.get((pid, "held"), 0), scheduled=counts.get((pid, "planned"), 0),
        )
        for pid, mentor, mentee, planned in pairs
    ]


def _daily_scores(rows: Iterable[Any], min_group_size: int) -> list[ScorePoint]:
    """Per-day averages; a day with fewer than ``min_group_size`` people is left out."""
    days: dict[str, list[tuple[float, dict[str, Any], int]]] = defaultdict(list)
    for created_at, overall, scores, owner_id in rows:
        if overall is not None:
            days[created_at.date().isoformat()].append((float(overall), dict(scores or {}), owner_id))
    points = []
    for day, entries in sorted(days.items()):
        if len({owner for _, _, owner in entries}) < min_group_size:
            continue
        criteria: dict[str, list[float]] = defaultdict(list)
        for _, scores, _ in entries:
            for name, value in scores.items():
                criteria[name].append(float(value))
        points.append(
            ScorePoint(
                day=day, attempts=len(entries), overall=round(sum(o for o, _, _ in entries) / len(entries), 1),
                criteria={k: round(sum(v) / len(v), 2) for k, v in sorted(criteria.items())},
            )
        )
    return points
