"""Running a program with a simulated clock: pair health, nudges once each, a real SMTP peer.

A six-session program (every two weeks) with four pairs that behave differently is walked
day by day. Each day the sender runs one pass against an ``aiosmtpd`` server on loopback.
"""

from __future__ import annotations

import contextlib
import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from coach import resources
from coach.operations import outbox
from coach.operations.facts import HELD, MISSED, CheckinFact, PairFacts, SessionFact
from coach.operations.health import HealthState, assess, by_urgency
from coach.operations.mailer import SmtpConfig, SmtpMailer
from coach.operations.rules import OperationsRules, load_rules
from coach.operations.service import run_pass
from coach.storage import Database

KNOWLEDGE_ROOT = resources.knowledge_dir()

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # publishing day; sessions from day 7, every 14 days


@pytest.fixture(scope="module")
def rules() -> OperationsRules:
    return load_rules(KNOWLEDGE_ROOT / "data")


def schedule(statuses: list[str] | None = None) -> tuple[SessionFact, ...]:
    statuses = statuses or ["planned"] * 6
    return tuple(
        SessionFact(number=i + 1, starts_at=START + timedelta(days=7 + 14 * i, hours=5), status=status)
        for i, status in enumerate(statuses)
    )


def pair(pair_id: int, **changes: object) -> PairFacts:
    base = PairFacts(
        pair_id=pair_id,
        mentor=f"mentor{pair_id}@example.org",
        mentee=f"mentee{pair_id}@example.org",
        published_at=START,
        sessions=schedule(),
        label=f"Pair {pair_id}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def checkin(
    number: int, who: str, day: int, *, met: bool = True, useful: int = 4, safe: int = 4, progress: int = 1
) -> CheckinFact:
    return CheckinFact(number, who, START + timedelta(days=day), met, useful, safe, {"goal": progress})


# --- health rules, one at a time -----------------------------------------------------------
def test_a_new_pair_is_too_early_to_tell(rules: OperationsRules) -> None:
    assert assess(pair(1), START + timedelta(days=3), rules).state is HealthState.TOO_EARLY


def test_no_first_meeting_fires_on_day_21_exactly(rules: OperationsRules) -> None:
    quiet = pair(1, sessions=schedule(["missed"] + ["planned"] * 5))
    assert assess(quiet, START + timedelta(days=20, hours=23), rules).state is not HealthState.ON_TRACK
    day20 = assess(quiet, START + timedelta(days=20, hours=23), rules)
    assert "no_first_meeting" not in {f.rule for f in day20.findings}
    day21 = assess(quiet, START + timedelta(days=21), rules)
    assert day21.state is HealthState.NEEDS_ATTENTION
    assert "no_first_meeting" in {f.rule for f in day21.findings}
    assert "21 days" in next(f.message for f in day21.findings if f.rule == "no_first_meeting")


def test_two_missed_in_a_row_fires_and_a_held_session_clears_it(rules: OperationsRules) -> None:
    missed = pair(
        1,
        sessions=schedule([HELD, MISSED, MISSED, "planned", "planned", "planned"]),
        checkins=(checkin(1, "mentor1@example.org", 8),),
    )
    after_third = START + timedelta(days=7 + 28, hours=6)
    assert "missed_in_a_row" in {f.rule for f in assess(missed, after_third, rules).findings}
    recovered = replace(
        missed,
        sessions=schedule([HELD, MISSED, MISSED, HELD, "planned", "planned"]),
        checkins=(checkin(1, "mentor1@example.org", 8), checkin(4, "mentee1@example.org", 50)),
    )
    assert "missed_in_a_row" not in {
        f.rule for f in assess(recovered, after_third + timedelta(days=15), rules).findings
    }


def test_low_safety_rating_fires_and_names_the_session(rules: OperationsRules) -> None:
    unsafe = pair(
        1, sessions=schedule([HELD] + ["planned"] * 5), checkins=(checkin(1, "mentee1@example.org", 8, safe=2),)
    )
    health = assess(unsafe, START + timedelta(days=9), rules)
    assert health.state is HealthState.NEEDS_ATTENTION
    assert [f.message for f in health.findings if f.rule == "low_safety"] == [
        "Session 1 was rated 2/5 for feeling safe to be candid."
    ]


