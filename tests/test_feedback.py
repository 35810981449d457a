"""Feedback scorer: rubric levels, issues, rewrite, bad inputs and invariants."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coach.errors import InputError
from coach.flows.feedback.scoring import CRITERIA, PLACEHOLDERS, FeedbackScore, level_for, score_feedback
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.text import MAX_FEEDBACK_CHARS

STRONG = (
    "Thanks for making time for this. In Tuesday's budget review, when Priya started explaining the forecast, "
    "you cut in after about ten seconds and finished the point for her. She didn't speak again for the rest of "
    "the meeting. Next time, would you be willing to let her finish and then ask her a follow-up question?"
)


def check_invariants(text: str, result: FeedbackScore) -> None:
    assert set(result.criteria) == set(CRITERIA)
    for criterion in result.criteria.values():
        assert criterion.score in (0, 1, 2)
        assert criterion.met == (criterion.score == 2)
        assert criterion.evidence is None or criterion.evidence in text
    assert 0 <= result.overall <= 100
    assert result.level == level_for(result.overall)
    for issue in result.issues:
        assert issue.span in text
    for flag in result.stereotype_flags:
        assert text[flag.start : flag.end] == flag.span


@pytest.mark.parametrize(
    ("text", "expected", "expected_error"),
    [
        (STRONG, {"situation": 2, "behavior": 2, "impact": 2, "request": 2}, None),
        ("Nice work.", {"situation": 0, "behavior": 0, "impact": 0, "request": 0}, None),
        ("You always interrupt people. It's really annoying.", {"situation": 0, "respect": 0}, None),
        ("Maybe listen more?", {"request": 1, "situation": 0}, None),
        ("", None, "empty"),
        ("   \n\t ", None, "empty"),
    ],
)
def test_score_table(text: str, expected: dict[str, int] | None, expected_error: str | None) -> None:
    if expected_error:
        with pytest.raises(InputError, match=expected_error):
            score_feedback(text)
        return
    result = score_feedback(text)
    check_invariants(text, result)
    assert expected is not None
    for criterion, level in expected.items():
        assert result.criteria[criterion].score == level, criterion


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("Sorry, this is probably stupid, but maybe send the agenda earlier?", "hedging", "Sorry"),
        ("You never reply to the team chat.", "absolute", "never"),
        ("Nothing you do here is helping.", "absolute", "Nothing"),
        ("I've got nothing to add. You totally ignored Sam's point.", "absolute", "totally"),
        ("You're clueless about the new system.", "personal_attack", "clueless"),
        ("Great job on the launch!", "vague_praise", "Great job"),
        ("For someone your age you handled Teams well.", "age_coded", "For someone your age"),
    ],
)
def test_issues_carry_exact_spans(text: str, kind: str, span: str) -> None:
    issues = score_feedback(text).issues
    assert any(i.kind == kind and i.span == span for i in issues), issues


@pytest.mark.parametrize(
    "text",
    [
        "Um, this is probably nothing.",
        "Sorry, this is probably nothing, but maybe you could let people finish in meetings?",
        "I've got nothing to add; the demo went completely to plan.",
    ],
)
def test_soft_absolutes_not_about_the_listener_are_not_issues(text: str) -> None:
    assert not any(i.kind == "absolute" for i in score_feedback(text).issues)


def test_quoted_speech_is_not_judged_as_tone() -> None:
    text = "In Friday's review you said 'we've always done it this way' when I suggested the board. I felt unheard."
    assert not any(i.kind == "absolute" for i in score_feedback(text).issues)


def test_rewrite_keeps_facts_and_marks_gaps() -> None:
    text = "You sent the survey results to the wrong distribution list last month. Just be more careful."
    result = score_feedback(text)
    assert "You sent the survey results to the wrong distribution list last month." in result.rewrite
    assert PLACEHOLDERS["impact"] in result.rewrite
    assert "Just" not in result.rewrite


def test_rewrite_of_an_attack_is_placeholders_only() -> None:
    result = score_feedback("You're arrogant and useless.")
    assert "arrogant" not in result.rewrite
    for placeholder in PLACEHOLDERS.values():
        assert placeholder in result.rewrite


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4_000,
        ("In Monday's meeting you said the plan was final. " * 90),
        "Gracias por la reunión de ayer 🙏, pero interrumpiste a Ana tres veces.",
        "昨日の会議で、あなたは三回発言を遮りました。",
        "🔥🔥🔥 👍",
    ],
)
def test_long_foreign_and_emoji_text_does_not_crash(text: str) -> None:
    result = score_feedback(text)
    check_invariants(text, result)
    assert len(text) <= MAX_FEEDBACK_CHARS


@pytest.mark.parametrize("text", ["x" * 20_000, "In Monday's meeting you said the plan was final. " * 600])
def test_feedback_over_the_limit_is_refused_not_cut(text: str) -> None:
    with pytest.raises(InputError, match=f"limit is {MAX_FEEDBACK_CHARS:,}"):
        score_feedback(text)


def test_the_end_of_a_long_text_is_read() -> None:
    text = "You interrupted Sam twice in Tuesday's review. " * 90 + "Older people can't learn new tools."
    assert len(text) > 4000
    result = score_feedback(text)
    assert result.stereotype_flags and "Older people" in result.stereotype_flags[-1].span


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=400).filter(lambda t: t.strip()))
def test_output_always_validates(text: str) -> None:
    result = score_feedback(text)
    check_invariants(text, result)
    FeedbackScore.model_validate(result.model_dump())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "In Tuesday's review you cut Priya off.",
                "She stopped contributing afterwards.",
                "Could you let her finish next time?",
                "Sorry, maybe this is nothing.",
                "You always do this.",
                "Thanks for asking for feedback.",
                "Older managers never get hybrid.",
            ]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_composed_feedback_validates(parts: list[str]) -> None:
    text = " ".join(parts)
    check_invariants(text, score_feedback(text))


def test_cli_json_shape() -> None:
    from coach.commands.feedback import feedback_app

    result = CliRunner().invoke(feedback_app, ["score", STRONG, "--json", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {
        "criteria",
        "overall",
        "level",
        "issues",
        "stereotype_flags",
        "rewrite",
        "nothing_to_change",
        "tips",
    }
    assert set(data["criteria"]) == set(CRITERIA)
    assert set(data["criteria"]["situation"]) == {"met", "score", "evidence", "tip"}


@pytest.mark.integration
def test_age_coded_feedback_with_real_embedder(embedder: object) -> None:
    text = "Older managers like you tend to struggle with hybrid, so I'd let the team run those calls."
    result = score_feedback(text, embedder=embedder)  # type: ignore[arg-type]
    check_invariants(text, result)
    assert result.stereotype_flags
    assert result.criteria["respect"].score == 0


def test_feedback_weights_match_the_features() -> None:
    from coach.flows.feedback.features import HAND_FEATURES, model_layers, model_probabilities
    from coach.flows.feedback.scoring import load_weights

    weights = load_weights()
    assert weights is not None
    assert weights["split"] == "dev"
    assert weights["features"] == list(HAND_FEATURES)
    assert set(weights["criteria"]) == set(CRITERIA)
    assert all(isinstance(model["layer"], int) for model in weights["criteria"].values())
    hand = dict.fromkeys(HAND_FEATURES, 0.0)
    probabilities = model_probabilities(weights, hand, {layer: np.zeros(384) for layer in model_layers(weights)})
    levels = {criterion: int(np.argmax(p)) for criterion, p in probabilities.items()}
    assert set(levels) == set(CRITERIA)
    assert all(level in (0, 1, 2) for level in levels.values())


class _SentenceOnlyEmbedder:
    """Embeds whole texts but cannot pool hidden layers, so the fitted model cannot run."""

    name = "sentence-only"
    dimension = 384

    def embed(self, texts: list[str], progress: object = None) -> np.ndarray:
        return np.ones((len(texts), self.dimension), dtype=np.float32) / np.sqrt(self.dimension)


def test_embedder_without_layers_falls_back_to_the_rules() -> None:
    from coach.flows.feedback.scoring import analyse
    from coach.knowledge.embeddings import LayerEmbedder

    embedder = _SentenceOnlyEmbedder()
    assert not isinstance(embedder, LayerEmbedder)
    rules = {c: min(level, 2) for c, (level, _) in analyse(STRONG, embedder).best.items()}  # type: ignore[arg-type]
    fallback = score_feedback(STRONG, embedder=embedder)  # type: ignore[arg-type]
    assert {c: s.score for c, s in fallback.criteria.items()} == rules


@pytest.mark.integration
def test_embed_layer_pools_hidden_states(embedder: SentenceTransformerEmbedder) -> None:
    texts = ["You moved to the next slide while Priya was still answering.", "Thanks."]
    final = embedder.embed_layer(texts, 6)
    np.testing.assert_allclose(final, embedder.embed(texts), atol=1e-5)
    middle = embedder.embed_layer(texts, 4)
    np.testing.assert_allclose(np.linalg.norm(middle, axis=1), 1.0, atol=1e-5)
    assert float(middle[0] @ final[0]) < 0.99  # a different representation, not a copy
    with pytest.raises(ValueError, match="between 0 and 6"):
        embedder.embed_layer(texts, 7)


@pytest.mark.integration
def test_model_path_keeps_evidence_quoted(embedder: object) -> None:
    first = score_feedback(STRONG, embedder=embedder)  # type: ignore[arg-type]
    check_invariants(STRONG, first)
    assert first == score_feedback(STRONG, embedder=embedder)  # type: ignore[arg-type]
    assert all(c.evidence for name, c in first.criteria.items() if c.score > 0 and name != "respect")


@pytest.mark.parametrize(
    ("sentence", "level"),
    [
        ("You always interrupt people.", 1),
        ("You talked over Amira three times in the review, like you always do.", 2),
        ("You seemed bored during my presentation on Tuesday.", 1),
        ("In the team chat you can seem a bit short.", 1),
        ("Stop micromanaging the shift leads.", 1),
        ("You're too controlling.", 0),
        ("Can you send me the agenda 24 hours before each session from now on?", 0),
        ("Maybe loop in the front-desk team earlier?", 1),
        ("Could you stop messaging the team after 10pm?", 2),
        ("You sat at the back and did not step in once.", 2),
        ("You keep overwriting other people's edits in the shared doc.", 1),
    ],
)
def test_behavior_level_separates_habits_interpretations_and_pictures(sentence: str, level: int) -> None:
    from coach.flows.feedback.features import behavior_level

    assert behavior_level(sentence) == level


@pytest.mark.parametrize(
    ("sentence", "level"),
    [
        ("Two of the grads have asked to be moved off your project.", 2),
        ("The joke went down badly with a few people.", 1),
        ("Your slides use a small font.", 0),
    ],
)
def test_impact_level_reads_effects_on_people_and_work(sentence: str, level: int) -> None:
    from coach.flows.feedback.features import impact_level

    assert impact_level(sentence) == level


@pytest.mark.parametrize(
    "sentence",
    [
        "Lately you've been cc'ing my manager on everything we discuss.",
        "You did run about fifteen minutes over the slot in the keynote.",
        "You still print out every email the team sends you.",
    ],
)
def test_behavior_level_reads_present_perfect_and_emphatic_actions(sentence: str) -> None:
    from coach.flows.feedback.features import behavior_level

    assert behavior_level(sentence) >= 1


class _OtherModelEmbedder(_SentenceOnlyEmbedder):
    """A different embedding model (another name and vector length) with hidden layers."""

    name = "some-other-model"
    dimension = 8

    def embed_layer(self, texts: list[str], layer: int) -> np.ndarray:
        return self.embed(texts)


def test_weights_fitted_on_another_model_are_not_applied() -> None:
    from coach.flows.feedback.scoring import analyse, load_weights
    from coach.flows.stereotypes.check import check_stereotypes
    from coach.knowledge.embeddings import LayerEmbedder, fitted_for

    embedder = _OtherModelEmbedder()
    weights = load_weights()
    assert weights is not None and isinstance(embedder, LayerEmbedder)
    assert not fitted_for(weights, embedder)
    text = "Older managers never get Slack. " + STRONG
    rules = {c: min(level, 2) for c, (level, _) in analyse(text, embedder).best.items()}  # type: ignore[arg-type]
    result = score_feedback(text, embedder=embedder)  # type: ignore[arg-type]
    check_invariants(text, result)
    assert {c: s.score for c, s in result.criteria.items()} == rules
    assert check_stereotypes(text, embedder=embedder).has_stereotype  # type: ignore[arg-type]


@pytest.mark.integration
def test_weights_record_the_packaged_embedding_model(embedder: SentenceTransformerEmbedder) -> None:
    from coach.flows.feedback.scoring import load_weights
    from coach.knowledge.embeddings import fitted_for

    weights = load_weights()
    assert weights is not None and fitted_for(weights, embedder)
