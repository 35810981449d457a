"""A pair's sessions from the program's cadence and the time both are free, across time zones.

Session ``k`` (from 0) is due on ``starts_on + k * cadence_days``. It is placed at the
start of the first common free window, on or after that day, that is long enough for a
session. Each person's slots are converted to UTC on each real local date with
``zoneinfo`` and then intersected, so when one of the two zones changes to or from
daylight-saving time the UTC time moves and each person's local time stays what they wrote. A session with no long enough window within
``SEARCH_WEEKS`` weeks is left to be agreed (``None``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from coach.programs.availability import common_free_time
from coach.programs.profiles import Profile

SEARCH_WEEKS = 3


def next_window(a: Profile, b: Profile, due: date, minutes: int) -> datetime | None:
    """The earliest start on or after ``due`` (00:00 UTC) of a common window of at least ``minutes``."""
    earliest = datetime.combine(due, time(0), tzinfo=UTC)
    for start, end in common_free_time(a, b, earliest, earliest + timedelta(weeks=SEARCH_WEEKS)):
        if end - start >= timedelta(minutes=minutes):
            return start
    return None


def plan_sessions(
    mentor: Profile, mentee: Profile, starts_on: date, sessions: int, cadence_days: int, minutes: int
) -> list[datetime | None]:
    """Start times (UTC) of every session of a pair; ``None`` where no common time was found.

    A session never starts before the previous one has ended.
    """
    plan: list[datetime | None] = []
    floor = datetime.combine(starts_on, time(0), tzinfo=UTC)
    for k in range(sessions):
        due = max(starts_on + timedelta(days=k * cadence_days), floor.date())
        start = next_window(mentor, mentee, due, minutes)
        while start is not None and start < floor:
            start = next_window(mentor, mentee, due + timedelta(days=1), minutes)
            due += timedelta(days=1)
        plan.append(start)
        if start is not None:
            floor = start + timedelta(minutes=minutes)
    return plan
