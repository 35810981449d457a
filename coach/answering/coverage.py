"""Whether the retrieved guidance covers a question at all.

A question is covered when its closest passage is close enough (``min_relevance``), or
when that passage is only a little further (at least ``min_relevance_floor``) but one of
the passages' advice lines is itself close to the question (``min_sentence_relevance``).

The second path exists for everyday wording: "i keep jumping in with solutions while shes
still talking" is answered by one line of the active-listening guide, while the section as
a whole sits just under ``min_relevance``. Out-of-scope questions that land in the same
band ("how do i get a parking permit") have no advice line that close. The cut-offs were
chosen on the dev split of the users' and guide-style question sets against their
out-of-scope questions.
"""

from __future__ import annotations

import coach.answering.extractive as extractive
from coach.answering.support import SupportScorer
from coach.config import Settings
from coach.schemas import Passage


def best_similarity(passages: list[Passage]) -> float:
    """The highest query-passage cosine among the passages (0 when none is known)."""
    return max((p.similarity for p in passages if p.similarity is not None), default=0.0)


def best_line_similarity(question: str, passages: list[Passage], scorer: SupportScorer) -> float:
    """The highest cosine between the question and one of the passages' advice lines (0 when none)."""
    pool = extractive.candidates(passages)
    if not pool:
        return 0.0
    extractive.rank_candidates(question, pool, scorer)
    return max(c.similarity for c in pool)


def covers(question: str, passages: list[Passage], scorer: SupportScorer, settings: Settings) -> bool:
    """True when the passages answer the question closely enough to try (see the module doc)."""
    best = best_similarity(passages)
    if best >= settings.min_relevance:
        return True
    if best < settings.min_relevance_floor:
        return False
    return best_line_similarity(question, passages, scorer) >= settings.min_sentence_relevance
