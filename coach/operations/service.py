"""One pass of the program's scheduled work: plan due nudges, record them, send them.

``coach nudges run`` calls ``run_pass`` once (for cron or a systemd timer); the app can call
it too. Two processes running it at once still record and send each nudge once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from coach.links import DEFAULT_APP_URL
from coach.operations.calendar import session_calendar
from coach.operations.facts import PairFacts, SurveyFacts
from coach.operations.mailer import Mailer
from coach.operations.outbox import CalendarFor, PassReport, record, send_due
from coach.operations.planner import REMINDER, NudgeDraft, due_nudges, session_agenda_link
from coach.operations.rules import OperationsRules
from coach.storage.db import Database


def _calendar_for(pairs: dict[int, PairFacts], app_url: str) -> CalendarFor:
    def calendar(draft: NudgeDraft) -> str:
        pair = pairs.get(draft.pair_id)
        if draft.kind != REMINDER or pair is None or draft.starts_at is None:
            return ""
        session = next(s for s in pair.sessions if s.number == draft.session_number)
        url = session_agenda_link(pair, session.number, app_url)
        return session_calendar(
            uid=f"pair-{pair.pair_id}-session-{session.number}@reverse-mentoring-coach",
            starts_at=session.starts_at,
            minutes=session.minutes,
            people=pair.people,
            title=f"Reverse mentoring session {session.number}",
            description=f"Session {session.number}. The agenda is at {url}",
            url=url,
        )

    return calendar


def run_pass(
    db: Database,
    pairs: Iterable[PairFacts],
    now: datetime,
    rules: OperationsRules,
    mailer: Mailer | None,
    *,
    app_url: str = DEFAULT_APP_URL,
    surveys: Iterable[SurveyFacts] = (),
) -> PassReport:
    """Record every nudge due at ``now`` (for ``pairs`` and the programs' ``surveys``) and,
    when a mailer is configured, send what is due."""
    known = {pair.pair_id: pair for pair in pairs}
    drafts = due_nudges(known.values(), now, rules.nudges, app_url=app_url, surveys=surveys)
    report = PassReport(recorded=record(db, drafts, now, _calendar_for(known, app_url)))
    if mailer is not None:
        send_due(db, mailer, now, rules.nudges, report)
    return report
