"""Extractive answers to everyday questions: advice only, one guide's line of advice, honest gaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.answering import NOT_COVERED, answer_question
from coach.answering.coverage import best_lexical_score, best_similarity, covers
from coach.answering.extractive import advice_lines, candidates, is_example, see_also
from coach.answering.text import split_sentences
from coach.config import Settings
from coach.evaluation.users_voice import on_topic, usefulness
from coach.runtime import Runtime
from coach.schemas import Passage


def section(heading: str, text: str, source: str = "guide.md", index: int = 1) -> Passage:
    return Passage(id=f"p{index}", source=source, title="Guide", heading=heading, text=text, score=1.0)


STEREOTYPES = section(
    "Stereotypes > Communication style stereotypes about older colleagues",
    "Junior mentors can hold equally fixed views. Typical phrasings:\n"
    '- "Senior people only like long formal emails and meetings."\n'
    '- "Older leaders talk at you, not with you."\n\n'
    "This is a generalisation because senior communication habits often come from accountability.",
)
AGE_LOADED = section(
    "Asking > Avoiding age-loaded questions",
    "Age-loaded questions assume a person thinks a certain way because of their generation. Examples to avoid:\n"
    '- "Why does your generation always need feedback?"\n'
    '- "Can you explain this for someone my age?"\n'
    "Frame questions around roles, teams and situations rather than age.",
)
HABITS = section(
    "Tact > Tone",
    "Many junior mentors soften feedback so much that the message disappears. Habits to drop:\n"
    '- Opening with "Sorry, this is probably nothing, but..."\n'
    "- Apologizing again after the mentee has accepted the feedback.\n"
    "State the main point plainly, then offer one achievable next step.\n"
    '- Vague: "Look into social media more."\n'
    "- How many months will we meet, and how many sessions do we expect in total?\n"
    "- Reflecting on the journey: 15 minutes",
)


@pytest.mark.parametrize(
    ("passage", "kept", "left_out"),
    [
        (STEREOTYPES, "This is a generalisation", "Older leaders talk at you"),
        (AGE_LOADED, "Frame questions around roles", "Can you explain this for someone my age?"),
        (HABITS, "State the main point plainly", "Apologizing again after the mentee"),
    ],
)
def test_examples_to_avoid_and_quoted_stereotypes_are_never_advice(passage: Passage, kept: str, left_out: str) -> None:
    lines = [c.text for c in candidates([passage])]
    assert any(line.startswith(kept) for line in lines), lines
    assert not any(left_out in line for line in lines), lines


@pytest.mark.parametrize(
    ("sentence", "example"),
    [
        ("How many months will we meet, and how many sessions do we expect in total?", True),
        ('"Older leaders talk at you, not with you."', True),
        ('Vague: "Look into social media more."', True),
        ('About younger colleagues, people say: "They\'ll be gone in a year, so why invest?"', True),
        ("Reflecting on the journey: 15 minutes", True),
        ("Ask permission before giving feedback, then describe what you observed.", False),
        ('Say "That\'s useful" or "I hadn\'t seen it that way" before anything else.', False),
    ],
)
def test_is_example(sentence: str, example: bool) -> None:
    assert is_example(sentence) is example


def test_headings_are_not_answer_lines() -> None:
    passage = section("H", "## Reviewing action items\nStart each regular session by reviewing the previous items.")
    assert advice_lines(passage) == ["Start each regular session by reviewing the previous items."]


def test_see_also_lists_other_documents_once() -> None:
    passages = [section("A", "x", "a.md", 1), section("B", "y", "a.md", 2), section("C", "z", "b.md", 3)]
    assert [p.id for p in see_also(passages, used={0})] == ["p3"]


def test_usefulness_needs_a_labelled_guide_and_an_on_topic_cited_sentence() -> None:
    from coach.answering import Answer
    from coach.schemas import Citation

    cite = Citation(id="p1", source="knowledge/guides/independent-contact.md", title="T", quote="q")
    answer = Answer(
        answer="Sessions are repeatedly cancelled, so call the contact [1]. Keep notes short [1].",
        citations=[cite],
        model="extractive",
        grounded_sentences=2,
        total_sentences=2,
        covered=True,
    )
    assert on_topic("Sessions are repeatedly cancelled.", ["cancel"])
    assert usefulness(answer, {"independent-contact.md"}, ["cancel"]) == (1.0, 0.5)
    assert usefulness(answer, {"misaligned-goals.md"}, ["cancel"])[0] == 0.0
    assert usefulness(answer, {"independent-contact.md"}, ["survey"])[0] == 0.0


ISSUE_EXAMPLES = [
    pytest.param(
        "My senior mentee keeps cancelling our sessions at the last minute. What should I do?",
        ["cancel", "postpon", "protect", "resched", "priority"],
        ["end-of-cycle survey"],
    ),
    pytest.param(
        "How do I tell a VP that he talks over people?",
        ["feedback", "situation", "behavio", "impact", "observ", "request", "permission"],
        ["Older leaders talk at you"],
        # Known miss: the quoted stereotype is no longer offered, but the answer leads with the
        # confidentiality guide instead of the feedback guides.
        marks=pytest.mark.xfail(strict=True, reason="the answer does not yet lead with the feedback guides"),
    ),
    pytest.param(
        "As a senior mentee, how do I make it safe for a younger mentor to be honest with me?",
        ["safe", "honest", "candid", "criticism", "feedback", "thank"],
        ["Can you explain this for someone my age?"],
    ),
]


@pytest.mark.integration
@pytest.mark.parametrize(("question", "topic", "never"), ISSUE_EXAMPLES)
def test_everyday_questions_get_advice_on_their_topic(
    indexed_runtime: Runtime, question: str, topic: list[str], never: list[str]
) -> None:
    answer = answer_question(question, indexed_runtime.retriever, indexed_runtime.settings)
    assert answer.covered, answer.answer
    sentences = split_sentences(answer.answer)
    assert sentences and not any(s.rstrip("[]0123456789 .").endswith("?") for s in sentences), answer.answer
    assert any(on_topic(s, topic) for s in sentences), answer.answer
    assert not any(bad in answer.answer for bad in never), answer.answer
    # One guide's line of advice: the first cited section carries the answer.
    first = answer.citations[0].id
    assert sum(1 for s in sentences if "[1]" in s) >= len(sentences) / 2, answer.answer
    assert first not in {c.id for c in answer.see_also}


@pytest.mark.integration
def test_everyday_out_of_scope_question_is_declined(indexed_runtime: Runtime) -> None:
    answer = answer_question("best pizza place near the office?", indexed_runtime.retriever, indexed_runtime.settings)
    assert answer.answer == NOT_COVERED and not answer.covered
    assert all(Path(c.source).suffix == ".md" for c in answer.citations)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("my exec keeps bailing on our catchups, third time this month", True),
        ("is the canteen open on saturdays", False),
    ],
)
def test_coverage_just_under_the_passage_threshold(indexed_runtime: Runtime, question: str, expected: bool) -> None:
    """Both questions' closest sections sit between the floor and ``min_relevance``; how close a
    section's phrasings come decides (with the default settings: phrasings matched, not ranked):
    the cancelled-sessions section's for the first, none for the second."""
    settings, retriever = indexed_runtime.settings, indexed_runtime.retriever
    assert settings.phrasing_matches and settings.phrasing_weight == 0
    passages = retriever.retrieve(question)
    assert settings.min_relevance_floor <= best_similarity(passages) < settings.min_relevance
    assert covers(passages, settings) is expected
    answer = answer_question(question, retriever, settings)
    assert answer.covered is expected, answer.answer
    if expected:
        assert any(on_topic(s, ["cancel", "postpon", "resched", "moved"]) for s in split_sentences(answer.answer))


