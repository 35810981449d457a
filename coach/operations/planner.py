"""Which nudges are due at a moment: reminders, missing check-ins, and quiet pairs.

Each draft carries a stable key (kind, pair, session or episode, person), so planning the
same moment twice, or on two servers at once, records each nudge only once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from coach.operations.facts import HELD, MISSED, PairFacts, SessionFact
from coach.operations.rules import NudgeRules

REMINDER, CHECKIN, QUIET = "reminder", "checkin", "quiet"


@dataclass(frozen=True)
class NudgeDraft:
    """A message to record in the outbox before anything is sent."""

    key: str
    kind: str
    pair_id: int
    recipient: str
    subject: str
    body: str
    session_number: int | None = None
    starts_at: datetime | None = None


def _when(moment: datetime) -> str:
    return moment.strftime("%A %d %B at %H:%M UTC")


def _reminders(pair: PairFacts, now: datetime, rules: NudgeRules, agenda_url: str) -> Iterable[NudgeDraft]:
    horizon = now + timedelta(hours=rules.reminder_hours)
    for session in pair.sessions:
        if session.status not in ("planned",) or not now < session.starts_at <= horizon:
            continue
        for person in pair.people:
            yield NudgeDraft(
                key=f"{REMINDER}:{pair.pair_id}:{session.number}:{person}",
                kind=REMINDER,
                pair_id=pair.pair_id,
                recipient=person,
                subject=f"Reminder: mentoring session {session.number} on {_when(session.starts_at)}",
                body=(
                    f"Your reverse-mentoring session {session.number} starts {_when(session.starts_at)}.\n"
                    f"The agenda: {agenda_url}\nThe calendar file is attached."
                ),
                session_number=session.number,
                starts_at=session.starts_at,
            )


def _missing_checkins(pair: PairFacts, now: datetime, rules: NudgeRules, checkin_url: str) -> Iterable[NudgeDraft]:
    wait = timedelta(hours=rules.checkin_after_hours)
    for session in pair.past_sessions(now):
        if pair.effective_status(session, now) == MISSED or now - session.starts_at < wait:
            continue
        answered = {c.respondent for c in pair.checkins_for(session.number)}
        for person in pair.people:
            if person in answered:
                continue
            yield NudgeDraft(
                key=f"{CHECKIN}:{pair.pair_id}:{session.number}:{person}",
                kind=CHECKIN,
                pair_id=pair.pair_id,
                recipient=person,
                subject=f"One minute on session {session.number}?",
                body=(
                    f"How did session {session.number} go? Three quick questions help you and your partner "
                    f"keep the program useful: {checkin_url}"
                ),
                session_number=session.number,
            )


def _last_held(pair: PairFacts, now: datetime) -> SessionFact | None:
    held = [s for s in pair.past_sessions(now) if pair.effective_status(s, now) == HELD]
    return held[-1] if held else None


def _quiet(pair: PairFacts, now: datetime, rules: NudgeRules) -> Iterable[NudgeDraft]:
    last = _last_held(pair, now)
    wait = timedelta(days=rules.quiet_after_days)
    since = last.starts_at if last else pair.quiet_since(wait)
    if now - since < wait:
        return
    episode = last.number if last else 0
    for person in pair.people:
        yield NudgeDraft(
            key=f"{QUIET}:{pair.pair_id}:{episode}:{person}",
            kind=QUIET,
            pair_id=pair.pair_id,
            recipient=person,
            subject="Time for your next mentoring conversation?",
            body=(
                "It has been a while since the two of you last met. Busy weeks happen: a short call to pick "
                "a new date keeps the relationship going. If something is getting in the way, the program's "
                "independent contact is there to help, in confidence."
            ),
        )


def due_nudges(
    pairs: Iterable[PairFacts], now: datetime, rules: NudgeRules, *, app_url: str = "http://127.0.0.1:8501"
) -> list[NudgeDraft]:
    """Every nudge due at ``now``; already-recorded ones are skipped by the outbox, not here."""
    drafts: list[NudgeDraft] = []
    for pair in pairs:
        drafts.extend(_reminders(pair, now, rules, f"{app_url}/agenda?pair={pair.pair_id}"))
        drafts.extend(_missing_checkins(pair, now, rules, f"{app_url}/checkin?pair={pair.pair_id}"))
        drafts.extend(_quiet(pair, now, rules))
    return drafts
