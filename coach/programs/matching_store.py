"""Proposing, previewing and publishing a program's pairs.

Proposals are the coordinator's working set: re-solving replaces them and nothing of them
is visible to participants. Publishing turns them into pairs (rows of ``pairs``, so the
agenda builder and session notes work as before) with a schedule of sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coach.actors import Actor
from coach.errors import InputError
from coach.ports import Embedder
from coach.programs.models import Match, MatchRule, Participant, Program, ScheduledSession
from coach.programs.profiles import Profile
from coach.programs.repository import log, program_row, staff
from coach.programs.schedule import plan_sessions
from coach.programs.scoring import ScoreTable
from coach.programs.solver import Matching, Unmatched, solve
from coach.programs.views import MatchView, PairChange, SessionPlanView, WeightsPreview
from coach.programs.weights import load_weights
from coach.storage.db import Database
from coach.storage.models import Pair, utcnow


@dataclass
class Proposal:
    """The stored proposals of a solve and everyone left unmatched, with why."""

    matches: list[MatchView]
    unmatched: list[Unmatched]


@dataclass
class _Pool:
    program: Program
    profiles: list[Profile]
    never: list[tuple[str, str]]
    forbidden: list[tuple[str, str]]
    pins: list[tuple[str, str]]


def _pool(session: Session, program_id: int) -> _Pool:
    """Everyone not already in a published pair, and the rules that apply to them."""
    program = program_row(session, program_id)
    active = session.execute(
        select(Match.mentor_email, Match.mentee_email).where(Match.program_id == program_id, Match.state == "published")
    ).all()
    busy = {e for pair in active for e in pair}
    rows = session.scalars(select(Participant).where(Participant.program_id == program_id).order_by(Participant.id))
    profiles = [Profile.model_validate(r.profile) for r in rows if r.email not in busy]
    emails = {p.email for p in profiles}
    rules = session.scalars(select(MatchRule).where(MatchRule.program_id == program_id)).all()
    by_kind: dict[str, list[tuple[str, str]]] = {"never": [], "forbid": [], "pin": []}
    for rule in rules:
        if rule.kind == "never" or (rule.first in emails and rule.second in emails):
            by_kind[rule.kind].append((rule.first, rule.second))
    return _Pool(program, profiles, by_kind["never"], by_kind["forbid"], by_kind["pin"])


def _solve(pool: _Pool, embedder: Embedder, overrides: dict[str, Any] | None = None) -> Matching:
    # Free times are compared on the dates of the program's first week, with the offsets in force then.
    chosen = dict(pool.program.weights if overrides is None else overrides)
    chosen.setdefault("reference_week", pool.program.starts_on)
    weights = load_weights().with_overrides(chosen)
    table = ScoreTable(pool.profiles, embedder, weights, never=pool.never, forbidden=pool.forbidden)
    return solve(table, pool.pins)


def propose(db: Database, actor: Actor, program_id: int, embedder: Embedder) -> Proposal:
    """Solve the program's open participants again and store the result as its proposals.

    Raises:
        InputError: a pin that breaks a hard constraint or a mentor's capacity.
    """
    staff(actor, "match a program")
    with db.read() as session:
        pool = _pool(session, program_id)
    matching = _solve(pool, embedder)
    names = {p.email: p.name for p in pool.profiles}
    with db.write() as session:
        session.execute(delete(Match).where(Match.program_id == program_id, Match.state == "proposed"))
        rows = [
            Match(
                program_id=program_id,
                mentor_email=p.mentor,
                mentee_email=p.mentee,
                score=p.score,
                components=p.components,
                why=p.why,
                pinned=p.pinned,
                state="proposed",
                end_reason="",
            )
            for p in matching.pairs
        ]
        session.add_all(rows)
        session.flush()
        log(session, program_id, "proposed", f"{len(rows)} pairs, {len(matching.unmatched)} unmatched", actor)
        views = [_match_view(r, names, []) for r in rows]
    return Proposal(matches=views, unmatched=matching.unmatched)


def preview_weights(
    db: Database, actor: Actor, program_id: int, embedder: Embedder, overrides: dict[str, Any]
) -> WeightsPreview:
    """How the matching would change under ``overrides`` (nothing is stored)."""
    staff(actor, "preview matching weights")
    with db.read() as session:
        pool = _pool(session, program_id)
    before, after = _solve(pool, embedder), _solve(pool, embedder, overrides)
    old = {p.mentee: p for p in before.pairs}
    new = {p.mentee: p for p in after.pairs}
    changes = [
        PairChange(
            mentee=m,
            before=old[m].mentor if m in old else None,
            after=new[m].mentor if m in new else None,
            score_before=old[m].score if m in old else None,
            score_after=new[m].score if m in new else None,
        )
        for m in sorted(set(old) | set(new))
        if (old.get(m) and old[m].mentor) != (new.get(m) and new[m].mentor)
    ]
    unchanged = len(set(old) | set(new)) - len(changes)
    return WeightsPreview(total_before=before.total, total_after=after.total, changes=changes, unchanged=unchanged)


def _match_view(row: Match, names: dict[str, str], sessions: Sequence[ScheduledSession]) -> MatchView:
    return MatchView(
        id=row.id,
        program_id=row.program_id,
        mentor=row.mentor_email,
        mentee=row.mentee_email,
        mentor_name=names.get(row.mentor_email, ""),
        mentee_name=names.get(row.mentee_email, ""),
        score=row.score,
        components={k: float(v) for k, v in row.components.items()},
        why=list(row.why),
        pinned=row.pinned,
        state=row.state,  # type: ignore[arg-type]
        pair_id=row.pair_id,
        end_reason=row.end_reason,  # type: ignore[arg-type]
        sessions=[
            SessionPlanView(number=s.number, starts_at=s.starts_at, minutes=s.minutes, status=s.status, reason=s.reason)  # type: ignore[arg-type]
            for s in sorted(sessions, key=lambda s: s.number)
        ],
    )


def match_views(session: Session, rows: Sequence[Match]) -> list[MatchView]:
    """Views of match rows with names and schedules."""
    ids = [r.id for r in rows]
    sessions: dict[int, list[ScheduledSession]] = {i: [] for i in ids}
    if ids:
        for s in session.scalars(select(ScheduledSession).where(ScheduledSession.match_id.in_(ids))):
            sessions[s.match_id].append(s)
    emails = {e for r in rows for e in (r.mentor_email, r.mentee_email)}
    programs = {r.program_id for r in rows}
    names = (
        dict(
            session.execute(
                select(Participant.email, Participant.name).where(
                    Participant.email.in_(emails), Participant.program_id.in_(programs)
                )
            )
            .tuples()
            .all()
        )
        if emails
        else {}
    )
    return [_match_view(r, names, sessions[r.id]) for r in rows]


def list_matches(db: Database, actor: Actor, program_id: int, states: Sequence[str] = ()) -> list[MatchView]:
    """The program's pairs in the given states (default: all), best score first."""
    staff(actor, "see a program's pairs")
    with db.read() as session:
        query = select(Match).where(Match.program_id == program_id)
        if states:
            query = query.where(Match.state.in_(list(states)))
        return match_views(session, list(session.scalars(query.order_by(Match.score.desc(), Match.id))))