def test_coverage_thresholds() -> None:
    config = Settings(min_relevance=0.35, min_relevance_floor=0.25, min_phrasing_relevance=0.45)
    base = section("A > B", "Keep the request to one action.")

    def passage(similarity: float, phrasing: float | None) -> list[Passage]:
        return [base.model_copy(update={"similarity": similarity, "phrasing_similarity": phrasing})]

    assert covers(passage(0.36, None), config)
    assert covers(passage(0.30, 0.50), config)
    assert not covers(passage(0.30, 0.40), config)  # phrasings not close enough
    assert not covers(passage(0.20, 0.90), config)  # under the floor, however close a phrasing
    assert not covers(passage(0.30, None), config)  # a user's document has no phrasings


def test_a_guide_passage_barely_past_the_threshold_needs_a_phrasing_near_the_question() -> None:
    config = Settings(min_relevance=0.35, weak_relevance=0.42, min_phrasing_support=0.32)
    base = section("A > B", "Keep the request to one action.")

    def passages(*pairs: tuple[float, float | None]) -> list[Passage]:
        return [base.model_copy(update={"similarity": s, "phrasing_similarity": p}) for s, p in pairs]

    assert not covers(passages((0.37, 0.28)), config)  # "when is the review form deadline"
    assert covers(passages((0.37, 0.34)), config)  # a section's phrasing is near enough
    assert covers(passages((0.45, 0.20)), config)  # clearly close passages need no phrasing
    assert covers(passages((0.37, None)), config)  # a user's own document: no phrasings to ask
    assert covers(passages((0.37, 0.28), (0.36, None)), config)  # a user's document is also past the threshold


