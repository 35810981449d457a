"""The stereotype check on statements as people write them (sarcasm, quotes, no group word)."""

from __future__ import annotations

import pytest

from coach.config import PROJECT_ROOT
from coach.evaluation.calibration import evaluate_stereotypes, load_jsonl
from coach.flows.stereotypes.check import check_stereotypes, load_taxonomy
from coach.flows.stereotypes.features import find_groups

VOICE = PROJECT_ROOT / "eval" / "datasets" / "user_voice_stereotypes.jsonl"


def test_voice_dataset_is_labelled_and_split() -> None:
    rows = load_jsonl(VOICE)
    categories = {c["id"] for c in load_taxonomy()["categories"]}
    assert len(rows) >= 80
    assert {r["split"] for r in rows} == {"dev", "test"}
    for row in rows:
        assert row["label"] in (0, 1)
        assert (row["category"] in categories) if row["label"] else row["category"] is None
    assert len({r["text"] for r in rows}) == len(rows)


@pytest.mark.slow
def test_voice_test_split_holds_its_measured_floors(embedder: object) -> None:
    """Precision (0.96) and category accuracy (0.80) meet their targets; recall (0.893) may not drop."""
    report = evaluate_stereotypes(load_jsonl(VOICE, "test"), embedder=embedder)  # type: ignore[arg-type]
    assert report.scores.precision >= 0.9
    assert report.scores.recall >= 0.89
    assert report.category_accuracy >= 0.8


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="recall 0.893 on the voice test split (25 of 28), target 0.9")
def test_voice_test_split_meets_the_recall_target(embedder: object) -> None:
    report = evaluate_stereotypes(load_jsonl(VOICE, "test"), embedder=embedder)  # type: ignore[arg-type]
    assert report.scores.recall >= 0.9


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("the greybeards on the board", "about older"),
        ("anyone born before the internet", "about older"),
        ("the over-40s in finance", "about older"),
        ("every zoomer I have met", "about younger"),
        ("the under-30s on the floor", "about younger"),
        ("someone still wet behind the ears", "about younger"),
        ("a team of twentysomethings", "about younger"),
    ],
)
def test_everyday_group_words_are_found(text: str, direction: str) -> None:
    groups = find_groups(text, load_taxonomy())
    assert groups and groups[0].direction == direction


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Gen Z treat every job as a stepping stone and jump ship after a year.", "loyalty-and-commitment"),
        ("The over-40s just won't budge on hybrid, they want everyone back at their desks.", "adaptability-to-change"),
        ("Zoomers do the bare minimum and clock off the second the shift ends.", "work-ethic"),
    ],
)
def test_everyday_cue_words_decide_the_category(embedder: object, text: str, category: str) -> None:
    check = check_stereotypes(text, embedder=embedder)  # type: ignore[arg-type]
    assert check.has_stereotype
    assert check.flags[0].category == category


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Boomers ruined the housing market and now they lecture us about work ethic.", None),
        ("Older managers just can't keep up with new software.", "technology-proficiency"),
    ],
)
def test_issue_examples(embedder: object, text: str, category: str | None) -> None:
    check = check_stereotypes(text, embedder=embedder)  # type: ignore[arg-type]
    assert check.has_stereotype
    if category:
        assert check.flags[0].category == category


@pytest.mark.slow
def test_explanation_is_for_the_category_and_side_found(embedder: object) -> None:
    taxonomy = {c["id"]: c for c in load_taxonomy()["categories"]}
    right = judged = 0
    for row in load_jsonl(VOICE, "test"):
        for flag in check_stereotypes(row["text"], embedder=embedder).flags:  # type: ignore[arg-type]
            side = "about_older" if flag.direction == "about older" else "about_younger"
            assert flag.explanation == taxonomy[flag.category][side]["explanation"]
            assert flag.reframe == taxonomy[flag.category][side]["reframe"]
            if row["label"]:
                judged += 1
                right += flag.direction == row["direction"]
    # The side is right for 0.958 of the flags (one "at that age" remark is read as about
    # older people); the explanation always follows the side found, never the other one.
    assert judged and right / judged >= 0.95
