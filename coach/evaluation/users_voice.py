"""Eval suites on the questions written in users' own words (``eval/datasets/user_questions.jsonl``).

The same measures as the ``retrieval`` and ``answers`` suites, on short, colloquial and
misspelt questions as junior mentors, senior mentees and coordinators type them, each
labelled with every guide that answers it and with the words an on-topic answer would use.
Their suites are named ``<suite>_users`` so the report can show both sets side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.evaluation.context import EvalContext
from coach.evaluation.metrics import Metric, hit_at_k, mean_metric, ndcg_at_k, quote_matches, reciprocal_rank

if TYPE_CHECKING:
    from coach.answering import Answer
    from coach.ports import TextEmbedder

QUESTIONS = "user_questions"
OUT_OF_SCOPE = "user_out_of_scope"
_CITATION = re.compile(r"\[(\d+)\]")


def _worst(details: list[dict[str, Any]], key: str = "score") -> list[dict[str, Any]]:
    return sorted(details, key=lambda d: d.get(key, 0))[:10]


def on_topic(sentence: str, terms: Sequence[str]) -> bool:
    """A sentence is on the question's topic when it contains one of the question's labelled
    topic terms, matched case-insensitively at the start of a word ("cancel" matches
    "cancelling"; "time zone" matches "time zones"). Terms are written with the question,
    before any answer is seen, as the words an answer to it would have to use."""
    text = sentence.lower().replace("’", "'")
    return any(re.search(r"\b" + re.escape(term.lower()), text) for term in terms)


def cited_sentences(answer: Answer) -> list[tuple[str, set[str]]]:
    """Each answer sentence with the file names of the documents it cites."""
    from coach.answering.text import split_sentences, strip_citations

    numbered = {i + 1: Path(c.source).name for i, c in enumerate(answer.citations)}
    found = []
    for sentence in split_sentences(answer.answer):
        docs = {numbered[int(n)] for n in _CITATION.findall(sentence) if int(n) in numbered}
        found.append((strip_citations(sentence), docs))
    return found


def usefulness(answer: Answer, relevant: set[str], terms: Sequence[str]) -> tuple[float, float]:
    """(useful, on-topic share) of one answer.

    - useful: 1.0 when some sentence of the answer cites a passage from a document labelled
      relevant to the question AND that sentence is on the question's topic (``on_topic``);
      a "not covered" answer is never useful.
    - on-topic share: the share of the answer's sentences that are on topic (0.0 when not covered).
    """
    if not answer.covered:
        return 0.0, 0.0
    sentences = cited_sentences(answer)
    if not sentences:
        return 0.0, 0.0
    useful = any(docs & relevant and on_topic(text, terms) for text, docs in sentences)
    share = sum(1 for text, _ in sentences if on_topic(text, terms)) / len(sentences)
    return (1.0 if useful else 0.0), share


def grounded_share(answer: Answer, embedder: TextEmbedder, threshold: float) -> float:
    """Share of the answer's sentences that the passages they cite support (as in ``answers``)."""
    from coach.answering import support_score
    from coach.answering.text import split_sentences

    if not answer.covered:
        return 1.0
    retrieved = {p.id: p for p in answer.passages}
    numbered = {i + 1: retrieved[c.id] for i, c in enumerate(answer.citations) if c.id in retrieved}
    sentences = split_sentences(answer.answer)
    if not sentences:
        return 0.0
    supported = 0
    for sentence in sentences:
        cited = [numbered[int(n)] for n in _CITATION.findall(sentence) if int(n) in numbered]
        if cited and max(support_score(sentence, p.text, embedder) for p in cited) >= threshold:
            supported += 1
    return supported / len(sentences)


def retrieval_users_suite(ctx: EvalContext) -> list[Metric]:
    """hit@5 (gated at 0.9), MRR and nDCG@5 by document on the users'-voice questions."""
    hits, rrs, ndcgs = [], [], []
    details: list[dict[str, Any]] = []
    for row in ctx.rows(QUESTIONS):
        passages = ctx.runtime.retriever.retrieve(row["question"], k=5)
        ranked = [Path(p.source).name for p in passages]
        relevant = set(row["relevant"])
        hits.append(hit_at_k(ranked, relevant, 5))
        rrs.append(reciprocal_rank(ranked, relevant))
        ndcgs.append(ndcg_at_k(ranked, relevant, 5))
        details.append(
            {"id": row["id"], "question": row["question"], "score": hits[-1], "rr": rrs[-1], "got": ranked[:3]}
        )
    return [
        mean_metric("retrieval_users", "hit_at_5", hits, 0.9, _worst(details)),
        mean_metric("retrieval_users", "mrr", rrs, None, _worst(details, "rr")),
        mean_metric("retrieval_users", "ndcg_at_5", ndcgs),
    ]


def answers_users_suite(ctx: EvalContext) -> list[Metric]:
    """Default answers to the users'-voice questions.

    - citation_validity and groundedness: as in the ``answers`` suite.
    - answer_usefulness: per answer, ``usefulness`` (cites a labelled guide in an on-topic
      sentence), gated at 0.85.
    - on_topic_share: per answer, the share of its sentences that are on topic.
    - answer_relevance: per answer, 1 if it cites any passage of a labelled guide.
    - honest_decline: per users'-voice out-of-scope question, 1 if the answer says the
      guidance does not cover it.
    """
    from coach.answering import answer_question

    runtime, settings = ctx.runtime, ctx.runtime.settings
    validity, grounded, useful, topical, relevance, details = [], [], [], [], [], []
    for row in ctx.rows(QUESTIONS):
        answer = answer_question(row["question"], runtime.retriever, settings, model=ctx.model)
        retrieved = {p.id: p for p in answer.passages}
        valid = all(c.id in retrieved and quote_matches(c.quote, retrieved[c.id].text) for c in answer.citations)
        validity.append(1.0 if valid else 0.0)
        grounded.append(grounded_share(answer, runtime.embedder, settings.grounding_threshold))
        relevant = set(row["relevant"])
        score, share = usefulness(answer, relevant, row["topic"])
        useful.append(score)
        topical.append(share)
        relevance.append(1.0 if {Path(c.source).name for c in answer.citations} & relevant else 0.0)
        details.append(
            {
                "id": row["id"],
                "question": row["question"],
                "score": score,
                "on_topic": round(share, 2),
                "valid": valid,
                "answer": answer.answer[:400],
            }
        )
    declines = [
        0.0 if answer_question(r["question"], runtime.retriever, settings, model=ctx.model).covered else 1.0
        for r in ctx.rows(OUT_OF_SCOPE)
    ]
    return [
        mean_metric("answers_users", "citation_validity", validity, 1.0, _worst(details, "valid")),
        mean_metric("answers_users", "groundedness", grounded, 0.9),
        mean_metric("answers_users", "answer_usefulness", useful, 0.85, _worst(details)),
        mean_metric("answers_users", "on_topic_share", topical, None, _worst(details, "on_topic")),
        mean_metric("answers_users", "answer_relevance", relevance),
        mean_metric("answers_users", "honest_decline", declines),
    ]
