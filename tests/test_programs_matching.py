"""Matching: the participant file, scoring, hard constraints, the global solve, pins and forbids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.config import PROJECT_ROOT
from coach.errors import InputError
from coach.programs import match_cohort
from coach.programs.availability import overlap_hours
from coach.programs.constraints import management_chain
from coach.programs.csv_import import COLUMNS, read_participants, write_participants
from coach.programs.profiles import parse_slot
from coach.programs.scoring import ScoreTable
from coach.programs.solver import solve
from coach.programs.weights import load_weights
from tests.programs_fixtures import WordEmbedder, person

HEADER = ",".join(COLUMNS)


# --- the participant file ---------------------------------------------------------------
def test_csv_keeps_good_rows_and_reports_each_bad_row_on_its_own_line() -> None:
    text = "\n".join(
        [
            HEADER,
            "ana@ex.org,Ana,mentor,Sales,,TikTok;Canva,,jazz,,Tue 14-16,Europe/London",
            "bo@ex.org,Bo,boss,Sales,,,,,,,UTC",
            ",Nameless,mentee,,,,,,,,UTC",
            "cy@ex.org,Cy,mentee,Finance,,,short-form video,jazz;chess,learn social media,Tue 15-17;Fri 9-10,Europe/Paris",
            "dee@ex.org,Dee,mentee,,,,,,,Tuesday at noon,UTC",
            "eve@ex.org,Eve,mentee,,,,,,,Tue 9-10,Mars/Olympus",
            "ana@ex.org,Ana again,mentee,,,,,,,,UTC",
            "fay@ex.org,Fay,mentee,,fay@ex.org,,,,,,UTC",
            "not-an-email,Gus,mentee,,,,,,,,UTC",
        ]
    )
    result = read_participants(text)
    assert [p.email for p in result.profiles] == ["ana@ex.org", "cy@ex.org"]
    cy = result.profiles[1]
    assert cy.skills_wanted == ["short-form video"] and cy.interests == ["jazz", "chess"]
    assert [s.label() for s in cy.availability] == ["Tue 15-17", "Fri 9-10"]
    lines = result.report().splitlines()
    assert len(lines) == 7
    expected = [
        (3, "role 'boss'"),
        (4, "email is empty"),
        (6, "Cannot read availability 'Tuesday at noon'"),
        (7, "Unknown time zone 'Mars/Olympus'"),
        (8, "same email appears on an earlier row"),
        (9, "manager_email is the person's own email"),
        (10, "not an email address"),
    ]
    for line, (number, message) in zip(lines, expected, strict=True):
        assert line.startswith(f"line {number}") and message in line, line


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "empty"), ("name,role\nAna,mentor\n", "no email column"), ("email,name\na@b.org,A\n", "no role column")],
)
def test_csv_that_is_unusable_as_a_whole_is_one_clear_error(text: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        read_participants(text)


def test_csv_round_trips_through_the_writer() -> None:
    people = [
        person(
            "a@ex.org",
            "mentor",
            skills_offered=["SQL", "Python"],
            interests=["chess"],
            timezone="Asia/Kolkata",
            availability=["Mon 9:30-11", "Thu 14-16"],
            manager_email="boss@ex.org",
            department="Data",
        ),
        person("b@ex.org", "mentee", skills_wanted=["dashboards"], goals=["read data better"]),
    ]
    again = read_participants(write_participants(people))
    assert not again.errors
    assert again.profiles == people


@pytest.mark.parametrize(
    ("text", "label", "error"),
    [
        ("Tue 14-16", "Tue 14-16", None),
        ("thursday 9:30-11", "Thu 9:30-11", None),
        ("Sun 0-24", "Sun 0-24", None),
        ("Tue 16-14", None, "does not run forward"),
        ("Tue 14:75-16", None, "does not run forward"),
        ("Someday 9-10", None, "Cannot read"),
        ("14-16", None, "Cannot read"),
    ],
)
def test_availability_items(text: str, label: str | None, error: str | None) -> None:
    if error:
        with pytest.raises(InputError, match=error):
            parse_slot(text)
    else:
        assert parse_slot(text).label() == label


# --- time zones -------------------------------------------------------------------------
def test_overlap_is_compared_in_utc_with_each_zones_offset_on_the_reference_dates() -> None:
    weights = load_weights()
    london = person("l@ex.org", "mentor", availability=["Tue 14-16"], timezone="Europe/London")
    new_york = person("n@ex.org", "mentee", availability=["Tue 9-11"], timezone="America/New_York")
    kolkata = person("k@ex.org", "mentee", availability=["Tue 14-16"], timezone="Asia/Kolkata")
    winter = overlap_hours([london], [new_york, kolkata], weights.reference_week)
    assert winter.tolist() == [[2.0, 0.0]]  # 14:00 London = 9:00 New York in January
    from datetime import date

    # In the week of 10 March 2025 New York is on daylight time and London is not yet: one hour apart less.
    march = overlap_hours([london], [new_york], date(2025, 3, 10))
    assert march.tolist() == [[1.0]]


# --- scoring and explanations -------------------------------------------------------------
def test_each_pair_has_every_component_and_the_words_that_matched() -> None:
    people = [
        person("m@ex.org", "mentor", skills_offered=["python scripting"], interests=["jazz piano"]),
        person(
            "e@ex.org",
            "mentee",
            skills_wanted=["python scripting"],
            interests=["jazz piano"],
            goals=["automate python scripting"],
        ),
    ]
    matching = match_cohort(people, WordEmbedder())
    [pair] = matching.pairs
    assert set(pair.components) == {"skills", "interests", "goals", "swot", "availability"}
    assert pair.components["skills"] == pytest.approx(1.0, abs=1e-5)
    assert pair.components["availability"] == 1.0
    assert any("wants 'python scripting', offers 'python scripting'" in w for w in pair.why)
    assert any(w == "interests: both like 'jazz piano'" for w in pair.why)
    assert any(w.startswith("availability: 2 h a week") for w in pair.why)
    # The mentee has no SWOT, so the score is the weighted mean of the other four components.
    w = load_weights().normalised()
    expected = sum(w[c] * pair.components[c] for c in ("skills", "interests", "goals", "availability"))
    assert pair.score == pytest.approx(expected / (1 - w["swot"]), abs=1e-4)


def test_program_overrides_change_the_matching() -> None:
    people = [
        person("skills@ex.org", "mentor", skills_offered=["excel macros"], availability=["Mon 9-10"]),
        person("time@ex.org", "mentor", skills_offered=["gardening"], availability=["Fri 9-17"]),
        person("e@ex.org", "mentee", skills_wanted=["excel macros"], availability=["Fri 9-17"]),
    ]
    default = match_cohort(people, WordEmbedder())
    timing = match_cohort(people, WordEmbedder(), overrides={"weights": {"skills": 0.0, "availability": 1.0}})
    assert [p.mentor for p in default.pairs] == ["skills@ex.org"]
    assert [p.mentor for p in timing.pairs] == ["time@ex.org"]
    with pytest.raises(InputError, match="Unknown matching setting"):
        match_cohort(people, WordEmbedder(), overrides={"colour": 1})


# --- constraints, pins, forbids -------------------------------------------------------------
def test_reporting_lines_either_way_and_through_the_chain_are_never_paired() -> None:
    people = [
        person("junior@ex.org", "mentor", skills_offered=["tiktok"], manager_email="lead@ex.org"),
        person("lead@ex.org", "mentor", skills_offered=["tiktok"], manager_email="vp@ex.org"),
        person("vp@ex.org", "mentee", skills_wanted=["tiktok"]),
        person("peer@ex.org", "mentee", skills_wanted=["tiktok"], manager_email="lead@ex.org"),
    ]
    assert management_chain("junior@ex.org", {p.email: p.manager_email for p in people}) == ["lead@ex.org", "vp@ex.org"]
    matching = match_cohort(people, WordEmbedder())
    table = ScoreTable(people, WordEmbedder(), load_weights())
    assert "reporting line" in table.reasons[(0, 0)]  # vp is above junior, two levels up
    assert "reporting line" in table.reasons[(1, 0)]
    assert "reporting line" in table.reasons[(1, 1)]  # lead manages peer
    assert "same small team" in table.reasons[(0, 1)]  # junior and peer both report to lead
    assert matching.pairs == []
    reasons = {u.email: u.reason for u in matching.unmatched}
    assert reasons["vp@ex.org"].startswith("every mentor is excluded by a hard constraint (2 by reporting line)")


def test_pin_forces_a_pair_and_forbid_removes_one() -> None:
    people = [
        person("a@ex.org", "mentor", skills_offered=["sql queries"]),
        person("b@ex.org", "mentor", skills_offered=["canva posters"]),
        person("x@ex.org", "mentee", skills_wanted=["sql queries"]),
        person("y@ex.org", "mentee", skills_wanted=["canva posters"]),
    ]
    best = match_cohort(people, WordEmbedder())
    assert best.pair_keys() == {("a@ex.org", "x@ex.org"), ("b@ex.org", "y@ex.org")}
    pinned = match_cohort(people, WordEmbedder(), pins=[("a@ex.org", "y@ex.org")])
    assert ("a@ex.org", "y@ex.org") in pinned.pair_keys() and ("b@ex.org", "x@ex.org") in pinned.pair_keys()
    assert [p.pinned for p in pinned.pairs if p.mentor == "a@ex.org"] == [True]
    forbidden = match_cohort(people, WordEmbedder(), forbidden=[("a@ex.org", "x@ex.org")])
    assert ("a@ex.org", "x@ex.org") not in forbidden.pair_keys()
    with pytest.raises(InputError, match="forbidden by the coordinator"):
        match_cohort(people, WordEmbedder(), forbidden=[("a@ex.org", "x@ex.org")], pins=[("a@ex.org", "x@ex.org")])
    with pytest.raises(InputError, match="not a mentor and a mentee"):
        match_cohort(people, WordEmbedder(), pins=[("x@ex.org", "a@ex.org")])


def test_mentor_capacity_by_repetition() -> None:
    people = [
        person("m@ex.org", "mentor", skills_offered=["python"], capacity=2),
        person("e1@ex.org", "mentee", skills_wanted=["python"]),
        person("e2@ex.org", "mentee", skills_wanted=["python"]),
        person("e3@ex.org", "mentee", skills_wanted=["python"]),
    ]
    matching = match_cohort(people, WordEmbedder())
    assert len(matching.pairs) == 2 and {p.mentor for p in matching.pairs} == {"m@ex.org"}
    [left] = matching.unmatched
    assert "given to someone they fit better" in left.reason


WORDS = ["python", "sql", "video", "tiktok", "excel", "jazz", "chess", "ai", "slack", "design"]
EMAILS = [f"p{i}@ex.org" for i in range(10)]


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[list, list, list, list]:
    n = draw(st.integers(2, 10))
    people = []
    for index in range(n):
        role = draw(st.sampled_from(["mentor", "mentee"]))
        words = draw(st.lists(st.sampled_from(WORDS), max_size=3))
        manager = draw(st.sampled_from(["", *[e for e in EMAILS[:n] if e != EMAILS[index]], "boss@ex.org"]))
        people.append(
            person(
                EMAILS[index],
                role,
                skills_offered=words,
                skills_wanted=words,
                interests=words[:1],
                manager_email=manager,
                capacity=draw(st.integers(1, 2)),
                availability=[draw(st.sampled_from(["Mon 9-11", "Tue 14-16", "Mon 10-12"]))],
            )
        )
    pair_lists = st.lists(st.tuples(st.sampled_from(EMAILS[:n]), st.sampled_from(EMAILS[:n])), max_size=4)
    return people, draw(pair_lists), draw(pair_lists), draw(st.lists(st.sampled_from(EMAILS[:n]), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_no_solution_ever_breaks_a_hard_constraint(data: tuple[list, list, list, list]) -> None:
    people, never, forbidden, pinned = data
    embedder = WordEmbedder()
    table = ScoreTable(people, embedder, load_weights(), never=never, forbidden=forbidden)
    mentors = [p.email for p in people if p.role == "mentor"]
    pins = [(mentors[i % len(mentors)], email) for i, email in enumerate(pinned)] if mentors else []
    try:
        matching = solve(table, pins)
    except InputError:  # a pin that breaks a rule is refused outright, never half-applied
        matching = solve(table)
    else:
        assert set(pins) <= matching.pair_keys()
    managers = {p.email: p.manager_email for p in people if p.manager_email}
    by_email = {p.email: p for p in people}
    per_mentor: dict[str, int] = {}
    for pair in matching.pairs:
        a, b = by_email[pair.mentor], by_email[pair.mentee]
        assert a.role == "mentor" and b.role == "mentee"
        assert b.email not in management_chain(a.email, managers) and a.email not in management_chain(b.email, managers)
        assert not (a.manager_email and a.manager_email == b.manager_email)
        assert frozenset((a.email, b.email)) not in {frozenset(x) for x in never}
        assert (a.email, b.email) not in set(forbidden)
        per_mentor[a.email] = per_mentor.get(a.email, 0) + 1
    assert all(per_mentor[m] <= (by_email[m].capacity or 1) for m in per_mentor)
    mentees = [p.mentee for p in matching.pairs]
    assert len(mentees) == len(set(mentees))
    paired = {p.mentor for p in matching.pairs} | set(mentees)
    assert {u.email for u in matching.unmatched} == {p.email for p in people} - paired


@settings(max_examples=60, deadline=None)
@given(cohorts())
def test_global_solve_is_never_below_greedy(data: tuple[list, list, list, list]) -> None:
    people, never, forbidden, _ = data
    table = ScoreTable(people, WordEmbedder(), load_weights(), never=never, forbidden=forbidden)
    matching = solve(table, capacity={p.email: 1 for p in people})
    feasible = table.feasible()
    order = sorted(((table.total[i, j], i, j) for i, j in zip(*feasible.nonzero(), strict=True)), reverse=True)
    used_i: set[int] = set()
    used_j: set[int] = set()
    greedy = 0.0
    for score, i, j in order:
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            greedy += float(score)
    assert matching.total >= greedy - 1e-6


# --- the real embedding model and the command line ----------------------------------------
@pytest.mark.slow
@pytest.mark.integration
def test_tiktok_meets_short_form_video_with_the_packaged_model(embedder: object) -> None:
    people = [
        person("video@ex.org", "mentor", skills_offered=["TikTok"]),
        person("sheets@ex.org", "mentor", skills_offered=["spreadsheet formulas"]),
        person("cfo@ex.org", "mentee", skills_wanted=["short-form video"]),
    ]
    matching = match_cohort(people, embedder)  # type: ignore[arg-type]
    [pair] = matching.pairs
    assert pair.mentor == "video@ex.org"
    assert any("wants 'short-form video', offers 'TikTok'" in w for w in pair.why)


@pytest.mark.slow
@pytest.mark.integration
def test_coach_match_json_contract(tmp_path: Path) -> None:
    csv_file = tmp_path / "cohort.csv"
    csv_file.write_text(
        "\n".join(
            [
                HEADER,
                "priya@ex.org,Priya,mentor,Marketing,,TikTok;Canva,,climbing,,Tue 14-16,Europe/London",
                "leo@ex.org,Leo,mentor,Data,,Python scripting,,chess,,Mon 9-11,America/New_York",
                "martin@ex.org,Martin,mentee,Finance,priya@ex.org,,short-form video,climbing,,Tue 14-16,Europe/London",
                "sam@ex.org,Sam,mentee,Ops,,,automating reports with Python,chess,,Mon 9-11,America/New_York",
                "broken@ex.org,Broken,visitor,,,,,,,,UTC",
            ]
        )
        + "\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env["COACH_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "match", "--csv", str(csv_file), "--json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"pairs", "unmatched"}
    for pair in data["pairs"]:
        assert set(pair) == {"mentor", "mentee", "score", "components", "why"}
        assert isinstance(pair["score"], float) and all(isinstance(v, float) for v in pair["components"].values())
        assert all(isinstance(w, str) for w in pair["why"])
    assert {(p["mentor"], p["mentee"]) for p in data["pairs"]} == {("leo@ex.org", "sam@ex.org")}
    assert {u["email"] for u in data["unmatched"]} == {"priya@ex.org", "martin@ex.org"}
    assert all(set(u) == {"email", "reason"} for u in data["unmatched"])
    martin = next(u for u in data["unmatched"] if u["email"] == "martin@ex.org")
    assert "reporting line" in martin["reason"]
    assert "line 6 (broken@ex.org): role 'visitor'" in proc.stderr
