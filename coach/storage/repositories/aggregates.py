"""The coordinators' view of the program: numbers only, never anyone's text.

``program_summary`` selects counts and scores, never turns, reflection or question text,
and hides averages over fewer people than the minimum group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coach.accounts import audit
from coach.actors import PROGRAM_STAFF, Actor
from coach.storage.db import Database
from coach.storage.models import MentoringSession, Pair, PracticeAttempt
from coach.storage.views import PairProgress, ProgramSummary, ScorePoint

DEFAULT_MIN_GROUP_SIZE = 5


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
                func.count(PracticeAttempt.id),
                func.count(func.distinct(PracticeAttempt.owner_id)),
                func.avg(PracticeAttempt.overall),
            ).where(PracticeAttempt.turn_count > 0, PracticeAttempt.owner_id.is_not(None))
        ).one()
        scored = session.execute(
            select(
                PracticeAttempt.created_at, PracticeAttempt.overall, PracticeAttempt.scores, PracticeAttempt.owner_id
            )
            .where(PracticeAttempt.turn_count > 0, PracticeAttempt.owner_id.is_not(None))
            .order_by(PracticeAttempt.created_at)
        ).all()
    enough = int(people or 0) >= min_group_size
    audit.record(
        db,
        "aggregates viewed",
        actor=actor,
        target="program summary",
        detail=f"{int(people or 0)} people, minimum group {min_group_size}",
    )
    return ProgramSummary(
        pairs=len(progress),
        sessions_planned=sum(p.planned_sessions for p in progress),
        sessions_held=sum(p.held for p in progress),
        practice_attempts=int(attempts or 0),
        practitioners=int(people or 0),
        average_overall=None if average is None or not enough else round(float(average), 1),
        progress=progress,
        scores_over_time=_daily_scores(scored, min_group_size) if enough else [],
        min_group_size=min_group_size,
        scores_hidden=bool(attempts) and not enough,
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
            pair_id=pid,
            label=f"{mentor} → {mentee}",
            planned_sessions=planned,
            held=counts.get((pid, "held"), 0),
            scheduled=counts.get((pid, "planned"), 0),
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
                day=day,
                attempts=len(entries),
                overall=round(sum(o for o, _, _ in entries) / len(entries), 1),
                criteria={k: round(sum(v) / len(v), 2) for k, v in sorted(criteria.items())},
            )
        )
    return points
