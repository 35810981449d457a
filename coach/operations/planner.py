"""Which nudges are due at a moment: reminders, missing check-ins, quiet pairs and open surveys.

Each draft carries a stable key (kind, pair, session or episode, person; for a survey:
program, survey, person), so planning the same moment twice, or on two servers at once,
records each nudge only once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from coach.links import DEFAULT_APP_URL, agenda_link, my_program_link
from coach.operations.facts import HELD, MISSED, PairFacts, SessionFact, SurveyFacts
from coach.operations.rules import NudgeRules
from coach.operations.surveys import due_survey, survey_windows

REMINDER, CHECKIN, QUIET, SURVEY = "reminder", "checkin", "quiet", "survey"
NO_PAIR = 0  # the outbox's pair for a nudge about a person's program rather than one pair


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


def session_agenda_link(pair: PairFacts, number: int, app_url: str) -> str:
    """The agenda page for session ``number`` of the pair (its schedule on My program when the pair has no agendas)."""
    if pair.agenda_pair_id is None:
        return my_program_link(app_url)
    return agenda_link(app_url, pair.agenda_pair_id, number)


def _reminders(pair: PairFacts, now: datetime, rules: NudgeRules, app_url: str) -> Iterable[NudgeDraft]:
    horizon = now + timedelta(hours=rules.reminder_hours)
    for session in pair.sessions:
        if session.status not in ("planned",) or not now < session.starts_at <= horizon:
            continue
        agenda_url = session_agenda_link(pair, session.number, app_url)
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


def _open_survey(program: SurveyFacts, now: datetime, rules: NudgeRules, survey_url: str) -> Iterable[NudgeDraft]:
    """One note per person who has not answered the survey open today (once per survey, by its key)."""
    today = now.date()
    survey = due_survey(program.program, today)
    if survey is None:
        return
    window = survey_windows(program.program)[survey]
    title = program.title(survey)
    last_day = window.closes - timedelta(days=1)
    for person in program.participants:
        opened = max(window.opens or person.enrolled_on, person.enrolled_on)
        if (survey, person.email) in program.answered or (today - opened).days < rules.survey_after_days:
            continue
        yield NudgeDraft(
            key=f"{SURVEY}:{program.program.id}:{survey}:{person.email}",
            kind=SURVEY,
            pair_id=person.pair_id if person.pair_id is not None else NO_PAIR,
            recipient=person.email,
            subject=f"{title} of {program.program.name}: open for your answers",
            body=(
                f"The {title.lower()} of {program.program.name} is open until {last_day:%A %d %B %Y}. "
                "It takes a few minutes; only you see your answers, and coordinators see only averages over "
                f"several people. Answer it on My program: {survey_url}"
            ),
        )


def due_nudges(
    pairs: Iterable[PairFacts],
    now: datetime,
    rules: NudgeRules,
    *,
    app_url: str = DEFAULT_APP_URL,
    surveys: Iterable[SurveyFacts] = (),
) -> list[NudgeDraft]:
    """Every nudge due at ``now``; already-recorded ones are skipped by the outbox, not here."""
    drafts: list[NudgeDraft] = []
    for pair in pairs:
        drafts.extend(_reminders(pair, now, rules, app_url))
        drafts.extend(_missing_checkins(pair, now, rules, my_program_link(app_url)))
        drafts.extend(_quiet(pair, now, rules))
    for program in surveys:
        drafts.extend(_open_survey(program, now, rules, my_program_link(app_url)))
    return drafts
