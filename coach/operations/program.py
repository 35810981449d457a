"""What coordinators and participants call: pair health, one-click nudges, inbox, reports.

Staff-only functions check the role first; participants only ever get their own inbox and
check-ins. Nothing here returns a note, a transcript or a reflection.
"""

from __future__ import annotations

from datetime import datetime

from coach.accounts import audit
from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError
from coach.operations import outbox
from coach.operations.health import PairHealth, assess, by_urgency
from coach.operations.mailer import Mailer, SmtpConfig, SmtpMailer
from coach.operations.models import Nudge
from coach.operations.outbox import PassReport
from coach.operations.planner import NudgeDraft
from coach.operations.questions import load_questions
from coach.operations.reports import ProgramReport, build_report
from coach.operations.rules import OperationsRules, load_rules
from coach.operations.service import run_pass
from coach.operations.sources import program_pair_facts, program_survey_facts
from coach.storage.db import Database

MANUAL_KINDS = {
    "nudge": (
        "A note from your program coordinator",
        "Your program coordinator wanted to check in: is there anything getting in the way of your next "
        "session? A short message to your partner to fix a date is often all it takes.",
    ),
    "contact": (
        "Someone to talk to, in confidence",
        "If anything about your mentoring pair is hard to raise with your partner, the program's independent "
        "contact is there to listen, in confidence, and can help you decide what to do next.",
    ),
}
STAFF = (Role.COORDINATOR, Role.ADMINISTRATOR)


def rules_for(settings: Settings) -> OperationsRules:
    return load_rules(settings.knowledge_data_dir)


def mailer_for(settings: Settings) -> Mailer | None:
    """An SMTP mailer when ``COACH_SMTP_HOST`` is set; otherwise nudges stay in the app inbox."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    )


def pair_health(db: Database, actor: Actor, program_id: int, now: datetime, rules: OperationsRules) -> list[PairHealth]:
    """Every published pair's health, most urgent first (coordinators and administrators)."""
    audit.check_role(db, actor, *STAFF, action="see pair health")
    audit.record(db, "viewed pair health", actor=actor, target=f"program {program_id}")
    return by_urgency(assess(pair, now, rules) for pair in program_pair_facts(db, program_id))


def send_manual(db: Database, actor: Actor, pair_id: int, kind: str, now: datetime, settings: Settings) -> PassReport:
    """A coordinator's one-click nudge or independent-contact note to both people, once a day."""
    audit.check_role(db, actor, *STAFF, action="send a nudge")
    if kind not in MANUAL_KINDS:
        raise InputError(f"Unknown kind of message {kind!r}.", hint=f"Use one of: {', '.join(MANUAL_KINDS)}.")
    pair = next((p for p in program_pair_facts(db) if p.pair_id == pair_id), None)
    if pair is None:
        raise InputError(f"No published pair with id {pair_id}.", hint="Pick a pair from the health list.")
    subject, body = MANUAL_KINDS[kind]
    drafts = [
        NudgeDraft(
            key=f"{kind}:{pair_id}:{now:%Y-%m-%d}:{person}",
            kind=kind,
            pair_id=pair_id,
            recipient=person,
            subject=subject,
            body=body,
        )
        for person in pair.people
    ]
    report = PassReport(recorded=outbox.record(db, drafts, now))
    mailer = mailer_for(settings)
    if mailer is not None:
        outbox.send_due(db, mailer, now, rules_for(settings).nudges, report)
    return report


def run_nudges(db: Database, settings: Settings, now: datetime) -> PassReport:
    """One pass over every program (``coach nudges run``, cron, or the app's button)."""
    bank = load_questions(settings.knowledge_data_dir)
    titles: dict[str, str] = {name: survey.title for name, survey in bank.surveys.items()}
    return run_pass(
        db,
        program_pair_facts(db),
        now,
        rules_for(settings),
        mailer_for(settings),
        app_url=settings.app_url,
        surveys=program_survey_facts(db, titles),
    )


def inbox(db: Database, actor: Actor) -> list[Nudge]:
    """The actor's own nudges, newest first (what was emailed, or would have been)."""
    return outbox.rows(db, recipient=actor.email)


def outbox_problems(db: Database, actor: Actor) -> list[Nudge]:
    """Nudges that failed for good or were interrupted mid-send, for an operator to review."""
    audit.check_role(db, actor, *STAFF, action="review failed nudges")
    return outbox.rows(db, status=outbox.FAILED) + outbox.rows(db, status=outbox.UNCERTAIN)


def program_report(
    db: Database,
    actor: Actor,
    program_id: int,
    name: str,
    now: datetime,
    settings: Settings,
    rehearsal_scores: list[tuple[str, datetime, float]] | None = None,
) -> ProgramReport:
    """The sponsor report: aggregates only, groups under the minimum hidden.

    Rehearsal growth comes from the program's mentors' own scored attempts unless given.
    """
    audit.check_role(db, actor, *STAFF, action="read the program report")
    audit.record(db, "viewed program report", actor=actor, target=f"program {program_id}")
    from coach.operations.checkins import survey_answers
    from coach.operations.pulse import question_of_program

    pairs = program_pair_facts(db, program_id)
    if rehearsal_scores is None:
        rehearsal_scores = _rehearsal_scores(db, {pair.mentor for pair in pairs})
    return build_report(
        name,
        pairs,
        now,
        min_group=settings.min_group_size,
        survey_answers=survey_answers(db, program_id),
        rehearsal_scores=rehearsal_scores,
        program_question=question_of_program(db, program_id),
    )


def _rehearsal_scores(db: Database, mentors: set[str]) -> list[tuple[str, datetime, float]]:
    """(account, when, overall) of every scored rehearsal by the program's mentors; no turns."""
    from sqlalchemy import select

    from coach.storage.models import Account, PracticeAttempt

    if not mentors:
        return []
    with db.read() as session:
        rows = session.execute(
            select(Account.email, PracticeAttempt.created_at, PracticeAttempt.overall)
            .join(Account, Account.id == PracticeAttempt.owner_id)
            .where(Account.email.in_(sorted(mentors)), PracticeAttempt.overall.is_not(None))
        ).all()
    return [(email, when, float(overall)) for email, when, overall in rows if overall is not None]