def test_no_goal_progress_by_mid_program_fires(rules: OperationsRules) -> None:
    stalled = pair(
        1,
        sessions=schedule([HELD, HELD, HELD, "planned", "planned", "planned"]),
        checkins=tuple(checkin(n, "mentor1@example.org", 8 + 14 * (n - 1), progress=0) for n in (1, 2, 3)),
    )
    before_mid = assess(stalled, START + timedelta(days=7 + 28, hours=4), rules)
    after_mid = assess(stalled, START + timedelta(days=7 + 28, hours=6), rules)
    assert "stalled_goals" not in {f.rule for f in before_mid.findings}
    assert "stalled_goals" in {f.rule for f in after_mid.findings}


def test_the_list_is_sorted_by_urgency(rules: OperationsRules) -> None:
    now = START + timedelta(days=23)
    healthy = pair(
        1,
        sessions=schedule([HELD] + ["planned"] * 5),
        checkins=(checkin(1, "mentor1@example.org", 8), checkin(1, "mentee1@example.org", 8)),
    )
    silent = pair(2, sessions=schedule(["missed"] + ["planned"] * 5))
    low = pair(
        3, sessions=schedule([HELD] + ["planned"] * 5), checkins=(checkin(1, "mentee3@example.org", 8, useful=1),)
    )
    ordered = by_urgency(assess(p, now, rules) for p in (healthy, low, silent))
    assert [h.pair_id for h in ordered] == [2, 3, 1]
    assert ordered[-1].state is HealthState.ON_TRACK


def test_a_broken_rules_file_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "pair_health.yaml").write_text("too_early_days: -1\nrules: {}\nnudges: {}\n")
    from coach.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="too_early_days"):
        load_rules(tmp_path)


# --- a real SMTP server on loopback ----------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, SmtpMailer(SmtpConfig(host="127.0.0.1", port=controller.port, sender="coach@example.org"))
    finally:
        controller.stop()


class CrashingMailer:
    """Delivers through the real server, then dies after ``crash_after`` messages."""

    def __init__(self, inner: SmtpMailer, crash_after: int) -> None:
        self.inner, self.left = inner, crash_after

    def send(self, recipient: str, subject: str, body: str, key: str, calendar: str = "") -> None:
        if self.left == 0:
            raise KeyboardInterrupt("sender process killed")
        self.left -= 1
        self.inner.send(recipient, subject, body, key, calendar)


class RefusingMailer:
    def send(self, recipient: str, subject: str, body: str, key: str, calendar: str = "") -> None:
        raise ConnectionRefusedError("SMTP server down")


def program_on(day: int) -> list[PairFacts]:
    """Four pairs as they stand on ``day``: what has happened so far, nothing later."""
    now = START + timedelta(days=day)
    sessions = schedule()

    def upto(statuses: list[str]) -> tuple[SessionFact, ...]:
        return tuple(
            replace(s, status=st) if s.starts_at <= now else s for s, st in zip(sessions, statuses, strict=True)
        )

    def said(items: list[CheckinFact]) -> tuple[CheckinFact, ...]:
        return tuple(c for c in items if c.submitted_at <= now)

    steady_checkins = [
        checkin(n, who, 8 + 14 * (n - 1)) for n in range(1, 7) for who in ("mentor1@example.org", "mentee1@example.org")
    ]
    return [
        pair(1, sessions=upto([HELD] * 6), checkins=said(steady_checkins)),
        pair(2),  # never meets, never answers
        pair(
            3,
            sessions=upto([HELD, HELD, MISSED, MISSED, HELD, HELD]),
            checkins=said([checkin(n, "mentor3@example.org", 8 + 14 * (n - 1)) for n in (1, 2, 5, 6)]),
        ),
        pair(4, sessions=upto([HELD] * 6), checkins=said([checkin(1, "mentee4@example.org", 8, safe=1)])),
    ]


