"""Weekly free time compared across time zones.

Each person's slots are in their own time zone. To compare two people, each slot is laid
on every real local date in question and converted to UTC with ``zoneinfo`` on that date
(so the zone's daylight-saving offset of that very day applies); the UTC intervals of two
people are then intersected. A slot whose local date lies in the week before or after but
whose UTC time falls inside the week is counted on its own date, never wrapped around from
the other end of the week, whose offset may differ. For matching, a week's intervals are
cut into five-minute bins of the UTC week. The overlap of two people is then a dot product of their bin vectors, which keeps a
whole cohort's overlap matrix one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from coach.programs.profiles import Profile

BIN_MINUTES = 5
WEEK_MINUTES = 7 * 24 * 60
BINS = WEEK_MINUTES // BIN_MINUTES


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _wall(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    if minutes >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)


Interval = tuple[datetime, datetime]


def free_intervals(profile: Profile, start: datetime, end: datetime) -> list[Interval]:
    """The person's free time between two UTC instants, as merged UTC intervals, earliest first.

    Every local date that can touch the range is visited, and each slot on that date is
    converted with the zone's offset on that date.
    """
    tz = ZoneInfo(profile.timezone)
    day = start.date() - timedelta(days=2)
    found: list[Interval] = []
    while day <= end.date() + timedelta(days=1):
        for slot in profile.availability:
            if slot.weekday == day.weekday():
                lo = _wall(day, slot.start, tz).astimezone(UTC)
                hi = _wall(day, slot.end, tz).astimezone(UTC)
                lo, hi = max(lo, start), min(hi, end)
                if lo < hi:
                    found.append((lo, hi))
        day += timedelta(days=1)
    return _merge(found)


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The instants in both lists of merged, sorted intervals."""
    both: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            both.append((lo, hi))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return both


def common_free_time(a: Profile, b: Profile, start: datetime, end: datetime) -> list[Interval]:
    """The UTC windows between ``start`` and ``end`` when both people are free, earliest first."""
    return intersect(free_intervals(a, start, end), free_intervals(b, start, end))


def _week_range(week: date) -> Interval:
    origin = datetime.combine(monday_of(week), time(0), tzinfo=UTC)
    return origin, origin + timedelta(days=7)


def week_bins(profile: Profile, week: date) -> np.ndarray:
    """A boolean vector over the UTC week's five-minute bins: True where the person is free."""
    bins = np.zeros(BINS, dtype=np.float32)
    origin, finish = _week_range(week)
    for start, end in free_intervals(profile, origin, finish):
        first = int((start - origin).total_seconds() // 60) // BIN_MINUTES
        last = -(-int((end - origin).total_seconds() // 60) // BIN_MINUTES)
        bins[first:last] = 1.0
    return bins


def overlap_hours(mentors: Sequence[Profile], mentees: Sequence[Profile], week: date) -> np.ndarray:
    """Hours a week each mentor (rows) and mentee (columns) are both free."""
    a = np.vstack([week_bins(p, week) for p in mentors]) if mentors else np.zeros((0, BINS), np.float32)
    b = np.vstack([week_bins(p, week) for p in mentees]) if mentees else np.zeros((0, BINS), np.float32)
    return (a @ b.T) * (BIN_MINUTES / 60.0)


def common_windows(a: Profile, b: Profile, week: date) -> list[Interval]:
    """The UTC windows in the UTC week of ``week`` when both are free, earliest first."""
    return common_free_time(a, b, *_week_range(week))
