"""Weekly free time compared across time zones.

Each person's slots are in their own time zone. To compare two people, the slots are laid
on the dates of one reference week, converted to UTC with ``zoneinfo`` (so a zone's
daylight-saving offset on those dates applies), and cut into five-minute bins of the UTC
week. The overlap of two people is then a dot product of their bin vectors, which keeps a
whole cohort's overlap matrix one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from coach.programs.profiles import Profile, Slot

BIN_MINUTES = 5
WEEK_MINUTES = 7 * 24 * 60
BINS = WEEK_MINUTES // BIN_MINUTES


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def slot_interval_utc(slot: Slot, zone: str, week: date) -> tuple[datetime, datetime]:
    """The slot on its weekday in the week starting ``monday_of(week)``, as aware UTC datetimes."""
    day = monday_of(week) + timedelta(days=slot.weekday)
    tz = ZoneInfo(zone)
    # Built from the wall-clock time on that date, so the zone's offset on that very date applies.
    start = _wall(day, slot.start, tz)
    end = _wall(day, slot.end, tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _wall(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    if minutes >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)


def week_bins(profile: Profile, week: date) -> np.ndarray:
    """A boolean vector over the UTC week's five-minute bins: True where the person is free."""
    bins = np.zeros(BINS, dtype=np.float32)
    origin = datetime.combine(monday_of(week), time(0), tzinfo=UTC)
    for slot in profile.availability:
        start, end = slot_interval_utc(slot, profile.timezone, week)
        first = int((start - origin).total_seconds() // 60) // BIN_MINUTES
        last = -(-int((end - origin).total_seconds() // 60) // BIN_MINUTES)
        for index in range(first, last):
            bins[index % BINS] = 1.0  # a slot crossing the UTC week's end wraps to its start
    return bins


def overlap_hours(mentors: Sequence[Profile], mentees: Sequence[Profile], week: date) -> np.ndarray:
    """Hours a week each mentor (rows) and mentee (columns) are both free."""
    a = np.vstack([week_bins(p, week) for p in mentors]) if mentors else np.zeros((0, BINS), np.float32)
    b = np.vstack([week_bins(p, week) for p in mentees]) if mentees else np.zeros((0, BINS), np.float32)
    return (a @ b.T) * (BIN_MINUTES / 60.0)


def common_windows(a: Profile, b: Profile, week: date) -> list[tuple[datetime, datetime]]:
    """The UTC windows in the week of ``week`` when both are free, earliest first."""
    both = (week_bins(a, week) > 0) & (week_bins(b, week) > 0)
    origin = datetime.combine(monday_of(week), time(0), tzinfo=UTC)
    windows: list[tuple[datetime, datetime]] = []
    index = 0
    while index < BINS:
        if not both[index]:
            index += 1
            continue
        start = index
        while index < BINS and both[index]:
            index += 1
        windows.append((origin + timedelta(minutes=start * BIN_MINUTES), origin + timedelta(minutes=index * BIN_MINUTES)))
    return windows
