"""Minute allocation: whole minutes per item that add up exactly to the session length."""

from __future__ import annotations

import math
from dataclasses import dataclass

from coach.errors import InputError


@dataclass(frozen=True)
class Slot:
    """One item's limits and how strongly it should grow when there is time to spare."""

    minimum: int
    maximum: int
    weight: float = 1.0
    main: bool = False


@dataclass(frozen=True)
class Allocation:
    """Minutes per slot, and how many minutes each slot got beyond its usual maximum."""

    minutes: list[int]
    extended: list[int]


def allocate(slots: list[Slot], total: int) -> Allocation:
    """Give every slot its minimum, share the rest by weight within maxima, round exactly.

    Spare time is shared in proportion to ``weight * (maximum - minimum)`` with caps at the
    maxima (water-filling), then rounded by the largest-remainder method so the sum is exact.
    Time beyond every maximum goes to the ``main`` slots (or all slots if none is main).

    Raises:
        InputError: ``total`` is below the sum of the minima.
    """
    if not slots:
        raise InputError("An agenda needs at least one item.")
    floor_total = sum(s.minimum for s in slots)
    if total < floor_total:
        raise InputError(
            f"{total} minutes is too short for the required agenda items ({floor_total} minutes at least).",
            hint=f"Choose a duration of at least {floor_total} minutes.",
        )
    spare = total - floor_total
    spans = [s.maximum - s.minimum for s in slots]
    if spare >= sum(spans):
        minutes = [s.maximum for s in slots]
        extra = split_exact(spare - sum(spans), [1.0 if s.main else 0.0 for s in slots])
        return Allocation([m + e for m, e in zip(minutes, extra, strict=True)], extra)

    shares = water_fill(float(spare), [s.weight * span for s, span in zip(slots, spans, strict=True)], spans)
    grown = round_exact(shares, spare)
    return Allocation([s.minimum + g for s, g in zip(slots, grown, strict=True)], [0] * len(slots))


def water_fill(amount: float, weights: list[float], caps: list[int]) -> list[float]:
    """Split ``amount`` in proportion to ``weights`` without exceeding ``caps``."""
    shares = [0.0] * len(weights)
    open_ = [i for i, cap in enumerate(caps) if cap > 0]
    left = amount
    while left > 1e-9 and open_:
        total_weight = sum(weights[i] for i in open_)
        if total_weight <= 0:  # only zero-weight slots remain: share evenly
            proposal = {i: left / len(open_) for i in open_}
        else:
            proposal = {i: left * weights[i] / total_weight for i in open_}
        capped = [i for i in open_ if shares[i] + proposal[i] >= caps[i] - 1e-9]
        if not capped:
            for i in open_:
                shares[i] += proposal[i]
            break
        for i in capped:
            left -= caps[i] - shares[i]
            shares[i] = float(caps[i])
        open_ = [i for i in open_ if i not in capped]
    return shares


def round_exact(shares: list[float], total: int) -> list[int]:
    """Largest-remainder rounding of ``shares`` (which sum to ``total``) to integers summing to it."""
    floors = [math.floor(s + 1e-9) for s in shares]
    missing = total - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[: max(missing, 0)]:
        floors[i] += 1
    for i in reversed(order[len(order) + missing :] if missing < 0 else []):  # float noise rounded up
        floors[i] -= 1
    return floors


def split_exact(total: int, weights: list[float]) -> list[int]:
    """``total`` split by ``weights`` into integers (evenly if every weight is zero)."""
    if not any(w > 0 for w in weights):
        weights = [1.0] * len(weights)
    weight_sum = sum(weights)
    return round_exact([total * w / weight_sum for w in weights], total)