def test_a_question_sharing_several_of_a_guides_words_is_covered() -> None:
    config = Settings(
        min_relevance=0.35,
        min_relevance_floor=0.25,
        min_phrasing_relevance=0.45,
        min_lexical_score=3.7,
        min_lexical_floor=0.2,
        min_lexical_phrasing=0.35,
    )
    base = section("A > B", "Keep the request to one action.")

    def passages(similarity: float, phrasing: float | None, lexical: float | None) -> list[Passage]:
        update = {"similarity": similarity, "phrasing_similarity": phrasing, "lexical_score": lexical}
        return [base.model_copy(update=update)]

    assert covers(passages(0.23, 0.40, 4.3), config)  # several distinctive words shared
    assert not covers(passages(0.23, 0.40, 3.5), config)  # a few words in common is not enough
    assert not covers(passages(0.15, 0.40, 6.0), config)  # far off in meaning, whatever the words
    assert not covers(passages(0.23, 0.40, None), config)  # the lexical ranking did not find it
    assert not covers(passages(0.26, 0.33, 4.8), config)  # a long office message: no section asked for
    assert not covers(passages(0.26, None, 4.8), config)  # a user's own document: no phrasings
    assert not covers(passages(0.23, 0.40, 9.0), config.model_copy(update={"min_lexical_score": 0.0}))  # off


@pytest.mark.integration
def test_a_situation_told_in_the_guides_words_is_answered(indexed_runtime: Runtime) -> None:
    """The meaning vector of this message sits far from every passage, but it shares "SWOT"
    and "copies" with the SWOT guide's section on sharing, which answers it."""
    settings, retriever = indexed_runtime.settings, indexed_runtime.retriever
    question = "our L&D head wants copies of everyones SWOT forms. am i ok to send them?"
    off = settings.model_copy(update={"min_lexical_score": 0.0})
    assert not answer_question(question, retriever, off).covered
    answer = answer_question(question, retriever, settings)
    assert answer.covered, answer.answer
    assert any(Path(c.source).name == "personal-swot.md" for c in answer.citations)
    assert "consent" in answer.answer


@pytest.mark.integration
def test_a_long_office_message_sharing_the_guides_words_is_still_declined(indexed_runtime: Runtime) -> None:
    """Its words reach the BM25 score (manager, sign, finance...), but no section's phrasing is near it."""
    settings, retriever = indexed_runtime.settings, indexed_runtime.retriever
    question = (
        "how do i get my expenses approved faster, my manager takes weeks to sign them off "
        "and finance keeps sending them back"
    )
    passages = retriever.retrieve(question)
    assert best_lexical_score(passages) >= settings.min_lexical_score
    assert not covers(passages, settings)
    assert not answer_question(question, retriever, settings).covered


def test_citation_marks_stay_inside_a_sentence_that_ends_in_a_quotation() -> None:
    from coach.answering.pipeline import Claim, Composer

    composer = Composer([section("A > B", "text")], None)
    composer.add(Claim('Agree what you may say to colleagues, such as "we meet every two weeks."', [0]), ["q"])
    composer.add(Claim("Keep the request to one action.", [0]), ["q"])
    assert composer.text == (
        'Agree what you may say to colleagues, such as "we meet every two weeks" [1]. '
        "Keep the request to one action [1]."
    )
    assert len(split_sentences(composer.text)) == 2  # the marks are not left as a sentence of their own


def test_matching_phrasings_leaves_the_ranking_alone(indexed_runtime: Runtime) -> None:
    """At weight 0 the phrasings only annotate passages (for coverage and answer lines); the
    passages and their order are those of dense + lexical retrieval alone."""
    from coach.knowledge.retrieval import HybridRetriever

    question = "my exec keeps bailing on our catchups, third time this month"
    plain = indexed_runtime.settings.model_copy(update={"phrasing_matches": False, "phrasing_weight": 0.0})
    without = HybridRetriever(indexed_runtime.store, indexed_runtime.embedder, plain).retrieve(question)
    matched = indexed_runtime.retriever.retrieve(question)
    assert [p.id for p in matched] == [p.id for p in without]
    assert all(p.phrasing_similarity is None for p in without)
    assert any(p.phrasing_similarity is not None for p in matched)
