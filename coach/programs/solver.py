"""The cohort solved as one assignment problem, not pair by pair.

``scipy.optimize.linear_sum_assignment`` maximises the total score over all mentees at
once. A mentor who takes several mentees appears once per place (capacity by repetition).
Each mentee also has a "stay unmatched" column worth 0, so a blocked or below-minimum pair
is never forced in and the solution is the best total over every feasible matching, which
is never below what a greedy pass finds. Pinned pairs are fixed first and take a place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from coach.errors import InputError
from coach.programs.constraints import Pair
from coach.programs.scoring import PairScore, ScoreTable

BLOCKED = -1e6


@dataclass
class Unmatched:
    """Someone left without a pair, and why."""

    email: str
    role: str
    reason: str

    def public(self) -> dict[str, str]:
        return {"email": self.email, "reason": self.reason}


@dataclass
class Matching:
    """Proposed pairs (best first) and everyone left unmatched."""

    pairs: list[PairScore] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(p.score for p in self.pairs))

    def pair_keys(self) -> set[Pair]:
        return {(p.mentor, p.mentee) for p in self.pairs}

    def public(self) -> dict[str, object]:
        """Exactly the documented JSON of ``coach match --json``."""
        return {"pairs": [p.public() for p in self.pairs], "unmatched": [u.public() for u in self.unmatched]}


def capacities(table: ScoreTable, overrides: Mapping[str, int] | None = None) -> list[int]:
    """Places per mentor: their profile's capacity, else the weights' default."""
    overrides = overrides or {}
    default = table.weights.mentor_capacity
    return [overrides.get(m.email, m.capacity or default) for m in table.mentors]


def _apply_pins(table: ScoreTable, pins: Iterable[Pair], places: list[int]) -> list[tuple[int, int]]:
    fixed: list[tuple[int, int]] = []
    taken: set[int] = set()
    for mentor, mentee in pins:
        i, j = table.mentor_index.get(mentor.lower()), table.mentee_index.get(mentee.lower())
        if i is None or j is None:
            raise InputError(
                f"Cannot pin {mentor} with {mentee}: not a mentor and a mentee of this cohort.",
                hint="Pin a mentor's email to a mentee's email.",
            )
        if not table.allowed[i, j]:
            raise InputError(
                f"Cannot pin {mentor} with {mentee}: {table.reasons[(i, j)]}.",
                hint="Hard constraints cannot be overridden; pick another pair.",
            )
        if j in taken:
            raise InputError(f"{mentee} is pinned twice.", hint="Unpin one of the pairs.")
        if places[i] <= 0:
            raise InputError(f"{mentor} has more pinned mentees than places.", hint="Unpin a pair or raise capacity.")
        places[i] -= 1
        taken.add(j)
        fixed.append((i, j))
    return fixed


def solve(table: ScoreTable, pins: Iterable[Pair] = (), capacity: Mapping[str, int] | None = None) -> Matching:
    """The best total-score matching of the cohort that respects every hard constraint.

    Raises:
        InputError: a pin names someone outside the cohort, breaks a hard constraint, or
            exceeds a mentor's places.
    """
    places = capacities(table, capacity)
    fixed = _apply_pins(table, pins, places)
    free_mentees = [j for j in range(len(table.mentees)) if j not in {j for _, j in fixed}]
    slots = [i for i, n in enumerate(places) for _ in range(n)]
    chosen = list(fixed)
    if free_mentees and slots:
        feasible = table.feasible()
        values = np.where(feasible, table.total, BLOCKED)[np.ix_(slots, free_mentees)].T  # mentees x places
        board = np.hstack([values, np.zeros((len(free_mentees), len(free_mentees)))])
        rows, cols = linear_sum_assignment(board, maximize=True)
        for r, c in zip(rows, cols, strict=True):
            if c < len(slots) and board[r, c] > BLOCKED / 2:
                chosen.append((slots[c], free_mentees[r]))
    pinned = set(fixed)
    pairs = sorted((table.pair(i, j, (i, j) in pinned) for i, j in chosen), key=lambda p: (-p.score, p.mentor))
    return Matching(pairs=pairs, unmatched=unmatched_reasons(table, chosen, places))


def unmatched_reasons(table: ScoreTable, chosen: list[tuple[int, int]], places: list[int]) -> list[Unmatched]:
    """Everyone without a pair, each with the most specific reason that applies."""
    feasible = table.feasible()
    matched_mentors = {i for i, _ in chosen}
    matched_mentees = {j for _, j in chosen}
    out: list[Unmatched] = []
    for j, mentee in enumerate(table.mentees):
        if j not in matched_mentees:
            out.append(
                Unmatched(
                    mentee.email,
                    "mentee",
                    _reason(
                        table,
                        feasible[:, j],
                        table.allowed[:, j],
                        [(i, j) for i in range(len(table.mentors))],
                        "mentor",
                        len(table.mentors) == 0,
                    ),
                )
            )
    for i, mentor in enumerate(table.mentors):
        if i not in matched_mentors:
            out.append(
                Unmatched(
                    mentor.email,
                    "mentor",
                    _reason(
                        table,
                        feasible[i, :],
                        table.allowed[i, :],
                        [(i, j) for j in range(len(table.mentees))],
                        "mentee",
                        len(table.mentees) == 0,
                    ),
                )
            )
    return out


def _reason(
    table: ScoreTable, feasible: np.ndarray, allowed: np.ndarray, cells: list[tuple[int, int]], other: str, nobody: bool
) -> str:
    if nobody:
        return f"there is no {other} in the cohort"
    kinds = Counter(table.reasons[c].split(":")[0] for c in cells if c in table.reasons)
    detail = ", ".join(f"{n} by {kind}" for kind, n in kinds.most_common())
    if not allowed.any():
        return f"every {other} is excluded by a hard constraint ({detail})"
    excluded = f" ({sum(kinds.values())} excluded: {detail})" if kinds else ""
    if not feasible.any():
        return f"no allowed {other} scores above the minimum of {table.weights.min_score:g}{excluded}"
    return f"every {other} who fits was given to someone they fit better overall{excluded}"
