"""Feedback scorer: rate upward feedback against the SBI rubric and suggest an SBI rewrite.

Deterministic and offline. Each sentence is read by the rubric's evidence finders
(``feedback_features``); without an embedder a criterion's score is the best level any
sentence supports. With one, a per-criterion logistic regression fitted on the dev split
(``python -m coach.training fit``) reads those rule findings plus a pooled hidden layer of the
embedding model, and a low-rank adapter on a copy of that model (``feedback_adapter``)
reads the same findings and the text; the average of their probabilities decides the
score. Either way the evidence is a sentence quoted exactly. Tone issues come from the
rubric's lexicons, age-coded remarks also from ``check_stereotypes``. The whole text is
read; feedback over ``MAX_FEEDBACK_CHARS`` characters is refused with the limit named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from coach.data import load_file, read_fitted, reference_data
from coach.flows.feedback.adapter import FeedbackAdapter, load_adapter
from coach.flows.feedback.advice import is_complete, select_tips
from coach.flows.feedback.features import (
    behavior_level,
    hand_features,
    impact_level,
    model_layers,
    model_probabilities,
    request_level,
    respect_level,
    respect_signals,
    situation_level,
)
from coach.flows.feedback.rewrite import PLACEHOLDERS, build_rewrite
from coach.flows.stereotypes.check import StereotypeFlag, check_sentences
from coach.knowledge.embeddings import embedder_cache, fitted_for
from coach.ports import LayerEmbedder
from coach.text import (
    MAX_FEEDBACK_CHARS,
    QUOTED,
    Sentence,
    find_phrases,
    mask_ages,
    require_text,
    split_sentences,
)

if TYPE_CHECKING:
    from coach.ports import Embedder

__all__ = [
    "CRITERIA",
    "MAX_FEEDBACK_CHARS",
    "PLACEHOLDERS",
    "CriterionScore",
    "FeedbackIssue",
    "FeedbackScore",
    "score_feedback",
]

CRITERIA = ("situation", "behavior", "impact", "request", "respect")
WEIGHTS_FILE = "feedback_weights.json"
IssueKind = Literal["hedging", "absolute", "personal_attack", "vague_praise", "age_coded"]
Level = Literal["needs work", "developing", "strong"]

_ISSUE_KEYS: dict[IssueKind, str] = {
    "hedging": "hedging",
    "absolute": "absolutes",
    "personal_attack": "personal_attack",
    "vague_praise": "vague_praise",
}
_ISSUE_MESSAGES: dict[IssueKind, str] = {
    "hedging": "Hedging or apologising weakens your point; say it plainly and kindly.",
    "absolute": "Absolutes invite an argument about the exception; describe the specific time instead.",
    "personal_attack": "This judges the person rather than the behaviour; describe what they did.",
    "vague_praise": "Praise lands better when it names what exactly worked and why.",
    "age_coded": "This ties the point to age or generation; keep it about the behaviour.",
}


class CriterionScore(BaseModel):
    """One rubric criterion: met only at the top level, with quoted evidence and a tip."""

    met: bool
    score: Literal[0, 1, 2]
    evidence: str | None = Field(description="A span quoted exactly from the text, or None.")
    tip: str


class FeedbackIssue(BaseModel):
    """A phrase that weakens the feedback."""

    kind: IssueKind
    span: str
    message: str


class FeedbackScore(BaseModel):
    """The whole assessment of one piece of feedback."""

    criteria: dict[str, CriterionScore]
    overall: int = Field(ge=0, le=100)
    level: Level
    issues: list[FeedbackIssue]
    stereotype_flags: list[StereotypeFlag]
    rewrite: str
    nothing_to_change: bool = Field(
        default=False, description="Complete SBI feedback: the rewrite is the text as written."
    )
    tips: list[str] = Field(default_factory=list, description="At most two tips, the ones that matter most.")


def load_rubric() -> dict[str, Any]:
    """The parsed ``feedback_rubric.yaml`` of the shipped data folder (read once)."""
    return reference_data().rubric


def level_for(overall: int, rubric: dict[str, Any] | None = None) -> Level:
    """The level band holding ``overall`` (bands from the rubric)."""
    bands = (rubric or load_rubric())["levels"]
    for name in ("strong", "developing", "needs work"):
        low, high = bands[name]
        if low <= overall <= high:
            return name  # type: ignore[return-value]
    return "needs work"


def mask_quotes(text: str) -> str:
    """``text`` with quoted speech blanked out (same length), so quoting someone is not judged as tone."""
    return QUOTED.sub(lambda m: " " * len(m.group()), text)


def weights_path(knowledge_dir: Path | None = None) -> Path:
    """Where the fitted feedback model lives (the shipped data folder unless ``knowledge_dir`` is given)."""
    data_dir = knowledge_dir / "data" if knowledge_dir is not None else reference_data().directory
    return data_dir / WEIGHTS_FILE


def load_weights(path: Path | None = None) -> dict[str, Any] | None:
    """The fitted feedback model, or None when no weights file exists (rules decide then); read once."""
    return load_file(WEIGHTS_FILE, read_fitted, path)


@dataclass
class RuleAnalysis:
    """What the hand rules find in one text: the inputs of both the rules and the model."""

    text: str
    sentences: list[Sentence]
    masked: str
    flags: list[StereotypeFlag]
    issues: list[FeedbackIssue]
    signals: dict[str, int]
    best: dict[str, tuple[int, Sentence | None]]
    sentence_vectors: np.ndarray | None = None
    """One embedding per sentence (None without an embedder), shared with the stereotype check."""

    def hand_features(self) -> dict[str, float]:
        """The hand-made model inputs (see ``feedback_features.HAND_FEATURES``)."""
        levels = {criterion: level for criterion, (level, _) in self.best.items()}
        kinds: list[str] = [issue.kind for issue in self.issues]
        return hand_features(self.text, levels, self.signals, kinds, len(self.flags), len(self.sentences))


def analyse(text: str, embedder: Embedder | None = None) -> RuleAnalysis:
    """Run the rubric's rules over the whole of ``text``."""
    rubric = load_rubric()
    analysed = text
    sentences = split_sentences(analysed)
    masked = mask_quotes(analysed)
    vectors = np.asarray(embedder.embed([s.text for s in sentences])) if embedder is not None and sentences else None
    flags = check_sentences(sentences, vectors, embedder).flags
    issues = find_issues(analysed, masked, rubric)
    age_coded = bool(flags) or any(i.kind == "age_coded" for i in issues)
    signals = respect_signals(masked, rubric)

    finders = {
        "situation": lambda s: situation_level(s, rubric),
        "behavior": behavior_level,
        "impact": impact_level,
        "request": request_level,
    }
    best: dict[str, tuple[int, Sentence | None]] = {}
    for criterion, finder in finders.items():
        best[criterion] = _best_sentence(sentences, finder)
    best["respect"] = (respect_level(signals, age_coded), _respect_evidence(sentences, masked))
    if best["respect"][0] == 0:
        best["respect"] = (0, _worst_tone_sentence(sentences, issues, flags))
    return RuleAnalysis(analysed, sentences, masked, flags, issues, signals, best, vectors)


