"""Response-quality metrics. Each docstring says exactly how the number is computed."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field


class Metric(BaseModel):
    """One measured figure with its uncertainty, gate and per-case evidence."""

    suite: str
    name: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    threshold: float | None = Field(default=None, description="Minimum allowed value; None means reported only.")
    higher_is_better: bool = True
    details: list[dict[str, Any]] = Field(default_factory=list, description="Per-case results, worst first.")

    @property
    def key(self) -> str:
        return f"{self.suite}.{self.name}"

    @property
    def passed(self) -> bool:
        if self.threshold is None:
            return True
        return self.value >= self.threshold if self.higher_is_better else self.value <= self.threshold


def bootstrap_ci(
    values: Sequence[float], rounds: int = 1000, seed: int = 13, alpha: float = 0.05
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean.

    Draws ``rounds`` resamples of ``values`` with replacement (fixed ``seed``), takes each
    resample's mean, and returns the ``alpha/2`` and ``1-alpha/2`` quantiles of those means.
    """
    if not values:
        return (float("nan"), float("nan"))
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    low = means[int(alpha / 2 * rounds)]
    high = means[min(rounds - 1, int((1 - alpha / 2) * rounds))]
    return (round(low, 4), round(high, 4))


def mean_metric(
    suite: str,
    name: str,
    per_case: Sequence[float],
    threshold: float | None = None,
    details: list[dict[str, Any]] | None = None,
    higher_is_better: bool = True,
) -> Metric:
    """A metric that is the mean of per-case values, with a bootstrap 95% CI."""
    value = sum(per_case) / len(per_case) if per_case else 0.0
    low, high = bootstrap_ci(per_case)
    return Metric(
        suite=suite,
        name=name,
        value=round(value, 4),
        ci_low=low,
        ci_high=high,
        n=len(per_case),
        threshold=threshold,
        higher_is_better=higher_is_better,
        details=details or [],
    )


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """1.0 if any of the first ``k`` ranked documents is relevant, else 0.0."""
    return 1.0 if any(doc in relevant for doc in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant document (ranks start at 1); 0.0 if none is relevant."""
    for rank, doc in enumerate(ranked, 1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Binary-relevance nDCG@k over distinct documents.

    DCG = sum over the first k distinct ranked documents of rel / log2(rank + 1), with rel
    1 for a relevant document; IDCG is the DCG of placing every relevant document first.
    """
    seen: list[str] = []
    for doc in ranked:
        if doc not in seen:
            seen.append(doc)
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(seen[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def quote_matches(quote: str, passage: str, threshold: float = 90.0) -> bool:
    """A citation quote is valid when every fragment of it is found in its passage.

    The quote is whitespace-normalised and cut into fragments at sentence ends and at the
    ellipsis that marks an elision; every fragment of three or more words must reach a
    rapidfuzz ``partial_ratio`` of at least ``threshold`` (0-100) against the passage.
    """
    import re

    from rapidfuzz import fuzz

    passage = " ".join(passage.split())
    fragments = [" ".join(f.split()) for f in re.split(r"…|(?<=[.!?])\s+|(?<=[.!?][\"'”’])\s+", quote)]
    fragments = [f for f in fragments if len(f.split()) >= 3]
    if not fragments:
        return False
    return all(fuzz.partial_ratio(f, passage) >= threshold for f in fragments)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
