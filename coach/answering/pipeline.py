"""``answer_question``: retrieve, compose or generate, verify citations and support."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

import coach.answering.extractive as extractive
from coach.answering.coverage import covers
from coach.answering.safety import Neutralised, check_output, neutralise
from coach.answering.support import SupportScorer
from coach.answering.text import citation_ids, content_words, strip_citations
from coach.config import Settings
from coach.errors import InputError
from coach.ports import EmbeddingRetriever
from coach.schemas import Citation, Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

NOT_COVERED = "The guidance doesn't cover this."
EXTRACTIVE_LABEL = "extractive"
MAX_QUESTION_CHARS = 2000
CLOSEST_SHOWN = 3
_CLOSED_STOP = re.compile(r"([.!?])([\"'”’)]+)$")  # a final stop inside closing quotes or brackets
MODES = ("extractive", "generative")

TokenCallback = Callable[[str], None]


class Answer(BaseModel):
    """A grounded answer, its citations and how much of it the passages support."""

    answer: str
    citations: list[Citation]
    model: str
    grounded_sentences: int
    total_sentences: int
    covered: bool
    passages: list[Passage] = Field(default_factory=list)
    mode: Literal["extractive", "generative"] = "extractive"
    fell_back: bool = Field(default=False, description="The model's answer was rejected; extractive shown.")
    draft_grounded: int = Field(default=0, description="Grounded sentences of the model's own draft.")
    draft_total: int = Field(default=0, description="Sentences of the model's own draft.")
    stopped_on_repeat: bool = Field(default=False, description="The model repeated a sentence and was stopped there.")
    see_also: list[Citation] = Field(
        default_factory=list, description="Other retrieved sections worth reading (not cited in the answer)."
    )

    def public(self) -> dict[str, object]:
        """The documented JSON shape of ``coach ask --json``."""
        return {
            "answer": self.answer,
            "citations": [c.model_dump() for c in self.citations],
            "model": self.model,
            "grounded_sentences": self.grounded_sentences,
            "total_sentences": self.total_sentences,
        }


@dataclass
class Claim:
    """One answer sentence and the retrieved passages (0-based) that support it."""

    text: str
    sources: list[int]
    support: float = 1.0


class Composer:
    """Numbers citations in order of first use and writes the answer as it grows."""

    def __init__(
        self, passages: list[Passage], on_token: TokenCallback | None, allowed_domains: tuple[str, ...] = ()
    ) -> None:
        self.passages = passages
        self.on_token = on_token
        self.allowed_domains = allowed_domains
        self.seen: set[frozenset[str]] = set()
        self.numbers: dict[int, int] = {}
        self.quotes: dict[int, list[str]] = {}
        self.parts: list[str] = []

    def add(self, claim: Claim, quotes: Iterable[str]) -> bool:
        """Add a claim unless the output check rejects it or it repeats one already shown."""
        safe = check_output(claim.text, self.allowed_domains)
        if safe is None:
            return False
        key = frozenset(content_words(safe))
        if key in self.seen:
            return False
        self.seen.add(key)
        claim = Claim(safe, claim.sources, claim.support)
        marks = []
        for index, quote in zip(claim.sources, quotes, strict=True):
            number = self.numbers.setdefault(index, len(self.numbers) + 1)
            marks.append(f"[{number}]")
            self.quotes.setdefault(index, [])
            if quote not in self.quotes[index]:
                self.quotes[index].append(quote)
        body, end = _body_and_end(claim.text)
        sentence = f"{body} {''.join(marks)}{end}" if marks else f"{body}{end}"
        self.parts.append(sentence)
        if self.on_token is not None:
            self.on_token(sentence if len(self.parts) == 1 else " " + sentence)
        return True

    @property
    def text(self) -> str:
        return " ".join(self.parts)

    def citations(self) -> list[Citation]:
        ordered = sorted(self.numbers, key=self.numbers.__getitem__)
        return [Citation.from_passage(self.passages[i], " ".join(self.quotes[i])) for i in ordered]


def _body_and_end(text: str) -> tuple[str, str]:
    """A sentence without its final stop, and the stop, so citation marks go before it.

    A stop inside closing quotes or brackets moves outside them ('such as "we meet weekly."'
    becomes 'such as "we meet weekly" [1].'), so the marks stay in the sentence they cite.
    """
    text = text.rstrip()
    match = _CLOSED_STOP.search(text)
    if match:
        return text[: match.start()] + match.group(2), match.group(1)
    if text and text[-1] in ".!?":
        return text[:-1], text[-1]
    return text, "."


def _not_covered(passages: list[Passage], on_token: TokenCallback | None, mode: str) -> Answer:
    if on_token is not None:
        on_token(NOT_COVERED)
    closest = [Citation.from_passage(p) for p in passages[:CLOSEST_SHOWN]]
    return Answer(
        answer=NOT_COVERED,
        citations=closest,
        model=EXTRACTIVE_LABEL,
        grounded_sentences=0,
        total_sentences=0,
        covered=False,
        passages=passages,
        mode=mode,  # type: ignore[arg-type]
    )


def _extractive(
    question: str, safe: Neutralised, scorer: SupportScorer, on_token: TokenCallback | None, settings: Settings
) -> Composer:
    composer = Composer(safe.passages, on_token, settings.allowed_link_domains)
    for chosen in extractive.select(question, safe.passages, scorer):
        composer.add(Claim(chosen.text, [chosen.passage_index]), [chosen.text])
    return composer


def see_also(composer: Composer) -> list[Citation]:
    """Sections of other documents the answer did not cite, best first."""
    return [Citation.from_passage(p) for p in extractive.see_also(composer.passages, set(composer.numbers))]


def check_claim(
    sentence: str, shown: list[int], passages: list[Passage], scorer: SupportScorer, threshold: float
) -> Claim | None:
    """The sentence as a supported claim, or None if no shown passage supports it.

    Citations of passages the model was not shown are discarded. A sentence whose cited
    passage does not support it keeps the best other shown passage that does.
    """
    text = strip_citations(sentence)
    if not content_words(text):
        return None
    cited = [n - 1 for n in citation_ids(sentence) if n in shown]
    scores = {i: scorer.score(text, passages[i].text) for i in cited}
    supported = [i for i in cited if scores[i] >= threshold]
    if supported:
        return Claim(text, supported, max(scores[i] for i in supported))
    others = {n - 1: scorer.score(text, passages[n - 1].text) for n in shown if n - 1 not in scores}
    if others:
        best = max(others, key=others.__getitem__)
        if others[best] >= threshold:
            return Claim(text, [best], others[best])
    return None


def _best_quote(claim: Claim, passage: Passage, scorer: SupportScorer) -> str:
    from coach.answering.text import split_sentences

    sentences = split_sentences(passage.text) or [passage.text]
    vectors = scorer.vectors([claim.text, *sentences])
    return sentences[int((vectors[1:] @ vectors[0]).argmax())]


def answer_question(
    question: str,
    retriever: EmbeddingRetriever,
    settings: Settings,
    model: BaseChatModel | None = None,
    mode: str | None = None,
    k: int | None = None,
    on_token: TokenCallback | None = None,
) -> Answer:
    """Answer a question from the guidance, with verified citations.

    Args:
        question: The user's question.
        retriever: Finds passages; its ``embedder`` scores support.
        settings: Thresholds, default mode and model settings.
        model: The chat model for generative mode (built from settings if omitted).
        mode: ``extractive`` or ``generative``; defaults to ``settings.answer_mode``.
        k: Passages to retrieve; defaults to ``settings.retrieval_k``.
        on_token: Called with each piece of the answer as soon as it is verified.

    Raises:
        InputError: empty or overlong question, unknown mode.
        ModelError: the generative model's endpoint failed (with a fix hint).
    """
    question = " ".join(question.split())
    if not question:
        raise InputError("The question is empty.", hint="Ask something, e.g. 'How do I open a first session?'.")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"The question is longer than {MAX_QUESTION_CHARS} characters.", hint="Shorten it.")
    mode = mode or settings.answer_mode
    if mode not in MODES:
        raise InputError(f"Unknown answer mode '{mode}'.", hint=f"Use one of: {', '.join(MODES)}.")

    passages = retriever.retrieve(question, k=k)
    safe = neutralise(passages, question)
    if not passages or not covers(safe.passages, settings):
        return _not_covered(safe.passages, on_token, mode)
    scorer = SupportScorer(retriever.embedder)
    if mode == "extractive":
        composer = _extractive(question, safe, scorer, on_token, settings)
        if not composer.parts:
            return _not_covered(safe.passages, on_token, mode)
        n = len(composer.parts)
        return Answer(
            answer=composer.text,
            citations=composer.citations(),
            model=EXTRACTIVE_LABEL,
            grounded_sentences=n,
            total_sentences=n,
            covered=True,
            passages=safe.passages,
            mode="extractive",
            see_also=see_also(composer),
        )
    return _generative(question, safe, scorer, settings, model, k, on_token)


def _generative(
    question: str,
    safe: Neutralised,
    scorer: SupportScorer,
    settings: Settings,
    model: BaseChatModel | None,
    k: int | None,
    on_token: TokenCallback | None,
) -> Answer:
    from coach.answering.generative import stream_sentences
    from coach.llm.prompts import load_prompt
    from coach.llm.providers import build_chat_model, default_max_tokens, model_label

    model = model or build_chat_model(settings)
    limit = min(settings.answer_max_tokens, default_max_tokens(model))
    shown, sentences = stream_sentences(
        model,
        load_prompt("answer_question", settings.prompts_dir),
        question,
        safe.passages,
        limit,
        settings.answer_max_seconds,
    )
    composer = Composer(safe.passages, on_token, settings.allowed_link_domains)
    total, repeated = _compose_draft(sentences, shown, safe, scorer, settings, composer)
    close = getattr(sentences, "close", None)
    if close is not None:
        close()  # stops the model: nothing after a repeat or the last allowed sentence is generated
    draft_grounded = len(composer.parts)
    if not composer.parts:
        # Nothing usable (off-topic, unsupported, or an echoed injection): show the extractive answer.
        return _fallback_answer(question, safe, scorer, on_token, settings, total, repeated)
    return Answer(
        answer=composer.text,
        citations=composer.citations(),
        model=model_label(model),
        grounded_sentences=draft_grounded,
        total_sentences=total,
        covered=True,
        passages=safe.passages,
        mode="generative",
        draft_grounded=draft_grounded,
        draft_total=total,
        stopped_on_repeat=repeated,
        see_also=see_also(composer),
    )


def _compose_draft(
    sentences: Iterable[str],
    shown: list[int],
    safe: Neutralised,
    scorer: SupportScorer,
    settings: Settings,
    composer: Composer,
) -> tuple[int, bool]:
    """Add the model's verified sentences to ``composer``; returns (sentences read, stopped on a repeat).

    Sentences echoing a planted instruction are dropped, unsupported ones are left out, and
    the first repeat stops reading (a repeat is never counted as grounded twice).
    """
    total = 0
    said: set[frozenset[str]] = set()
    for sentence in sentences:
        total += 1
        if safe.echoes_injection(sentence):
            continue
        key = frozenset(content_words(strip_citations(sentence)))
        if key in said:
            return total, True
        said.add(key)
        claim = check_claim(sentence, shown, safe.passages, scorer, settings.grounding_threshold)
        if claim is not None:
            composer.add(claim, [_best_quote(claim, safe.passages[i], scorer) for i in claim.sources])
        if total >= settings.answer_max_sentences:
            break
    return total, False


def _fallback_answer(
    question: str,
    safe: Neutralised,
    scorer: SupportScorer,
    on_token: TokenCallback | None,
    settings: Settings,
    total: int,
    repeated: bool,
) -> Answer:
    """The extractive answer shown when the model's draft kept nothing (or "not covered")."""
    fallback = _extractive(question, safe, scorer, on_token, settings)
    if not fallback.parts:
        return _not_covered(safe.passages, on_token, "generative")
    n = len(fallback.parts)
    return Answer(
        answer=fallback.text,
        citations=fallback.citations(),
        model=EXTRACTIVE_LABEL,
        grounded_sentences=n,
        total_sentences=n,
        covered=True,
        passages=safe.passages,
        mode="generative",
        fell_back=True,
        draft_grounded=0,
        draft_total=total,
        stopped_on_repeat=repeated,
        see_also=see_also(fallback),
    )