@pytest.mark.integration
def test_a_whole_program_sends_each_nudge_once(
    database: Database, rules: OperationsRules, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    states: dict[int, list[HealthState]] = {1: [], 2: [], 3: [], 4: []}
    fired: dict[int, list[set[str]]] = {1: [], 2: [], 3: [], 4: []}
    for day in range(0, 7 + 14 * 5 + 10):
        now = START + timedelta(days=day, hours=12)
        pairs = program_on(day)
        for facts in pairs:
            health = assess(facts, now, rules)
            states[facts.pair_id].append(health.state)
            fired[facts.pair_id].append({f.rule for f in health.findings})
        # On day 34 (eight reminders due) the sender dies after its third message.
        active = mailer if day != 34 else CrashingMailer(mailer, crash_after=3)
        with contextlib.suppress(KeyboardInterrupt):  # the process died mid-pass; the next pass resumes
            run_pass(database, pairs, now, rules, active)  # type: ignore[arg-type]

    # Health changes on the right days. Pair 2: nobody checked in 7 days after session 1
    # (day 14), no first meeting by day 21. Pair 3: two missed sessions (days 35 and 49,
    # recorded the day after).
    # Pair 4: a low safety rating on day 8.
    assert states[2][13] is HealthState.TOO_EARLY and states[2][14] is HealthState.NEEDS_ATTENTION
    assert fired[2][14] == {"no_checkin"} and "no_first_meeting" in fired[2][21] - fired[2][20]
    assert "missed_in_a_row" not in fired[3][49] and "missed_in_a_row" in fired[3][50]
    assert "missed_in_a_row" not in fired[3][64]  # session 5 (day 63) was held again
    assert states[4][7] is not HealthState.NEEDS_ATTENTION and states[4][8] is HealthState.NEEDS_ATTENTION
    assert states[1][-1] is HealthState.ON_TRACK and states[1][3] is HealthState.TOO_EARLY

    rows = outbox.rows(database)
    keys = [r.key for r in rows]
    assert len(keys) == len(set(keys))
    sent = [r for r in rows if r.status == outbox.SENT]
    uncertain = [r for r in rows if r.status == outbox.UNCERTAIN]
    assert not [r for r in rows if r.status not in (outbox.SENT, outbox.UNCERTAIN)]
    received = [(m["To"], m["Subject"]) for m in inbox.messages]
    assert len(received) == len(set(received)) == len(sent)  # nothing twice, nothing lost
    assert sorted(received) == sorted((r.recipient, r.subject) for r in sent)
    # The crash on day 34 left the one message it was sending ambiguous (reported, not resent).
    assert len(uncertain) == 1

    kinds = {r.kind for r in rows}
    assert kinds == {"reminder", "checkin", "quiet"}
    reminders = [r for r in sent if r.kind == "reminder" and r.pair_id == 1]
    assert len(reminders) == 12  # six sessions, two people
    quiet_two = {r.recipient for r in rows if r.kind == "quiet" and r.pair_id == 2}
    assert quiet_two == {"mentor2@example.org", "mentee2@example.org"}
    # Pair 1 always answered: it is never asked for a missing check-in.
    assert not [r for r in rows if r.kind == "checkin" and r.pair_id == 1]

    with_calendar = next(m for m in inbox.messages if m["Subject"].startswith("Reminder"))
    part = next(p for p in with_calendar.walk() if p.get_content_type() == "text/calendar")
    event = next(iter(Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")))
    attendees = sorted(str(a) for a in event.get("attendee"))
    assert attendees[0].startswith("mailto:mentee") and attendees[1].startswith("mailto:mentor")


@pytest.mark.integration
def test_two_senders_at_once_send_each_nudge_once(
    database: Database, rules: OperationsRules, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    now = START + timedelta(days=6, hours=12)  # the day before session 1: reminders due for all pairs
    pairs = program_on(6)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            run_pass(database, pairs, now, rules, mailer)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(inbox.messages) == 8  # four pairs, two people, one reminder each
    assert len({m["Message-ID"] for m in inbox.messages}) == 8


def test_a_failed_send_is_retried_then_reported(database: Database, rules: OperationsRules) -> None:
    now = START + timedelta(days=6, hours=12)
    first = run_pass(database, program_on(6)[:1], now, rules, RefusingMailer())
    assert first.recorded == 2 and first.retrying == 2 and first.sent == 0
    assert all(r.status == outbox.RETRY and "SMTP server down" in r.last_error for r in outbox.rows(database))
    later = now
    report = first
    for _ in range(rules.nudges.max_attempts + 2):
        later += timedelta(days=1)
        report = outbox.send_due(database, RefusingMailer(), later, rules.nudges)
        if report.failed:
            break
    assert len(report.failed) == 2
    assert {r.status for r in outbox.rows(database)} == {outbox.FAILED}
    assert outbox.resend(database, report.failed[0], later)
    assert outbox.rows(database, status=outbox.RETRY)[0].key == report.failed[0]
