"""Agendas for a whole program in one action: each published pair's next session, built from the pair.

Each agenda reads the pair's goals and profiles, the latest earlier notes and every open
action item (``coach.storage.repositories.carry_over``), and is checked before it is saved:
its minutes add up to the session length and every item cites a passage the agenda lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.actors import Actor
from coach.errors import CoachError
from coach.flows.agenda.builder import Agenda, AgendaRequest, build_agenda
from coach.flows.agenda.schema import MAX_DURATION, MAX_FOCUS_CHARS, MIN_DURATION
from coach.ports import Retriever
from coach.programs.matching_store import list_matches
from coach.programs.repository import get_program, staff
from coach.programs.views import MatchView, ProgramView
from coach.storage import repositories as repo
from coach.storage.db import Database

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

AgendaProgress = Callable[[int, int, str], None]
OPEN_STATES = ("planned", "rescheduled")


@dataclass
class AgendaOutcome:
    """What happened for one pair."""

    match_id: int
    pair_id: int
    label: str
    session_number: int | None
    ok: bool
    detail: str


def agenda_problems(agenda: Agenda) -> list[str]:
    """Why an agenda is not valid (empty when it is): minutes must add up and every item be cited."""
    problems: list[str] = []
    total = sum(item.minutes for item in agenda.items)
    if total != agenda.duration_minutes:
        problems.append(f"items add up to {total} of {agenda.duration_minutes} minutes")
    listed = {c.id for c in agenda.citations}
    for item in agenda.items:
        if not item.citations or not set(item.citations) <= listed:
            problems.append(f"'{item.title}' has no listed citation")
    return problems


def _next_number(match: MatchView) -> int | None:
    return next((s.number for s in match.sessions if s.status in OPEN_STATES), None)


def _request(
    program: ProgramView, match: MatchView, pair_id: int, number: int, db: Database, actor: Actor
) -> AgendaRequest:
    pair = repo.get_pair(db, actor, pair_id)
    carry = repo.carry_over(db, actor, pair_id, number)
    focus = pair.goals or "; ".join(program.topics) or program.goals
    return AgendaRequest(
        mentor=pair.mentor_profile or pair.mentor,
        mentee=pair.mentee_profile or pair.mentee,
        session_number=number,
        program_sessions=pair.program_sessions,
        duration_minutes=min(MAX_DURATION, max(MIN_DURATION, program.session_minutes)),
        focus=focus[:MAX_FOCUS_CHARS],
        format="in person",
        notes=carry.notes,
        open_actions=carry.open_actions,
    )


def generate_program_agendas(
    db: Database,
    actor: Actor,
    program_id: int,
    retriever: Retriever,
    model: BaseChatModel | None = None,
    progress: AgendaProgress | None = None,
) -> list[AgendaOutcome]:
    """Build and save the next session's agenda of every published pair; ``progress(done, total, label)``.

    A pair whose agenda fails (or is not valid) is reported and the others still get theirs.
    """
    staff(actor, "generate a program's agendas")
    program = get_program(db, actor, program_id)
    matches = list_matches(db, actor, program_id, states=["published"])
    outcomes: list[AgendaOutcome] = []
    for done, match in enumerate(matches, 1):
        label = f"{match.mentor_name or match.mentor} → {match.mentee_name or match.mentee}"
        outcomes.append(_one(db, actor, program, match, label, retriever, model))
        if progress is not None:
            progress(done, len(matches), label)
    return outcomes


def _one(
    db: Database,
    actor: Actor,
    program: ProgramView,
    match: MatchView,
    label: str,
    retriever: Retriever,
    model: BaseChatModel | None,
) -> AgendaOutcome:
    pair_id = match.pair_id or 0
    number = _next_number(match)
    if number is None:
        return AgendaOutcome(match.id, pair_id, label, None, False, "no planned session left")
    try:
        agenda = build_agenda(_request(program, match, pair_id, number, db, actor), retriever, model)
    except CoachError as exc:
        return AgendaOutcome(match.id, pair_id, label, number, False, exc.message)
    problems = agenda_problems(agenda)
    if problems:
        return AgendaOutcome(match.id, pair_id, label, number, False, "; ".join(problems))
    repo.save_agenda(db, actor, pair_id, number, agenda.model_dump(mode="json"))
    return AgendaOutcome(match.id, pair_id, label, number, True, f"session {number}: {agenda.title}")
