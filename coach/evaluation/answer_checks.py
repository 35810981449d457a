"""Per-answer checks of the answers suite: valid citations, grounded sentences, relevance.

Each check reads one ``Answer`` (or the labelled sentence/passage pairs) and returns a
plain number or verdict; ``answers_suite`` averages them into metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.evaluation.metrics import quote_matches

if TYPE_CHECKING:
    from coach.answering import Answer
    from coach.evaluation.calibration import BinaryScores
    from coach.evaluation.context import EvalContext
    from coach.ports import TextEmbedder

CITATION_MARK = re.compile(r"\[(\d+)\]")


def citations_valid(answer: Answer) -> bool:
    """True when every cited id is among the retrieved passages and every quote fuzzy-matches its passage."""
    retrieved = {p.id: p for p in answer.passages}
    return all(c.id in retrieved and quote_matches(c.quote, retrieved[c.id].text) for c in answer.citations)


def grounded_share(answer: Answer, embedder: TextEmbedder, threshold: float) -> float:
    """The share of the answer's sentences whose support by the best passage they cite reaches ``threshold``.

    ``[n]`` refers to the n-th citation (answers number them in order of first use). An
    answer without sentences counts as grounded when it cites nothing.
    """
    from coach.answering import support_score
    from coach.answering.text import split_sentences

    retrieved = {p.id: p for p in answer.passages}
    numbered = {i + 1: retrieved[c.id] for i, c in enumerate(answer.citations) if c.id in retrieved}
    sentences = split_sentences(answer.answer)
    supported = 0
    for sentence in sentences:
        cited = [numbered[int(n)] for n in CITATION_MARK.findall(sentence) if int(n) in numbered]
        if cited and max(support_score(sentence, p.text, embedder) for p in cited) >= threshold:
            supported += 1
    return supported / len(sentences) if sentences else (1.0 if not answer.citations else 0.0)


def cites_relevant(answer: Answer, relevant: Iterable[str]) -> bool:
    """True when the answer cites a passage from one of the ``relevant`` documents (by file name)."""
    cited_docs = {Path(c.source).name for c in answer.citations}
    return bool(cited_docs & set(relevant))


def honest_declines(ctx: EvalContext) -> list[float]:
    """Per out-of-scope question, 1.0 if the answer says the guidance does not cover it, else 0.0."""
    from coach.answering import answer_question

    runtime = ctx.runtime
    declines = []
    for row in ctx.rows("out_of_scope"):
        answer = answer_question(row["question"], runtime.retriever, runtime.settings, model=ctx.model)
        declines.append(0.0 if answer.covered else 1.0)
    return declines


def support_judgement(pairs: list[dict[str, Any]], embedder: TextEmbedder, threshold: float) -> BinaryScores:
    """Precision and recall of "support score >= ``threshold``" against the labelled sentence/passage pairs."""
    from coach.answering import support_score
    from coach.evaluation.calibration import precision_recall_f1

    gold = [bool(r["label"]) for r in pairs]
    pred = [support_score(r["sentence"], r["passage"], embedder) >= threshold for r in pairs]
    return precision_recall_f1(gold, pred)
