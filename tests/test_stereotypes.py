"""Stereotype checker: detection both ways, exact spans, debunks left alone, reflection."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coach.errors import InputError
from coach.flows.stereotypes.check import GUIDED_QUESTIONS, StereotypeCheck, check_stereotypes, reflect
from coach.flows.stereotypes.features import load_taxonomy

CATEGORY_IDS = {c["id"] for c in load_taxonomy()["categories"]}


def check_spans(text: str, result: StereotypeCheck) -> None:
    assert result.has_stereotype == bool(result.flags)
    for flag in result.flags:
        assert text[flag.start : flag.end] == flag.span
        assert flag.category in CATEGORY_IDS
        assert flag.reflection_questions


@pytest.mark.parametrize(
    ("text", "flagged", "direction", "expected_error"),
    [
        ("Boomers can't use technology, they never will.", True, "about older", None),
        ("Millennials are all lazy and entitled.", True, "about younger", None),
        ("The weekly review moved to Thursday.", False, None, None),
        ("It's a myth that older workers can't learn new tools.", False, None, None),
        ("", None, None, "empty"),
        ("  ", None, None, "empty"),
    ],
)
def test_keyword_table(text: str, flagged: bool | None, direction: str | None, expected_error: str | None) -> None:
    if expected_error:
        with pytest.raises(InputError, match=expected_error):
            check_stereotypes(text)
        return
    result = check_stereotypes(text)
    check_spans(text, result)
    assert result.has_stereotype is flagged
    if direction:
        assert result.flags[0].direction == direction


def test_flags_only_the_offending_sentence() -> None:
    text = "Our pilot went well. Gen Z always expect a promotion after six months!  The room is booked."
    result = check_stereotypes(text)
    check_spans(text, result)
    assert [f.span for f in result.flags] == ["Gen Z always expect a promotion after six months!"]
    assert result.flags[0].citations == []  # no retriever given


@pytest.mark.parametrize(
    "text", ["x" * 20_000, "Los jóvenes 🙄 siempre llegan tarde.", "年配の人は新しい技術が苦手だ。", "👴👶"]
)
def test_odd_inputs_do_not_crash(text: str) -> None:
    check_spans(text, check_stereotypes(text))


@settings(max_examples=80, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(lambda t: t.strip()))
def test_spans_index_the_original_text(text: str) -> None:
    check_spans(text, check_stereotypes(text))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "  Boomers never answer the chat.",
                "The meeting ran late.\n\n",
                "Kids these days can't write an email!",
                "“Quoted” words, and café au lait…",
                "At his age he's too set in his ways.",
            ]
        ),
        min_size=1,
        max_size=5,
    )
)
def test_spans_survive_whitespace_and_punctuation(parts: list[str]) -> None:
    text = " ".join(parts)
    check_spans(text, check_stereotypes(text))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "flagged", "direction"),
    [
        ("At his age he's too set in his ways.", True, "about older"),
        ("She looks about twelve, the board won't take her seriously.", True, "about younger"),
        ("My mentee is 62 and runs our automation workflows.", False, None),
        ("People assume graduates job-hop, but ours have stayed longest.", False, None),
        ("Is it fair to call him old-fashioned, or has nobody explained the change?", False, None),
    ],
)
def test_with_real_embedder(embedder: object, text: str, flagged: bool, direction: str | None) -> None:
    result = check_stereotypes(text, embedder=embedder)  # type: ignore[arg-type]
    check_spans(text, result)
    assert result.has_stereotype is flagged
    if direction:
        assert result.flags[0].direction == direction


@pytest.mark.integration
def test_reflect_is_grounded(indexed_runtime: object) -> None:
    runtime = indexed_runtime
    text = "Older people are set in their ways, so don't bother showing him the new dashboard."
    result = reflect(text, retriever=runtime.retriever, embedder=runtime.embedder)  # type: ignore[attr-defined]
    assert result.check.has_stereotype
    assert result.questions[: len(GUIDED_QUESTIONS)] == list(GUIDED_QUESTIONS)
    assert result.citations
    assert all(f"[{c.id}]" in result.reframe or c.quote for c in result.citations)
    flag = result.check.flags[0]
    assert flag.citations and set(flag.citations) <= {c.id for c in result.citations} | set(flag.citations)


def test_cli_check_json_shape() -> None:
    from coach.commands.stereotypes import stereotypes_app

    result = CliRunner().invoke(stereotypes_app, ["check", "Millennials are all lazy.", "--json", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"has_stereotype", "flags"}
    assert set(data["flags"][0]) == {
        "span",
        "start",
        "end",
        "category",
        "direction",
        "explanation",
        "reframe",
        "reflection_questions",
        "citations",
    }
