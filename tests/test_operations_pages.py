"""Headless tests of the program-running pages, with two people and a coordinator.

A participant's check-in note and inbox are theirs alone; coordinators see ratings and
rules, never notes; a mentor cannot open the coordinator pages; nobody anonymous sees any.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._components import SESSION_KEY
from coach.actors import Role
from coach.config import PROJECT_ROOT, Settings
from coach.operations.checkins import my_checkins
from coach.programs import matching_store
from coach.programs import repository as programs
from coach.programs.csv_import import COLUMNS
from coach.storage import open_database
from tests.programs_fixtures import WordEmbedder
from tests.test_app_pages import (  # noqa: F401  (fixtures used by name)
    APP,
    TIMEOUT,
    app_data_dir,
    app_env,
    open_page,
    person,
    signed_in_token,
    texts,
)

CSV = "\n".join(
    [
        ",".join(COLUMNS),
        "priya@example.org,Priya,mentor,Marketing,,tiktok video,,climbing,,Tue 14-16,Europe/London",
        "martin@example.org,Martin,mentee,Finance,,,tiktok video,climbing,learn tiktok video,Tue 14-16,Europe/London",
    ]
)
NOTE = "PRIVATE-NOTE: I was nervous about raising the budget meeting"


@pytest.fixture
def program(app_env: Path) -> int:  # noqa: F811
    """A program that started five weeks ago, its one pair published, and its people's accounts."""
    coordinator = person("Cora", Role.COORDINATOR)
    person("Priya", Role.MENTOR)
    person("Martin", Role.MENTEE)
    db = open_database(Settings())
    try:
        created = programs.create_program(
            db, coordinator, "Autumn cohort", date.today() - timedelta(days=35), sessions=6, cadence_days=14
        )
        programs.import_participants(db, coordinator, created.id, CSV)
        matching_store.propose(db, coordinator, created.id, WordEmbedder())
        matching_store.publish(db, coordinator, created.id)
        return created.id
    finally:
        db.dispose()


def _submit_checkin(name: str, role: Role, note: str, useful: int) -> str:
    at = open_page("app_pages/my_program.py", name, role)
    assert "With " in texts(at)
    at.slider[0].set_value(useful)
    at.text_area[0].input(note)
    next(b for b in at.get("form_submit_button") if b.label == "Send check-in").click().run()
    assert not at.exception, at.exception
    return texts(at)


def test_check_in_notes_and_inboxes_are_their_authors_alone(program: int) -> None:
    shown = _submit_checkin("Priya", Role.MENTOR, NOTE, useful=2)
    assert "check-in for session" in shown
    mine = open_page("app_pages/my_program.py", "Priya", Role.MENTOR)
    frames = " ".join(str(d.value.to_dict()) for d in mine.dataframe)
    assert "PRIVATE-NOTE" in frames  # Priya reads her own note

    other = open_page("app_pages/my_program.py", "Martin", Role.MENTEE)
    assert "PRIVATE-NOTE" not in texts(other) + " ".join(str(d.value.to_dict()) for d in other.dataframe)

    health = open_page("app_pages/pair_health.py", "Cora", Role.COORDINATOR)
    page = texts(health)
    assert "Priya & Martin" in page and "rated 2/5 for usefulness" in page
    assert "PRIVATE-NOTE" not in page


def test_a_coordinator_nudges_from_the_health_list_and_it_lands_in_both_inboxes(program: int) -> None:
    health = open_page("app_pages/pair_health.py", "Cora", Role.COORDINATOR)
    next(b for b in health.button if b.label == "Send a nudge").click().run()
    assert not health.exception, health.exception
    assert "Nudge sent to both." in texts(health)
    for name, role in (("Priya", Role.MENTOR), ("Martin", Role.MENTEE)):
        inbox = open_page("app_pages/my_program.py", name, role)
        assert "A note from your program coordinator" in [e.label.split(" (")[0] for e in inbox.expander]
    outsider = open_page("app_pages/my_program.py", "Sam", Role.MENTOR)
    assert "not in a published pair yet" in texts(outsider)
    assert not [e for e in outsider.expander if "coordinator" in e.label]


@pytest.mark.parametrize("page", ["app_pages/pair_health.py", "app_pages/program_report.py"])
def test_coordinator_pages_refuse_participants_and_anonymous_visitors(program: int, page: str) -> None:
    for token in (signed_in_token(person("Priya", Role.MENTOR)), None):
        at = open_page("app_pages/home.py", None)
        if token is not None:
            at = AppTest.from_file(APP, default_timeout=TIMEOUT)
            at.session_state[SESSION_KEY] = token
            at.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not in the navigation of a mentor, nor of a visitor
        direct = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT)
        if token is not None:
            direct.session_state[SESSION_KEY] = token
        direct.run()
        assert not direct.exception, direct.exception
        assert not direct.dataframe and not direct.button and "Priya & Martin" not in texts(direct)
        expected = "Only a coordinator or administrator" if token else "Sign in first"
        assert expected in texts(direct)


