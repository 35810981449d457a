"""Programs (cohorts), participant profiles, explainable pair matching and the pair lifecycle.

``match_cohort`` is the one-call entry used by ``coach match``: profiles in, a solved
``Matching`` out. Storage of programs lives in ``coach.programs.repository``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from coach.ports import Embedder
from coach.programs.constraints import Pair
from coach.programs.profiles import Profile
from coach.programs.scoring import ScoreTable
from coach.programs.solver import Matching, solve
from coach.programs.weights import MatchingWeights, load_weights


def match_cohort(
    profiles: Sequence[Profile],
    embedder: Embedder,
    weights: MatchingWeights | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    never: Iterable[Pair] = (),
    forbidden: Iterable[Pair] = (),
    pins: Iterable[Pair] = (),
) -> Matching:
    """Score every mentor-mentee pair and solve the cohort globally."""
    chosen = (weights or load_weights()).with_overrides(dict(overrides) if overrides else None)
    table = ScoreTable(profiles, embedder, chosen, never=never, forbidden=forbidden)
    return solve(table, pins)


__all__ = ["Matching", "MatchingWeights", "Profile", "ScoreTable", "load_weights", "match_cohort", "solve"]