def score_feedback(text: str, embedder: Embedder | None = None) -> FeedbackScore:
    """Score feedback on situation, behaviour, impact, request and respect (0-2 each).

    With an embedder that exposes its hidden layers (``LayerEmbedder``), each criterion's
    level comes from a small logistic regression over the rule findings and the text's
    pooled hidden state at one layer of the embedding model
    (``knowledge/data/feedback_weights.json``, fitted on the dev split), averaged with
    the feedback adapter's probabilities when the embedder is a local model with a trained
    adapter (``knowledge/data/feedback_adapter.npz``); the rules still pick the quoted
    evidence, issues and tips. Otherwise, or when the embedder is not the
    model the weights were fitted with, the hand rules alone decide, which is less
    accurate (see ``eval/calibration.md``).

    Args:
        text: The feedback as the mentor would say or send it, read whole; longer than
            ``MAX_FEEDBACK_CHARS`` characters is refused.
        embedder: Enables the fitted model; also passed to the stereotype checker.

    Returns:
        The per-criterion scores with evidence, an overall 0-100 score and level, tone
        issues, stereotype flags and a suggested SBI rewrite built from the writer's own words.

    Raises:
        InputError: If the text is empty or longer than ``MAX_FEEDBACK_CHARS``.
    """
    require_text(text, "feedback", MAX_FEEDBACK_CHARS)
    rubric = load_rubric()
    analysis = analyse(text, embedder)
    best = dict(analysis.best)
    weights = load_weights()
    if isinstance(embedder, LayerEmbedder) and weights is not None and fitted_for(weights, embedder):
        levels = _model_levels(analysis, embedder, weights)
        best = _model_best(analysis, levels, embedder, rubric)

    criteria = _criterion_scores(best, rubric)
    overall = round(100 * sum(c.score for c in criteria.values()) / (2 * len(CRITERIA)))
    complete = is_complete(criteria, analysis.issues, len(analysis.flags))
    rewrite = (
        analysis.text.strip() if complete else build_rewrite(analysis.sentences, best, analysis.issues, analysis.flags)
    )
    return FeedbackScore(
        criteria=criteria,
        overall=overall,
        level=level_for(overall, rubric),
        issues=analysis.issues,
        stereotype_flags=analysis.flags,
        rewrite=rewrite,
        nothing_to_change=complete,
        tips=select_tips(criteria, analysis.issues, complete),
    )


