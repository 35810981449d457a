"""Whether the retrieved guidance covers a question at all.

A question is covered when its closest passage is close enough (``min_relevance``), or
when a section's phrasings (``coach.knowledge.phrasings``: how people ask for what the
section answers) are close to it (``min_phrasing_relevance``) and its closest passage is
not far off (``min_relevance_floor``). A packaged guide passage only just past
``min_relevance`` (under ``weak_relevance``) also needs some section phrasing near the
question (``min_phrasing_support``): "when is the deadline for the review form in workday"
shares words with a guide on reviews, but nobody asks a mentoring guide that. On the
users' dev split this declined 27 of 31 everyday out-of-scope questions (23 before) and no
in-scope question, guide-style or everyday.

The second path exists for everyday wording: "my exec keeps bailing on our catchups" is
answered by the section on cancelled sessions, but shares so few words with it that the
closest passage sits under ``min_relevance``; the way people ask for that section is close.
Out-of-scope office questions ("is the canteen open on saturdays") reach neither. With
phrasings fused into the ranking (``COACH_PHRASING_WEIGHT=2.5``), on the dev split of the
users' and guide-style questions (116) against 35 out-of-scope ones, this answers 109 and 6
where the passage threshold alone answered 97 and 8; checking the best single advice line
instead of phrasings answered more out-of-scope questions. By default phrasings are matched
(``COACH_PHRASING_MATCHES``) but not fused, so passages of the packaged guides carry their
section's phrasing cosine while the ranking is dense + lexical alone; with matching off, only
``min_relevance`` decides.

A third path admits a question that shares several distinctive words with a passage (its
BM25 score at least ``min_lexical_score``, 3.7) while the closest passage is not far off in
meaning (``min_lexical_floor``, 0.2) and some section's phrasing is near the question
(``min_lexical_phrasing``, 0.35). People who describe their situation in a few sentences
("our L&D head wants copies of everyone's SWOT forms, am I ok to send them?", "welcome pack
for new pairs, what goes in it") use the guides' own words although the meaning vector of
the whole message drifts. BM25 adds up over the words shared, so long office messages
reach the score too ("how do i get my expenses approved faster, my manager takes weeks to
sign them off and finance keeps sending them back"); the phrasing condition turns those
away. On the users' dev split this answered 5 of the 10 in-scope questions declined before
and no out-of-scope one (usefulness 0.75 to 0.78). On 12 long out-of-scope and 6 long
in-scope messages written afterwards to check it, it answered exactly what the first two
paths answer; without the phrasing condition it answered two more office messages. The
three conditions are each judged over all the retrieved passages, not one passage: the words
may be shared with one passage while another's section phrasing is near. A user's own
documents have no phrasings, so a question whose passages all come from them is never let in
this way. The BM25 scale depends on the corpus (``COACH_MIN_LEXICAL_SCORE``; 0 turns the
path off).
"""

from __future__ import annotations

from coach.config import Settings
from coach.schemas import Passage


def best_similarity(passages: list[Passage]) -> float:
    """The highest query-passage cosine among the passages (0 when none is known)."""
    return max((p.similarity for p in passages if p.similarity is not None), default=0.0)


def best_phrasing_similarity(passages: list[Passage]) -> float:
    """The highest cosine of the question to a phrasing of one of the passages' sections (0 when none)."""
    return max((p.phrasing_similarity for p in passages if p.phrasing_similarity is not None), default=0.0)


def only_by_chance(passages: list[Passage], settings: Settings) -> bool:
    """True when the only passages past ``min_relevance`` are packaged guide sections that are
    barely past it (under ``weak_relevance``) and no section's phrasing comes near the question
    (under ``min_phrasing_support``): an office question that shares a few words with a guide.
    A user's own documents have no phrasings, so a passage of theirs is never judged this way."""
    admitting = [p for p in passages if p.similarity is not None and p.similarity >= settings.min_relevance]
    return (
        bool(admitting)
        and all(
            p.phrasing_similarity is not None and (p.similarity or 0.0) < settings.weak_relevance for p in admitting
        )
        and best_phrasing_similarity(passages) < settings.min_phrasing_support
    )


def best_lexical_score(passages: list[Passage]) -> float:
    """The highest BM25 score among the passages (0 when the lexical ranking found none of them)."""
    return max((p.lexical_score for p in passages if p.lexical_score is not None), default=0.0)


def shares_the_guides_words(passages: list[Passage], settings: Settings) -> bool:
    """True when a passage shares several of the question's distinctive words (BM25 at least
    ``min_lexical_score``), the closest passage is not far off in meaning (``min_lexical_floor``)
    and some section's phrasing is near the question (``min_lexical_phrasing``)."""
    return (
        settings.min_lexical_score > 0
        and best_lexical_score(passages) >= settings.min_lexical_score
        and best_similarity(passages) >= settings.min_lexical_floor
        and best_phrasing_similarity(passages) >= settings.min_lexical_phrasing
    )


def covers(passages: list[Passage], settings: Settings) -> bool:
    """True when the passages answer the question closely enough to try (see the module doc)."""
    best = best_similarity(passages)
    if best >= settings.min_relevance:
        return not only_by_chance(passages, settings)
    return (
        best >= settings.min_relevance_floor and best_phrasing_similarity(passages) >= settings.min_phrasing_relevance
    ) or shares_the_guides_words(passages, settings)
