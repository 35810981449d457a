"""A participant's own view of their pair: schedule, agendas, open action items, check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from coach.actors import Actor
from coach.operations.checkins import CheckinView, my_checkins
from coach.operations.pulse import question_for_pair
from coach.operations.questions import ProgramQuestion
from coach.programs.lifecycle import my_matches
from coach.programs.repository import my_enrolments
from coach.programs.views import MatchView
from coach.storage import repositories as repo
from coach.storage.db import Database
from coach.storage.views import ActionItemView, SessionView


@dataclass
class MyPair:
    """One of the actor's published pairs, with what the two of them have on record.

    ``program_question`` is the program's own check-in question, asked of both people;
    ``goals`` are the actor's own goals from their intake profile, which the check-in asks
    about one by one.
    """

    match: MatchView
    partner: str
    agendas: list[SessionView] = field(default_factory=list)
    open_actions: list[ActionItemView] = field(default_factory=list)
    checkins: list[CheckinView] = field(default_factory=list)
    program_question: ProgramQuestion | None = None
    goals: tuple[str, ...] = ()

    def due_checkins(self, now: datetime) -> list[int]:
        """Session numbers that have started and that the actor has not checked in for."""
        answered = {c.session_number for c in self.checkins}
        return [
            s.number
            for s in self.match.sessions
            if s.starts_at is not None
            and _aware(s.starts_at) <= now
            and s.number not in answered
            and s.status != "rescheduled"
        ]


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def my_pairs(db: Database, actor: Actor) -> list[MyPair]:
    """The actor's published pairs only; nothing of anyone else's pair, nothing before publishing."""
    mine = my_checkins(db, actor)
    goals = {program.id: tuple(participant.profile.goals) for program, participant in my_enrolments(db, actor)}
    pairs = []
    for match in my_matches(db, actor):
        if match.state != "published":
            continue
        me = actor.email.lower()
        partner = match.mentee_name or match.mentee if match.mentor == me else match.mentor_name or match.mentor
        sessions = repo.list_sessions(db, actor, match.pair_id) if match.pair_id is not None else []
        pairs.append(
            MyPair(
                match=match,
                partner=partner,
                agendas=[s for s in sessions if s.agenda],
                open_actions=[a for s in sessions for a in s.action_items if not a.done],
                checkins=[c for c in mine if c.pair_id == match.id],
                program_question=question_for_pair(db, match.id),
                goals=goals.get(match.program_id, ()),
            )
        )
    return pairs
