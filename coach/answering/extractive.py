"""The extractive composer: the guides' advice on the question, in their own words.

No language model is involved, so every sentence is a passage's own words and is
grounded by construction. The composer

1. keeps only lines a guide offers as advice: never headings, questions (checklist items,
   prompts), quoted example phrasings, labelled examples ("Vague: ...", "Before: ..."), or
   lines a guide lists as things to avoid or stereotypes to debunk (bullets under an
   "avoid"/"mistakes"/"stereotypes" heading or after an intro such as "Habits to drop:" or
   "Typical phrasings:");
2. scores each remaining sentence by how well it answers the question (meaning, shared
   words, whether it gives advice, and how closely the question resembles the ways people
   ask for its section: ``Passage.phrasing_similarity``);
3. picks up to ``MAX_SENTENCES`` by maximal marginal relevance and reads them section by
   section, the section of the best line first, each in the guide's order. (Answering from
   the best section as a whole read better but cited a labelled guide less often, and a
   bonus for lines of the best line's section lowered dev usefulness from 0.717 to 0.63,
   so neither is kept.)
4. leaves the uncited passages to "see also" (``see_also``), and answers nothing when no
   sentence is close enough to the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from coach.answering.safety import is_instruction_like
from coach.answering.support import SupportScorer
from coach.answering.text import content_words
from coach.schemas import Passage

MAX_SENTENCES = 4
MMR_LAMBDA = 0.7  # relevance against redundancy when picking the next line
MIN_WORDS = 5
MAX_WORDS = 60
REDUNDANT_SIMILARITY = 0.85
QUESTION_OVERLAP_WEIGHT = 0.15
RANK_WEIGHT = 0.05
ADVICE_WEIGHT = 0.05
SECTION_WEIGHT = 0.3  # bonus per unit of the section phrasing cosine (how closely the question asks for it)
MIN_RELEVANCE_RATIO = 0.6  # a sentence must reach this share of the best sentence's relevance
MIN_ANSWER_SIMILARITY = 0.2  # below this cosine for every sentence, nothing in the passages answers
#: Sentences about the document itself ("This guide explains ...") describe, not advise.
ABOUT_THE_DOCUMENT = re.compile(
    r"^(?:this|the following|below,?\s+this)\s+(?:guide|page|section|document|article|note|checklist)\b", re.IGNORECASE
)
#: Headings whose bullet lists are things not to do or beliefs to debunk.
AVOID_HEADING = re.compile(
    r"\b(?:avoid\w*|mistakes?|traps?|destroy\w*|erode\w*|stereotypes?|assumptions?|bad habits?)\b", re.IGNORECASE
)
#: Intro lines ("Habits to drop:", "Typical phrasings:") whose bullets are examples, not advice.
EXAMPLE_INTRO = re.compile(
    r"\b(?:avoid\w*|drop|phrasings?|sounds? like|people say|erode\w*|destroy\w*|mistakes?|traps?|symptoms?"
    r"|signs?)\b[^.]*:\s*$",
    re.IGNORECASE,
)
#: Inline markers of a quoted example or a labelled example pair.
EXAMPLE_LINE = re.compile(
    r"^(?:\*\*)?(?:vague|concrete|leading|open|before|after|assumption|question|reframe|compare|mentee to mentor"
    r"|mentor to mentee|both|senior mentee|junior mentor)(?:\*\*)?\s*(?:\([^)]*\))?\s*:"
    r"|^about (?:younger|older|junior|senior) (?:colleagues|people|staff)\b"
    r"|\bpeople say\b|\bsounds? like\b|\btypical phrasings?\b|:\s*\d+\s*minutes?\.?$",
    re.IGNORECASE,
)
ADVICE = re.compile(
    r"^(?:ask|agree|avoid|keep|start|end|close|open|use|try|write|name|say|tell|thank|share|check|choose|"
    r"schedule|prepare|pause|offer|describe|protect|invite|plan|record|give|let|make|set|send|review|treat|"
    r"focus|limit|leave|bring|put|reserve)\b|\b(?:should|can|could|helps?|works? best|is fine|it is normal)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"“][^\"”]*[\"”]")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“'(\[]?[A-Z0-9])")


@dataclass
class Candidate:
    """One passage sentence that could go into an answer."""

    text: str
    passage_index: int  # position in the retrieved list, 0-based
    position: int  # order within its passage
    relevance: float = 0.0
    similarity: float = 0.0  # cosine with the question


def is_example(sentence: str) -> bool:
    """True for a quoted example phrasing, a labelled example or a question: not advice."""
    stripped = sentence.strip()
    if stripped.endswith("?") or stripped[:1] in "\"“'‘":
        return True
    if EXAMPLE_LINE.search(stripped):
        return True
    if (stripped.count('"') % 2) or stripped.count("“") != stripped.count("”"):
        return True  # a quotation cut by the sentence splitter: an example fragment
    quoted = sum(len(m.group(0)) for m in _QUOTE.finditer(stripped))
    return quoted > 0.6 * len(stripped)


def advice_lines(passage: Passage) -> list[str]:
    """The passage's sentences a reader could take as advice, in order (see the module doc)."""
    avoid_section = bool(AVOID_HEADING.search(passage.heading.split(" > ")[-1] if passage.heading else ""))
    found: list[str] = []
    example_list = False
    for raw in passage.text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or set(line) <= set("-=*_|: "):
            continue
        bullet = bool(_BULLET.match(line))
        if not bullet:
            example_list = bool(EXAMPLE_INTRO.search(line))
        elif avoid_section or example_list:
            continue
        for part in _SENTENCE_END.split(_BULLET.sub("", line).strip()):
            if part.strip():
                found.append(part.strip())
    return found