def test_the_report_page_hides_small_groups_and_offers_downloads(program: int) -> None:
    _submit_checkin("Priya", Role.MENTOR, "", useful=4)
    report = open_page("app_pages/program_report.py", "Cora", Role.COORDINATOR)
    assert "Averages over fewer than 5 people are hidden." in texts(report)
    assert [d.label for d in report.get("download_button")] == ["Download PDF", "Download CSV"]
    assert "hidden (too few people)" in " ".join(str(d.value.to_dict()) for d in report.dataframe)


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.get("form_submit_button") if b.label == label)


def _survey_slider(at: AppTest, label: str) -> Any:
    return next(s for s in at.select_slider if s.label == label and str(s.key).startswith("survey_"))


def test_the_check_in_asks_about_each_of_ones_own_goals(program: int) -> None:
    martin = open_page("app_pages/my_program.py", "Martin", Role.MENTEE)
    goal = next(s for s in martin.select_slider if s.label == "learn tiktok video" and str(s.key).startswith("pulse_"))
    assert list(goal.options) == ["no progress", "some progress", "clear progress"]
    goal.set_value("clear progress")
    _button(martin, "Send check-in").click().run()
    assert not martin.exception, martin.exception
    db = open_database(Settings())
    try:
        saved = my_checkins(db, person("Martin", Role.MENTEE))
    finally:
        db.dispose()
    assert [c.answers["goal_progress"] for c in saved] == [{"learn tiktok video": 2}]


def test_each_person_answers_the_open_survey_and_sees_only_their_own(program: int) -> None:
    martin = open_page("app_pages/my_program.py", "Martin", Role.MENTEE)
    assert "Start-of-program survey" in texts(martin)  # five weeks in, before the middle: the baseline is open
    _survey_slider(martin, "learn tiktok video").set_value("early steps")
    next(t for t in martin.text_input if t.label.startswith("What would make")).input("MARTIN-EXPECTS-DEMOS")
    _button(martin, "Send my answers").click().run()
    assert not martin.exception, martin.exception
    assert "your answers to the start-of-program survey are saved" in texts(martin)

    again = open_page("app_pages/my_program.py", "Martin", Role.MENTEE)  # a refresh: the answers are still there
    assert _survey_slider(again, "learn tiktok video").value == "early steps"
    assert next(t for t in again.text_input if t.label.startswith("What would make")).value == "MARTIN-EXPECTS-DEMOS"
    assert "Save my changes" in [b.label for b in again.get("form_submit_button")]
    assert "Start-of-program survey: answered on" in texts(again)

    priya = open_page("app_pages/my_program.py", "Priya", Role.MENTOR)
    assert "Send my answers" in [b.label for b in priya.get("form_submit_button")]
    assert all(t.value != "MARTIN-EXPECTS-DEMOS" for t in priya.text_input)
    assert "learn tiktok video" not in [s.label for s in priya.select_slider]  # her own items only, in both forms
    report = open_page("app_pages/program_report.py", "Cora", Role.COORDINATOR)
    assert "MARTIN-EXPECTS-DEMOS" not in texts(report) + " ".join(str(d.value.to_dict()) for d in report.dataframe)


def test_a_coordinator_adds_a_question_that_both_people_are_asked(program: int) -> None:
    health = open_page("app_pages/pair_health.py", "Cora", Role.COORDINATOR)
    next(t for t in health.text_input if t.label == "Question").input("Why")
    _button(health, "Save the question").click().run()
    assert not health.exception, health.exception
    assert "shorter than 5 characters" in texts(health)  # refused, with the reason

    next(t for t in health.text_input if t.label == "Question").input("Did you agree a next step?")
    next(r for r in health.radio if r.label == "Answered with").set_value("yes_no")
    _button(health, "Save the question").click().run()
    assert not health.exception, health.exception
    assert "pairs will now be asked 'Did you agree a next step?'" in texts(health)

    for name, role in (("Priya", Role.MENTOR), ("Martin", Role.MENTEE)):
        page = open_page("app_pages/my_program.py", name, role)
        asked = next(r for r in page.radio if r.label == "Did you agree a next step?")
        asked.set_value("No")
        _button(page, "Send check-in").click().run()
        assert not page.exception, page.exception
        assert "check-in for session" in texts(page)
    report = open_page("app_pages/program_report.py", "Cora", Role.COORDINATOR)
    page = texts(report)
    assert "The program's own question" in page and "fewer than 5 people have answered it" in page
