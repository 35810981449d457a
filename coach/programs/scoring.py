"""The score of every mentor-mentee pair of a cohort, by component, with the words that matched.

Components (each 0..1; weights in ``knowledge/data/matching_weights.yaml``):

- ``skills``: how well the mentor's skills offered cover the mentee's skills wanted.
- ``interests``: interests the two share, in both directions.
- ``goals``: how well the mentor's strengths (skills offered and SWOT strengths) cover the mentee's goals.
- ``swot``: the mentee's SWOT weaknesses that are the mentor's strengths.
- ``availability``: weekly hours both are free, up to ``overlap_hours_full``.

A pair's score is the weighted mean over the components the mentee has data for (a mentee
without a SWOT is not marked down against one with it). Blocked pairs (hard constraints)
keep their score but are never proposed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from coach.ports import Embedder
from coach.programs.availability import common_windows, overlap_hours
from coach.programs.constraints import Pair, constraint_matrix
from coach.programs.phrases import PhraseSpace
from coach.programs.profiles import Profile
from coach.programs.weights import COMPONENTS, MatchingWeights

MAX_WHY_PER_COMPONENT = 3


@dataclass
class PairScore:
    """One pair's score, its components and the reasons in words."""

    mentor: str
    mentee: str
    score: float
    components: dict[str, float]
    why: list[str] = field(default_factory=list)
    pinned: bool = False

    def public(self) -> dict[str, object]:
        """The documented JSON shape of one pair in ``coach match --json``."""
        return {
            "mentor": self.mentor,
            "mentee": self.mentee,
            "score": round(self.score, 4),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "why": list(self.why),
        }


class ScoreTable:
    """Scores of all mentors (rows) against all mentees (columns), and which pairs are allowed."""

    def __init__(
        self,
        profiles: Sequence[Profile],
        embedder: Embedder,
        weights: MatchingWeights,
        never: Iterable[Pair] = (),
        forbidden: Iterable[Pair] = (),
    ) -> None:
        self.mentors = [p for p in profiles if p.role == "mentor"]
        self.mentees = [p for p in profiles if p.role == "mentee"]
        self.weights = weights
        self.mentor_index = {p.email: i for i, p in enumerate(self.mentors)}
        self.mentee_index = {p.email: j for j, p in enumerate(self.mentees)}
        phrases = [x for p in profiles for x in (*p.strengths, *p.skills_wanted, *p.interests, *p.goals, *p.gaps)]
        self.space = PhraseSpace(phrases, embedder, weights.similarity_floor)
        self.components = self._components()
        self.total = self._total()
        self.allowed, self.reasons = constraint_matrix(self.mentors, self.mentees, profiles, never, forbidden)

    def _components(self) -> dict[str, np.ndarray]:
        s, r, e = self.space, self.mentors, self.mentees
        interests = 0.5 * (
            s.coverage([p.interests for p in e], [p.interests for p in r])
            + s.coverage([p.interests for p in r], [p.interests for p in e]).T
        )
        hours = overlap_hours(r, e, self.weights.reference_week)
        self.hours = hours
        return {
            "skills": s.coverage([p.skills_wanted for p in e], [p.skills_offered for p in r]),
            "interests": interests,
            "goals": s.coverage([p.goals for p in e], [p.strengths for p in r]),
            "swot": s.coverage([p.gaps for p in e], [p.strengths for p in r]),
            "availability": np.minimum(1.0, hours / self.weights.overlap_hours_full).astype(np.float32),
        }

    def _total(self) -> np.ndarray:
        w = self.weights.normalised()
        has = {
            "skills": [bool(p.skills_wanted) for p in self.mentees],
            "interests": [bool(p.interests) for p in self.mentees],
            "goals": [bool(p.goals) for p in self.mentees],
            "swot": [bool(p.gaps) for p in self.mentees],
            "availability": [bool(p.availability) for p in self.mentees],
        }
        numerator = np.zeros((len(self.mentors), len(self.mentees)), dtype=np.float64)
        denominator = np.zeros(len(self.mentees), dtype=np.float64)
        for name in COMPONENTS:
            mask = np.array(has[name], dtype=np.float64)
            numerator += w[name] * self.components[name] * mask[None, :]
            denominator += w[name] * mask
        return numerator / np.where(denominator > 0, denominator, 1.0)[None, :]

    def feasible(self) -> np.ndarray:
        """Allowed pairs whose score reaches the minimum."""
        return self.allowed & (self.total >= self.weights.min_score)

    def pair(self, i: int, j: int, pinned: bool = False) -> PairScore:
        """Mentor ``i`` with mentee ``j``: score, components and why."""
        return PairScore(
            mentor=self.mentors[i].email,
            mentee=self.mentees[j].email,
            score=float(self.total[i, j]),
            components={name: float(self.components[name][i, j]) for name in COMPONENTS},
            why=self.why(i, j),
            pinned=pinned,
        )

    def why(self, i: int, j: int) -> list[str]:
        """The pair's reasons in words: the phrases that met and the common free time."""
        mentor, mentee, s = self.mentors[i], self.mentees[j], self.space
        t = self.weights.phrase_threshold
        lines = [
            f"skills: wants '{a}', offers '{b}' ({sim:.2f})"
            for a, b, sim in s.matches(mentee.skills_wanted, mentor.skills_offered, t)[:MAX_WHY_PER_COMPONENT]
        ]
        lines += [
            f"interests: '{a}' and '{b}' ({sim:.2f})" if a.casefold() != b.casefold() else f"interests: both like '{a}'"
            for a, b, sim in s.matches(mentee.interests, mentor.interests, t)[:MAX_WHY_PER_COMPONENT]
        ]
        lines += [
            f"goals: '{a}' meets strength '{b}' ({sim:.2f})"
            for a, b, sim in s.matches(mentee.goals, mentor.strengths, t)[:MAX_WHY_PER_COMPONENT]
        ]
        lines += [
            f"swot: weakness '{a}' is a strength '{b}' ({sim:.2f})"
            for a, b, sim in s.matches(mentee.gaps, mentor.strengths, t)[:MAX_WHY_PER_COMPONENT]
        ]
        hours = float(self.hours[i, j])
        if hours > 0:
            first = common_windows(mentor, mentee, self.weights.reference_week)[0]
            lines.append(f"availability: {hours:g} h a week in common, e.g. {first[0]:%a %H:%M}-{first[1]:%H:%M} UTC")
        else:
            lines.append("availability: no common free time")
        return lines