def usable(sentence: str) -> bool:
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or sentence.endswith(":"):
        return False
    if is_instruction_like(sentence) or sentence.startswith("[text addressed"):
        return False
    return not ABOUT_THE_DOCUMENT.match(sentence) and not is_example(sentence)


def candidates(passages: list[Passage]) -> list[Candidate]:
    """Usable advice sentences of the passages (see ``advice_lines`` and ``usable``)."""
    found: list[Candidate] = []
    seen: set[str] = set()
    for index, passage in enumerate(passages):
        for position, sentence in enumerate(advice_lines(passage)):
            key = sentence.lower()
            if key in seen or not usable(sentence):
                continue
            seen.add(key)
            found.append(Candidate(sentence, index, position))
    return found


def rank_candidates(
    question: str, pool: list[Candidate], scorer: SupportScorer, passages: list[Passage] | None = None
) -> np.ndarray:
    """Score how well each candidate answers the question; returns the sentence vectors."""
    vectors = scorer.vectors([question, *[c.text for c in pool]])
    q_words = set(content_words(question))
    for candidate, vector in zip(pool, vectors[1:], strict=True):
        overlap = len(q_words & set(content_words(candidate.text))) / len(q_words) if q_words else 0.0
        candidate.similarity = float(vector @ vectors[0])
        candidate.relevance = (
            candidate.similarity
            + QUESTION_OVERLAP_WEIGHT * overlap
            + RANK_WEIGHT / (candidate.passage_index + 1)
            + (ADVICE_WEIGHT if ADVICE.search(candidate.text) else 0.0)
            + SECTION_WEIGHT * ((passages[candidate.passage_index].phrasing_similarity or 0.0) if passages else 0.0)
        )
    return vectors[1:]


def select(
    question: str, passages: list[Passage], scorer: SupportScorer, limit: int = MAX_SENTENCES
) -> list[Candidate]:
    """The chosen sentences in reading order (``reading_order``); empty when nothing answers.

    Only advice lines are candidates (``candidates``). They are picked by maximal marginal
    relevance (how well a line answers the question, less its similarity to lines already
    chosen), so an answer is not four wordings of one point.
    """
    pool = candidates(passages)
    if not pool:
        return []
    vectors = rank_candidates(question, pool, scorer, passages)
    if max(c.similarity for c in pool) < MIN_ANSWER_SIMILARITY:
        return []
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
    return reading_order([pool[i] for i in chosen], passages)


def _section(passages: list[Passage], candidate: Candidate) -> tuple[str, str]:
    passage = passages[candidate.passage_index]
    return passage.source, passage.heading


def reading_order(chosen: list[Candidate], passages: list[Passage]) -> list[Candidate]:
    """Section by section, the section of the best line first; within a section, the guide's order."""
    rank: dict[tuple[str, str], float] = {}
    for c in chosen:
        key = _section(passages, c)
        rank[key] = max(rank.get(key, -9.0), c.relevance)
    return sorted(chosen, key=lambda c: (-rank[_section(passages, c)], c.passage_index, c.position))


def see_also(passages: list[Passage], used: set[int], limit: int = 3) -> list[Passage]:
    """The best other passages, one per document not already cited, for "see also"."""
    cited_sources = {passages[i].source for i in used}
    found: list[Passage] = []
    for index, passage in enumerate(passages):
        if index in used or passage.source in cited_sources or any(p.source == passage.source for p in found):
            continue
        found.append(passage)
    return found[:limit]