def _model_levels(analysis: RuleAnalysis, embedder: LayerEmbedder, weights: dict[str, Any]) -> dict[str, int]:
    """Each criterion's level from the fitted model, averaged with the adapter's probabilities when there is one."""
    masked = mask_ages(analysis.text)
    vectors = {layer: np.asarray(embedder.embed_layer([masked], layer))[0] for layer in model_layers(weights)}
    hand = analysis.hand_features()
    probabilities = model_probabilities(weights, hand, vectors)
    adapter = _adapter_for(embedder)
    if adapter is not None:
        row = np.array([[hand[name] for name in adapter.spec.features]])
        adapted = adapter.probabilities([masked], row)[0]
        for j, criterion in enumerate(adapter.spec.criteria):
            probabilities[criterion] = (probabilities[criterion] + adapted[j]) / 2
    return {criterion: int(np.argmax(p)) for criterion, p in probabilities.items()}


def _criterion_scores(
    best: dict[str, tuple[int, Sentence | None]], rubric: dict[str, Any]
) -> dict[str, CriterionScore]:
    """One score per criterion from its level, quoting the evidence sentence (respect quotes it at 0 too)."""
    tips = {c["id"]: c["tip"] for c in rubric["criteria"]}
    criteria: dict[str, CriterionScore] = {}
    for criterion in CRITERIA:
        level, sentence = best[criterion]
        score: Literal[0, 1, 2] = 2 if level >= 2 else 1 if level == 1 else 0
        keep = sentence is not None and (score > 0 or criterion == "respect")
        evidence = sentence.text if keep and sentence is not None else None
        criteria[criterion] = CriterionScore(
            met=score == 2,
            score=score,
            evidence=evidence,
            tip="This part works; keep it this specific." if score == 2 else tips[criterion],
        )
    return criteria


def _adapter_for(embedder: Embedder) -> FeedbackAdapter | None:
    """The trained feedback adapter for this embedder's model, if it has a local model and one was trained."""
    model_path = getattr(embedder, "model_path", None)
    if not isinstance(model_path, Path):
        return None
    return load_adapter(model_path, embedder.name)


def _model_best(
    analysis: RuleAnalysis, levels: dict[str, int], embedder: Embedder, rubric: dict[str, Any]
) -> dict[str, tuple[int, Sentence | None]]:
    """Pair each model level with evidence: the rules' sentence, else the closest to the rubric's examples."""
    best: dict[str, tuple[int, Sentence | None]] = {}
    for criterion in CRITERIA:
        rule_level, sentence = analysis.best[criterion]
        level = levels.get(criterion, rule_level)
        if criterion == "respect":
            if level == 0:
                sentence = _worst_tone_sentence(analysis.sentences, analysis.issues, analysis.flags) or sentence
            else:
                sentence = _respect_evidence(analysis.sentences, analysis.masked)
        elif level > 0 and (sentence is None or rule_level == 0) and analysis.sentences:
            # analyse() embedded the sentences with this same embedder
            assert analysis.sentence_vectors is not None
            sentence = _closest_to_examples(analysis.sentences, analysis.sentence_vectors, criterion, embedder, rubric)
        best[criterion] = (level, sentence)
    return best