def _profile_text(p: Profile) -> str:
    parts = [", ".join(x for x in (p.name, p.level, p.department) if x)]
    for label, items in (("offers", p.skills_offered), ("wants", p.skills_wanted), ("interests", p.interests)):
        if items:
            parts.append(f"{label}: {', '.join(items)}")
    return "; ".join(parts)


def publish(db: Database, actor: Actor, program_id: int) -> list[MatchView]:
    """Publish every proposal: create its pair and schedule its sessions. Participants see them from now on.

    Raises:
        InputError: there is nothing to publish.
    """
    staff(actor, "publish pairs")
    with db.write() as session:
        program = program_row(session, program_id)
        rows = list(session.scalars(select(Match).where(Match.program_id == program_id, Match.state == "proposed")))
        if not rows:
            raise InputError("There are no proposed pairs to publish.", hint="Run the matching first.")
        people = {
            r.email: Profile.model_validate(r.profile)
            for r in session.scalars(select(Participant).where(Participant.program_id == program_id))
        }
        now = utcnow()
        for row in rows:
            _publish_one(session, program, row, people[row.mentor_email], people[row.mentee_email], now)
            log(session, program_id, "published", f"{row.mentor_email} / {row.mentee_email}", actor, row.id)
        session.flush()
        return match_views(session, rows)


def _publish_one(
    session: Session, program: Program, row: Match, mentor: Profile, mentee: Profile, now: datetime
) -> None:
    goals = "; ".join([*mentee.goals, *([program.goals] if program.goals else [])])
    pair = Pair(
        mentor=mentor.name,
        mentee=mentee.name,
        mentor_profile=_profile_text(mentor),
        mentee_profile=_profile_text(mentee),
        goals=goals,
        program_sessions=program.sessions,
    )
    session.add(pair)
    session.flush()
    row.state, row.pair_id, row.published_at = "published", pair.id, now
    plan = plan_sessions(
        mentor, mentee, program.starts_on, program.sessions, program.cadence_days, program.session_minutes
    )
    for number, start in enumerate(plan, 1):
        session.add(
            ScheduledSession(
                match_id=row.id,
                number=number,
                starts_at=start,
                minutes=program.session_minutes,
                status="planned",
                reason="" if start else "no common free time: agree a time",
            )
        )
