"""Pair health: On track, Needs attention or Too early to tell, with the rule that fired.

Each rule is a small function over ``PairFacts`` at a given moment, so a simulated clock can
walk a whole program and see states change on the right day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from coach.operations.facts import HELD, MISSED, UNCONFIRMED, PairFacts
from coach.operations.rules import HealthRules, OperationsRules


class HealthState(StrEnum):
    ON_TRACK = "On track"
    NEEDS_ATTENTION = "Needs attention"
    TOO_EARLY = "Too early to tell"


@dataclass(frozen=True)
class Finding:
    """One rule that fired, in words a coordinator can act on."""

    rule: str
    urgency: int
    message: str


@dataclass(frozen=True)
class PairHealth:
    pair_id: int
    label: str
    state: HealthState
    findings: tuple[Finding, ...]

    @property
    def urgency(self) -> int:
        return max((f.urgency for f in self.findings), default=0)


RuleCheck = Callable[[PairFacts, datetime, HealthRules], Finding | None]


def _no_first_meeting(pair: PairFacts, now: datetime, rules: HealthRules) -> Finding | None:
    rule = rules.no_first_meeting
    days = rule.days or 21
    if _held_any(pair, now) or now - pair.quiet_since(timedelta(days=days)) < timedelta(days=days):
        return None
    return Finding("no_first_meeting", rule.urgency, rule.message.format(days=days))


def _missed_in_a_row(pair: PairFacts, now: datetime, rules: HealthRules) -> Finding | None:
    rule = rules.missed_in_a_row
    count = rule.count or 2
    decided = [pair.effective_status(s, now) for s in pair.past_sessions(now)]
    decided = [status for status in decided if status in (HELD, MISSED)]
    if len(decided) < count or any(status != MISSED for status in decided[-count:]):
        return None
    return Finding("missed_in_a_row", rule.urgency, rule.message.format(count=count))


def _no_checkin(pair: PairFacts, now: datetime, rules: HealthRules) -> Finding | None:
    rule = rules.no_checkin
    days = rule.days or 7
    for session in reversed(pair.past_sessions(now)):
        if session.status == MISSED:
            continue
        if pair.checkins_for(session.number):
            return None
        if now - session.starts_at >= timedelta(days=days) and pair.effective_status(session, now) in (
            HELD,
            UNCONFIRMED,
        ):
            return Finding("no_checkin", rule.urgency, rule.message.format(days=days, session=session.number))
        return None
    return None


def _latest_rating(pair: PairFacts, field: str) -> tuple[int, int] | None:
    """(session number, lowest rating) for the latest session someone rated on ``field``."""
    rated = [(c.session_number, getattr(c, field)) for c in pair.checkins if getattr(c, field) is not None]
    if not rated:
        return None
    latest = max(number for number, _ in rated)
    return latest, min(value for number, value in rated if number == latest)


def _low_rating(name: str, field: str) -> RuleCheck:
    def check(pair: PairFacts, now: datetime, rules: HealthRules) -> Finding | None:
        rule = getattr(rules, name)
        found = _latest_rating(pair, field)
        if found is None or found[1] > (rule.at_most or 2):
            return None
        return Finding(name, rule.urgency, rule.message.format(session=found[0], value=found[1]))

    return check


def _stalled_goals(pair: PairFacts, now: datetime, rules: HealthRules) -> Finding | None:
    middle = pair.midpoint()
    if middle is None or now <= middle:
        return None
    if any(value > 0 for c in pair.checkins for value in c.goal_progress.values()):
        return None
    rule = rules.stalled_goals
    return Finding("stalled_goals", rule.urgency, rule.message)


def _held_any(pair: PairFacts, now: datetime) -> bool:
    return any(pair.effective_status(s, now) == HELD for s in pair.past_sessions(now))


CHECKS: tuple[RuleCheck, ...] = (
    _no_first_meeting,
    _missed_in_a_row,
    _no_checkin,
    _low_rating("low_usefulness", "usefulness"),
    _low_rating("low_safety", "safety"),
    _stalled_goals,
)


def assess(pair: PairFacts, now: datetime, rules: OperationsRules) -> PairHealth:
    """The pair's state at ``now`` and every rule that fired."""
    findings = tuple(f for check in CHECKS if (f := check(pair, now, rules.rules)) is not None)
    if findings:
        state = HealthState.NEEDS_ATTENTION
    elif not _held_any(pair, now) or now - pair.published_at < timedelta(days=rules.too_early_days):
        state = HealthState.TOO_EARLY
    else:
        state = HealthState.ON_TRACK
    return PairHealth(pair.pair_id, pair.label or f"{pair.mentor} & {pair.mentee}", state, findings)


def by_urgency(healths: Iterable[PairHealth]) -> list[PairHealth]:
    """Most urgent first; pairs needing attention before the rest, then by label."""
    order = {HealthState.NEEDS_ATTENTION: 0, HealthState.TOO_EARLY: 1, HealthState.ON_TRACK: 2}
    return sorted(healths, key=lambda h: (order[h.state], -h.urgency, -len(h.findings), h.label))