def _closest_to_examples(
    sentences: list[Sentence], vectors: np.ndarray, criterion: str, embedder: Embedder, rubric: dict[str, Any]
) -> Sentence:
    examples = next((list(c.get("good_examples", [])) for c in rubric["criteria"] if c["id"] == criterion), [])
    if len(sentences) == 1 or not examples:
        return sentences[0]
    cache = embedder_cache(embedder)  # the rubric's examples never change within a process
    key = ("rubric-examples", criterion)
    if key not in cache:
        cache[key] = np.asarray(embedder.embed(examples))
    anchors: np.ndarray = cache[key]
    similarity = (vectors @ anchors.T).max(axis=1)
    return sentences[int(np.argmax(similarity))]


def _best_sentence(sentences: list[Sentence], finder: Any) -> tuple[int, Sentence | None]:
    best_level, best = 0, None
    for sentence in sentences:
        level = int(finder(sentence.text))
        if level > best_level:
            best_level, best = level, sentence
    return best_level, best


def _respect_evidence(sentences: list[Sentence], masked: str) -> Sentence | None:
    from coach.flows.feedback.features import _ACKNOWLEDGE

    for sentence in sentences:
        if _ACKNOWLEDGE.search(masked[sentence.start : sentence.end].lower()):
            return sentence
    return None


def _worst_tone_sentence(
    sentences: list[Sentence], issues: list[FeedbackIssue], flags: list[StereotypeFlag]
) -> Sentence | None:
    if flags:
        for sentence in sentences:
            if sentence.start <= flags[0].start < sentence.end:
                return sentence
    for issue in issues:
        if issue.kind in ("personal_attack", "age_coded", "absolute"):
            for sentence in sentences:
                if issue.span in sentence.text:
                    return sentence
    return None


_ADDRESSES_LISTENER = re.compile(r"\byou(?:r|rs|rself|'re|'ve|'d|'ll)?\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.!?;:,\u2014]|\s(?:but|and|so|because|although)\s", re.IGNORECASE)


def _clause(text: str, start: int, end: int) -> str:
    """The clause around ``text[start:end]``: up to the nearest punctuation or conjunction."""
    before = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)]
    after = _CLAUSE_BREAK.search(text, end)
    return text[(before[-1] if before else 0) : (after.start() if after else len(text))]


def find_issues(text: str, masked: str, rubric: dict[str, Any]) -> list[FeedbackIssue]:
    """Tone issues with the exact span from ``text`` (quoted speech is not judged).

    Softer absolutes ("nothing", "totally", "at all") count only in a clause that
    addresses the listener; the rubric's ``absolutes`` count anywhere.
    """
    issues: list[FeedbackIssue] = []
    seen: set[tuple[int, int]] = set()
    patterns = rubric["issue_patterns"]
    lexicons: list[tuple[IssueKind, list[str]]] = [("age_coded", list(rubric.get("age_coded", [])))]
    lexicons += [(kind, list(patterns.get(key, []))) for kind, key in _ISSUE_KEYS.items()]
    hits = [(kind, hit) for kind, phrases in lexicons for hit in find_phrases(masked, phrases)]
    for start, end, _ in find_phrases(masked, patterns.get("absolutes_about_you", [])):
        if _ADDRESSES_LISTENER.search(_clause(masked, start, end)):
            hits.append(("absolute", (start, end, "")))
    for kind, (start, end, _) in hits:
        if any(start < e and s < end for s, e in seen):
            continue
        seen.add((start, end))
        issues.append(FeedbackIssue(kind=kind, span=text[start:end], message=_ISSUE_MESSAGES[kind]))
    return issues
