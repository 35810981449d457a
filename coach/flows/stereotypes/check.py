"""Stereotype checker: find generalisations about age groups and generations, sentence by sentence.

Each sentence is scored from a few features (age-group references, generalising words,
debunking markers and, when an embedder is given, similarity to the taxonomy's example
phrasings versus neutral examples plus the sentence embedding itself) by a logistic
regression fitted on the dev split of ``eval/datasets/stereotype_statements*.jsonl``
(``python -m coach.training fit``; threshold chosen there by cross-validation). Without an
embedder a keyword-feature regression decides. The whole text is read, sentence by sentence; text
over ``MAX_ANALYSED_CHARS`` characters is refused with the limit named.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from coach.flows.stereotypes.category import category_features, fallback_category, predict_category
from coach.flows.stereotypes.features import (
    AnchorBank,
    SentenceFeatures,
    anchor_bank,
    eligible,
    load_taxonomy,
    load_weights,
    logistic,
    rule_score,
    sentence_features,
)
from coach.knowledge.embeddings import fitted_for
from coach.schemas import Citation, Passage
from coach.text import MAX_ANALYSED_CHARS, Sentence, require_text, split_sentences

if TYPE_CHECKING:
    from coach.knowledge.retrieval import HybridRetriever
    from coach.ports import Embedder

__all__ = [
    "MAX_ANALYSED_CHARS",
    "Reflection",
    "StereotypeCheck",
    "StereotypeFlag",
    "check_sentences",
    "check_stereotypes",
    "reflect",
]

Direction = Literal["about older", "about younger"]

GUIDED_QUESTIONS = (
    "What evidence do I have about this specific person, rather than about their age group?",
    "What counter-examples have I seen in my own mentoring pair or team?",
    "What could I ask them instead of assuming?",
)
_CITATIONS_PER_FLAG = 2


class StereotypeFlag(BaseModel):
    """One sentence that generalises about an age group."""

    span: str
    start: int
    end: int
    category: str = Field(description="Taxonomy category id, e.g. 'technology-proficiency'.")
    direction: Direction
    explanation: str
    reframe: str
    reflection_questions: list[str]
    citations: list[str] = Field(default_factory=list, description="Chunk ids from the category's guide.")


class StereotypeCheck(BaseModel):
    """The result of checking a text."""

    has_stereotype: bool
    flags: list[StereotypeFlag]


class Reflection(BaseModel):
    """Guided questions, then a reframe grounded in the knowledge base."""

    check: StereotypeCheck
    questions: list[str]
    reframe: str
    citations: list[Citation]


def weights_path(knowledge_dir: Path | None = None) -> Path:
    """Where the fitted stereotype weights live."""
    from coach.flows.stereotypes.features import taxonomy_path

    return taxonomy_path(knowledge_dir).parent / "stereotype_weights.json"


def sentence_probability(
    features: SentenceFeatures, weights: dict[str, Any] | None, vector: np.ndarray | None = None
) -> float:
    """Probability that a sentence is a stereotype (rules only when there are no weights)."""
    if weights is None:
        return 1.0 if rule_score(features.values) > 0 else 0.0
    return logistic(weights, features.values, vector)


def _flagged(features: SentenceFeatures, weights: dict[str, Any] | None, vector: np.ndarray | None) -> bool:
    """Sentences naming an age group need ``threshold``; others the stricter ``ungrouped_threshold``."""
    threshold = float(weights["threshold"]) if weights else 0.5
    if not eligible(features.values):
        if weights is None:
            return False
        threshold = max(threshold, float(weights.get("ungrouped_threshold", 1.01)))
    return sentence_probability(features, weights, vector) >= threshold


def check_stereotypes(
    text: str, retriever: HybridRetriever | None = None, embedder: Embedder | None = None
) -> StereotypeCheck:
    """Flag sentences of ``text`` that generalise about an age group or generation.

    Args:
        text: Any text, read whole; over ``MAX_ANALYSED_CHARS`` characters is refused.
        retriever: When given, each flag cites passages from its category's guide.
        embedder: When given, embedding similarity to the taxonomy's phrasings informs the
            decision and the category (recommended); otherwise keyword rules decide. The
            fitted embedding model is used only with the embedder it was fitted with;
            another embedder still informs the category, while the keyword model decides.

    Raises:
        InputError: If the text is empty or over ``MAX_ANALYSED_CHARS`` characters.
    """
    require_text(text)
    sentences = split_sentences(text)
    vectors = np.asarray(embedder.embed([s.text for s in sentences])) if embedder is not None and sentences else None
    return check_sentences(sentences, vectors, embedder, retriever)


def check_sentences(
    sentences: list[Sentence],
    vectors: np.ndarray | None,
    embedder: Embedder | None = None,
    retriever: HybridRetriever | None = None,
) -> StereotypeCheck:
    """``check_stereotypes`` on sentences already split and embedded (one vector per sentence).

    For callers that need the sentence vectors themselves too, such as the feedback
    scorer, so each sentence is embedded once. ``vectors`` must come from ``embedder``
    (None without one).
    """
    if not sentences:
        return StereotypeCheck(has_stereotype=False, flags=[])
    taxonomy = load_taxonomy()
    bank = anchor_bank(taxonomy, embedder) if embedder is not None and vectors is not None else None
    weights: dict[str, Any] | None = None
    category_model: dict[str, Any] | None = None
    path = weights_path()
    if path.exists():
        fitted = load_weights(path)
        weights = fitted["embedding" if fitted_for(fitted, embedder) else "keywords"]
        category_model = fitted.get("category") if fitted_for(fitted, embedder) else None
    flags: list[StereotypeFlag] = []
    for index, sentence in enumerate(sentences):
        vector = vectors[index] if vectors is not None else None
        features = sentence_features(sentence.text, taxonomy, vector, bank)
        if not _flagged(features, weights, vector):
            continue
        category, direction = classify(sentence.text, features, taxonomy, vector, bank, category_model)
        flags.append(_flag(sentence.text, sentence.start, sentence.end, category, direction, taxonomy, retriever))
    return StereotypeCheck(has_stereotype=bool(flags), flags=flags)


def classify(
    sentence: str,
    features: SentenceFeatures,
    taxonomy: dict[str, Any],
    vector: np.ndarray | None,
    bank: AnchorBank | None,
    model: dict[str, Any] | None = None,
) -> tuple[str, Direction]:
    """The taxonomy category and direction of a flagged sentence.

    Direction: from the age-group words, else from the nearest phrasing, else "about
    older". Category: the fitted category model when given (``model``, with a vector and
    bank from the embedder it was fitted with), else the nearest phrasing plus a bonus per
    cue word (``stereotypes_category.fallback_category``).
    """
    direction = resolve_direction(features, vector, bank)
    if model is not None and vector is not None and bank is not None:
        best = predict_category(model, category_features(sentence, taxonomy, vector, bank, direction), vector)
    else:
        best = fallback_category(sentence, taxonomy, vector, bank, direction)
    final: Direction = "about younger" if direction == "about younger" else "about older"
    return best, final


def resolve_direction(features: SentenceFeatures, vector: np.ndarray | None, bank: AnchorBank | None) -> str:
    """The side a sentence talks about: its age-group words, else its nearest phrasing ("" when unknown)."""
    if features.direction or vector is None or bank is None:
        return features.direction
    return bank.labels[int(np.argmax(bank.vectors @ vector))][1]


def _category(taxonomy: dict[str, Any], category_id: str) -> dict[str, Any]:
    for category in taxonomy["categories"]:
        if category["id"] == category_id:
            return dict(category)
    raise KeyError(category_id)


def _flag(
    span: str,
    start: int,
    end: int,
    category_id: str,
    direction: Direction,
    taxonomy: dict[str, Any],
    retriever: HybridRetriever | None,
) -> StereotypeFlag:
    category = _category(taxonomy, category_id)
    side = category["about_older" if direction == "about older" else "about_younger"]
    citations = [p.id for p in category_passages(category, span, retriever)[:_CITATIONS_PER_FLAG]]
    return StereotypeFlag(
        span=span,
        start=start,
        end=end,
        category=category_id,
        direction=direction,
        explanation=side["explanation"],
        reframe=side["reframe"],
        reflection_questions=list(category.get("reflection_questions", [])),
        citations=citations,
    )


def category_passages(category: dict[str, Any], span: str, retriever: HybridRetriever | None) -> list[Passage]:
    """Passages for a category, those from its source guide first (none without a retriever)."""
    if retriever is None:
        return []
    query = f"{category['name']} stereotype {span}"
    passages = retriever.retrieve(query, k=max(retriever.settings.retrieval_k, 8))
    source = str(category.get("source", ""))
    own = [p for p in passages if source and p.source.endswith(source)]
    rest = [p for p in passages if p not in own]
    return own + rest


def reflect(text: str, retriever: HybridRetriever, embedder: Embedder | None = None, model: Any = None) -> Reflection:
    """Guided reflection on a text: questions first, then a reframe grounded in the guides.

    Args:
        text: The statement to reflect on.
        retriever: Finds the guidance passages the reframe quotes and cites.
        embedder: Passed to ``check_stereotypes``.
        model: Accepted for interface parity with other flows; the reframe is built from the
            taxonomy and quoted passages so every claim stays traceable to a citation.

    Raises:
        InputError: If the text is empty.
    """
    del model
    check = check_stereotypes(text, retriever=retriever, embedder=embedder)
    taxonomy = load_taxonomy()
    questions = list(GUIDED_QUESTIONS)
    citations: list[Citation] = []
    parts: list[str] = []
    for flag in check.flags:
        category = _category(taxonomy, flag.category)
        questions += [q for q in flag.reflection_questions if q not in questions]
        passages = category_passages(category, flag.span, retriever)[:_CITATIONS_PER_FLAG]
        parts.append(f'Instead of "{flag.span}": {flag.reframe}')
        if passages:
            quote = best_sentence(passages[0].text, flag.reframe)
            parts.append(f'The guide "{passages[0].title}" puts it this way: "{quote}" [{passages[0].id}]')
            citations += [Citation.from_passage(p, quote if p is passages[0] else None) for p in passages]
    if not check.flags:
        passages = retriever.retrieve("reframing generational stereotypes ask instead of assuming", k=2)
        parts.append(
            "No generalisation about an age group was found. Keep describing the specific person and what you observed."
        )
        if passages:
            quote = best_sentence(passages[0].text, "ask the person instead of assuming")
            parts.append(f'As the guide "{passages[0].title}" says: "{quote}" [{passages[0].id}]')
            citations += [Citation.from_passage(p, quote if p is passages[0] else None) for p in passages]
    unique = list({c.id: c for c in citations}.values())
    return Reflection(check=check, questions=questions, reframe="\n".join(parts), citations=unique)


def best_sentence(passage: str, about: str) -> str:
    """The passage sentence sharing the most words with ``about`` (a verbatim quote)."""
    words = set(re.findall(r"[a-z']{4,}", about.lower()))
    candidates = [s.text for s in split_sentences(passage) if len(s.text) > 20 and not s.text.startswith("#")]
    if not candidates:
        return " ".join(passage.split())[:240]
    return max(candidates, key=lambda s: len(words & set(re.findall(r"[a-z']{4,}", s.lower()))))
