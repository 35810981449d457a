"""The extractive composer: the most relevant, non-redundant passage sentences, cited.

No language model is involved, so every sentence is a passage's own words and is
grounded by construction. Sentences are chosen by maximal marginal relevance (relevance
to the question minus similarity to sentences already chosen) and then read in the
passages' order so that the answer flows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from coach.answering.safety import is_instruction_like
from coach.answering.support import SupportScorer
from coach.answering.text import content_words, split_sentences
from coach.schemas import Passage

MAX_SENTENCES = 4
MIN_WORDS = 5
MAX_WORDS = 60
MMR_LAMBDA = 0.7
REDUNDANT_SIMILARITY = 0.85
QUESTION_OVERLAP_WEIGHT = 0.15
RANK_WEIGHT = 0.05
MIN_RELEVANCE_RATIO = 0.6  # a sentence must score at least this share of the best one
#: Sentences about the document itself ("This guide explains ...") describe, not advise.
ABOUT_THE_DOCUMENT = re.compile(
    r"^(?:this|the following|below,?\s+this)\s+(?:guide|page|section|document|article|note|checklist)\b", re.IGNORECASE
)


@dataclass
class Candidate:
    """One passage sentence that could go into an answer."""

    text: str
    passage_index: int  # position in the retrieved list, 0-based
    position: int  # order within its passage
    relevance: float = 0.0


def candidates(passages: list[Passage]) -> list[Candidate]:
    """Usable sentences of the passages: full sentences, not headings, list intros or
    sentences describing the document itself."""
    found: list[Candidate] = []
    seen: set[str] = set()
    for index, passage in enumerate(passages):
        for position, sentence in enumerate(split_sentences(passage.text)):
            words = sentence.split()
            key = sentence.lower()
            if not MIN_WORDS <= len(words) <= MAX_WORDS or sentence.endswith(":") or key in seen:
                continue
            if is_instruction_like(sentence) or sentence.startswith("[text addressed"):
                continue
            if ABOUT_THE_DOCUMENT.match(sentence):
                continue
            seen.add(key)
            found.append(Candidate(sentence, index, position))
    return found


def rank_candidates(question: str, pool: list[Candidate], scorer: SupportScorer) -> np.ndarray:
    """Score each candidate's relevance to the question; returns the sentence vectors."""
    vectors = scorer.vectors([question, *[c.text for c in pool]])
    q_words = set(content_words(question))
    for candidate, vector in zip(pool, vectors[1:], strict=True):
        overlap = len(q_words & set(content_words(candidate.text))) / len(q_words) if q_words else 0.0
        candidate.relevance = (
            float(vector @ vectors[0])
            + QUESTION_OVERLAP_WEIGHT * overlap
            + RANK_WEIGHT / (candidate.passage_index + 1)
        )
    return vectors[1:]


def select(
    question: str, passages: list[Passage], scorer: SupportScorer, limit: int = MAX_SENTENCES
) -> list[Candidate]:
    """The chosen sentences, in reading order (passage rank, then position)."""
    pool = candidates(passages)
    if not pool:
        return []
    vectors = rank_candidates(question, pool, scorer)
    best = max(c.relevance for c in pool)
    chosen: list[int] = []
    remaining = list(range(len(pool)))
    while remaining and len(chosen) < limit:
        def mmr(i: int) -> float:
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            return MMR_LAMBDA * pool[i].relevance - (1 - MMR_LAMBDA) * redundancy

        pick = max(remaining, key=mmr)
        remaining.remove(pick)
        if pool[pick].relevance < best * MIN_RELEVANCE_RATIO:
            break
        if any(float(vectors[pick] @ vectors[j]) > REDUNDANT_SIMILARITY for j in chosen):
            continue
        chosen.append(pick)
    return sorted((pool[i] for i in chosen), key=lambda c: (c.passage_index, c.position))
