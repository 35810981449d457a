"""Question preparation: open, non-leading questions a senior mentee can ask their mentor.

The offline path fills templates from ``knowledge/data/question_templates.yaml`` with the
topic, picks the best-fitting ones for the topic and the mentee profile, and keeps only
questions that pass the checks (open, not leading, no stereotype flagged). A capable chat
model may propose questions first; they go through the same checks and the templates fill
any gap. Every question cites passages the retriever returned. The template library and how its
templates are ranked live in ``coach.flows.questions.templates``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, Field, PrivateAttr

from coach.errors import CoachError, InputError
from coach.flows.agenda.blocks import embedder_of, words
from coach.flows.questions.fit import TopicForms, concern_of, topic_forms
from coach.flows.questions.templates import (
    GROUPS,
    Group,
    Template,
    TemplateGroup,
    TemplateLibrary,
    load_templates,
    parse_templates,
    template_scores,
)
from coach.ports import Retriever, profile_of
from coach.schemas import Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.ports import Embedder

__all__ = [
    "GROUPS",
    "Group",
    "PreparedQuestion",
    "QuestionSet",
    "Template",
    "TemplateGroup",
    "TemplateLibrary",
    "is_open_question",
    "load_templates",
    "neutral_topic",
    "parse_templates",
    "prepare_questions",
    "question_problems",
    "slot_topic",
]

OPEN_QUESTIONS_GUIDE = "knowledge/guides/asking-open-questions.md"
OPEN_QUESTIONS_QUERY = "asking open, non-leading questions as a senior mentee"
NEUTRAL_TOPIC = "this topic"
MIN_COUNT = 5
MAX_COUNT = 10
MAX_TOPIC_CHARS = 150
MAX_PROFILE_CHARS = 1000
MAX_QUESTION_CHARS = 240
RETRIEVAL_K = 6
DUPLICATE_SIMILARITY = 90.0
CONCERN_WHY = "Puts the concern you came with on the table, so the mentor can speak to it directly."


# fmt: off
CLOSED_STARTERS = frozenset({
    "is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "would", "will", "should", "shall",
    "have", "has", "had", "may", "might", "must", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't",
    "didn't", "can't", "couldn't", "wouldn't", "won't", "shouldn't", "haven't", "hasn't",
})
# fmt: on
_LEADING = re.compile(
    r"\b(?:don'?t|wouldn'?t|isn'?t|aren'?t|doesn'?t|won'?t|can'?t|shouldn'?t) (?:you|it|they|we|that)\b"
    r"|\b(?:surely|obviously|of course|admit)\b|\bagree that\b|\byou must\b|,\s*right\s*\?|\bright\?\s*$",
    re.IGNORECASE,
)
# fmt: off
_LOWERCASE_STARTERS = frozenset({
    "how", "what", "why", "when", "where", "which", "who", "using", "working", "building", "making", "running",
    "choosing", "writing", "our", "my", "the", "a", "an", "your", "their", "its", "this", "these", "those",
    "getting", "giving", "taking", "managing", "leading", "hiring",
})
# fmt: on

_CLAUSE_OPENERS = (("how to ", "ways to "), ("how ", "the way "), ("why ", "the reasons why "))


class PreparedQuestion(BaseModel):
    """One question with its group, why it is worth asking, and the passages behind it."""

    text: str
    group: Group
    why: str
    citations: list[str]
    _template: str = PrivateAttr(default="")


class QuestionSet(BaseModel):
    """Five to ten checked questions, grouped understand / explore / apply."""

    questions: list[PreparedQuestion]
    topic: str = Field(default="", exclude=True)
    source: Literal["templates", "model"] = Field(default="templates", exclude=True)
    dropped: list[str] = Field(default_factory=list, exclude=True, description="Questions that failed a check.")

    def public(self) -> dict[str, Any]:
        """Exactly the documented JSON shape of ``coach questions --json``."""
        return {"questions": [q.model_dump() for q in self.questions]}


def question_problems(text: str) -> list[str]:
    """Why ``text`` is not an open, non-leading question (empty when it is fine)."""
    problems: list[str] = []
    stripped = text.strip()
    first = re.split(r"[\s,]+", stripped.lower(), maxsplit=1)[0] if stripped else ""
    if not stripped:
        return ["empty"]
    if first.replace("’", "'") in CLOSED_STARTERS:
        problems.append(f"closed: starts with '{first}', which invites a yes or no")
    if _LEADING.search(stripped.replace("’", "'")):
        problems.append("leading: suggests the answer")
    if len(stripped) > MAX_QUESTION_CHARS:
        problems.append("too long")
    if not (stripped.endswith("?") or stripped.lower().startswith(("tell me", "walk me through", "describe"))):
        problems.append("not phrased as a question or an invitation")
    return problems


def is_open_question(text: str) -> bool:
    """True for an open, non-leading question."""
    return not question_problems(text)


def slot_topic(topic: str) -> str:
    """The topic as it reads inside a sentence: trimmed, no final punctuation, lower-cased opener."""
    topic = " ".join(topic.split()).strip(" .?!;:")
    if len(topic) > MAX_TOPIC_CHARS:
        topic = topic[:MAX_TOPIC_CHARS].rsplit(" ", 1)[0]
    first, _, rest = topic.partition(" ")
    if first.lower() in _LOWERCASE_STARTERS and not first.isupper():
        topic = f"{first.lower()} {rest}".strip()
    for clause, noun in _CLAUSE_OPENERS:  # "how X works" reads as a noun phrase once it is "the way X works"
        if topic.startswith(clause) and len(topic) > len(clause):
            return noun + topic[len(clause) :]
    return topic


def prepare_questions(
    mentee: str, topic: str, retriever: Retriever, model: BaseChatModel | None = None, count: int = 8
) -> QuestionSet:
    """Prepare ``count`` (5 to 10) open questions about ``topic`` for the senior mentee.

    Args:
        mentee: The mentee's profile in free text (may be empty); it helps choose templates.
        topic: What the mentee wants to learn about.
        retriever: Where guidance passages come from.
        model: Optional chat model; a capable one may propose questions, which are checked
            like the templates' and topped up from them.
        count: How many questions, 5 to 10.

    Raises:
        InputError: empty topic or a count outside 5..10.
    """
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise InputError(
            f"The number of questions must be between {MIN_COUNT} and {MAX_COUNT} (got {count}).",
            hint=f"Pass --count with a value from {MIN_COUNT} to {MAX_COUNT}.",
        )
    topic_text = slot_topic(topic)
    if not words(topic_text) and not topic_text.strip():
        raise InputError("The topic is empty.", hint='Say what you want to learn about, e.g. --topic "team chat".')
    mentee = " ".join(mentee.split())[:MAX_PROFILE_CHARS]
    library = load_templates()
    quotas = _quotas(count)
    citations = _citations(topic_text, library, retriever)

    chosen: list[PreparedQuestion] = []
    dropped: list[str] = []
    source: Literal["templates", "model"] = "templates"
    if model is not None:
        proposed = _model_questions(model, mentee, topic_text, count, citations)
        accepted = _accept(proposed, quotas, chosen, dropped, cast("Embedder | None", embedder_of(retriever)))
        source = "model" if accepted else "templates"

    neutral = neutral_topic(topic_text, library) or topic_text
    forms = topic_forms(neutral)
    scores = template_scores(library, topic_text, mentee, embedder_of(retriever), forms)
    concern = concern_of(mentee)
    if concern:
        _accept([_concern_question(concern, citations)], quotas, chosen, dropped)
    # Questions never repeat a generation label from the topic: asking about "Gen Z staff"
    # frames the conversation by age, which the open-questions guidance advises against.
    for phrase in dict.fromkeys((neutral, NEUTRAL_TOPIC)):
        if all(_in_group(chosen, g) >= quotas[g] for g in GROUPS):
            break
        if phrase:
            forms = topic_forms(phrase) if phrase != NEUTRAL_TOPIC else TopicForms(None, phrase)
            _accept(_from_templates(library, forms, scores, citations), quotas, chosen, dropped)
    chosen.sort(key=lambda q: GROUPS.index(q.group))
    return QuestionSet(questions=chosen, topic=topic_text, source=source, dropped=dropped)


def _quotas(count: int) -> dict[Group, int]:
    base, extra = divmod(count, len(GROUPS))
    return {g: base + (1 if i < extra else 0) for i, g in enumerate(GROUPS)}


def _in_group(questions: list[PreparedQuestion], group: Group) -> int:
    return sum(1 for q in questions if q.group == group)


def _accept(
    candidates: list[PreparedQuestion],
    quotas: dict[Group, int],
    chosen: list[PreparedQuestion],
    dropped: list[str],
    embedder: Embedder | None = None,
) -> int:
    """Add candidates that pass every check, are new and fit their group's quota.

    The stereotype check uses ``embedder`` when given (free-form model proposals); the
    templates were written to pass it and are checked with the fast keyword rules.
    """
    from coach.flows.stereotypes.check import check_stereotypes

    added = 0
    for candidate in candidates:
        if _in_group(chosen, candidate.group) >= quotas[candidate.group]:
            continue
        if _is_duplicate(candidate.text, chosen) or _same_template(candidate, chosen):
            continue
        if question_problems(candidate.text) or check_stereotypes(candidate.text, embedder=embedder).has_stereotype:
            dropped.append(candidate.text)
            continue
        chosen.append(candidate)
        added += 1
    return added


def _same_template(candidate: PreparedQuestion, chosen: list[PreparedQuestion]) -> bool:
    """A set never uses one template twice (not even filled with a different phrase)."""
    return bool(candidate._template) and any(q._template == candidate._template for q in chosen)


def _concern_question(concern: str, citations: dict[Group, list[list[str]]]) -> PreparedQuestion:
    refs = citations["explore"]
    return PreparedQuestion(
        text=f"What would you say to my concern {concern}?",
        group="explore",
        why=CONCERN_WHY,
        citations=refs[0] if refs else [],
    )


def _is_duplicate(text: str, chosen: list[PreparedQuestion]) -> bool:
    from rapidfuzz import fuzz

    key = text.casefold()
    return any(fuzz.ratio(key, q.text.casefold()) >= DUPLICATE_SIMILARITY for q in chosen)


def neutral_topic(topic: str, library: TemplateLibrary) -> str:
    """The topic without age or generation labels, which questions never repeat."""
    text = topic
    for label in sorted(library.age_labels, key=len, reverse=True):
        text = re.sub(rf"(?i)(?<!\w){re.escape(label)}(?!\w)", " ", text)
    return " ".join(text.split()).strip(" ,;:-")


def _from_templates(
    library: TemplateLibrary,
    forms: TopicForms,
    scores: dict[Group, list[float]],
    citations: dict[Group, list[list[str]]],
) -> list[PreparedQuestion]:
    """Every template filled with the topic's clause (templates that take one) or noun form,
    best fit first within each group (ties: file order)."""
    out: list[PreparedQuestion] = []
    for group in GROUPS:
        templates = library.groups[group].templates
        order = sorted(range(len(templates)), key=lambda i: (-round(scores[group][i], 6), i))
        refs = citations[group]
        for rank, i in enumerate(order):
            template = templates[i]
            phrase = forms.clause if template.clause and forms.clause else forms.noun
            question = PreparedQuestion(
                text=template.text.format(topic=phrase),
                group=group,
                why=template.why,
                citations=refs[rank % len(refs)] if refs else [],
            )
            question._template = template.text
            out.append(question)
    return out


def _citations(topic: str, library: TemplateLibrary, retriever: Retriever) -> dict[Group, list[list[str]]]:
    """Per group, a rotation of citation lists: one topic passage plus the open-questions guidance."""
    guide = retriever.retrieve(OPEN_QUESTIONS_QUERY, k=RETRIEVAL_K)
    open_ids = [p.id for p in guide if p.source == OPEN_QUESTIONS_GUIDE][:1] or [p.id for p in guide[:1]]
    result: dict[Group, list[list[str]]] = {}
    for group in GROUPS:
        hint = library.groups[group].retrieval_hint
        passages: list[Passage] = retriever.retrieve(f"{topic}: {hint}", k=RETRIEVAL_K)
        topical = [p.id for p in passages if p.source != OPEN_QUESTIONS_GUIDE and p.id not in open_ids][:3]
        result[group] = [[t, *open_ids] for t in topical] or ([open_ids] if open_ids else [])
    return result


class _ProposedQuestion(BaseModel):
    text: str = Field(min_length=5, max_length=MAX_QUESTION_CHARS)
    group: Group
    why: str = Field(min_length=5, max_length=300)


class _Proposal(BaseModel):
    questions: list[_ProposedQuestion] = Field(max_length=15)


def _model_questions(
    model: BaseChatModel, mentee: str, topic: str, count: int, citations: dict[Group, list[list[str]]]
) -> list[PreparedQuestion]:
    """Questions a capable model proposes (unchecked), or none."""
    try:
        from coach.llm.prompts import load_prompt
        from coach.llm.structured import generate_structured
    except ImportError:
        return []
    if not profile_of(model).structured_output:
        return []
    try:
        result = generate_structured(
            model,
            load_prompt("questions_propose"),
            {"mentee": mentee or "(not given)", "topic": topic, "count": str(count)},
            _Proposal,
            fallback=lambda: _Proposal(questions=[]),
        )
    except CoachError:
        return []
    proposed: list[PreparedQuestion] = []
    for n, item in enumerate(result.value.questions):
        refs = citations[item.group]
        text = " ".join(item.text.split())
        proposed.append(
            PreparedQuestion(
                text=text, group=item.group, why=item.why.strip(), citations=refs[n % len(refs)] if refs else []
            )
        )
    return proposed
