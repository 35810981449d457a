"""The Matching page headless (AppTest): a participant's intake form, and what a coordinator sees."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach.actors import Actor, Role
from coach.config import PROJECT_ROOT, Settings
from coach.programs import repository as programs
from coach.programs.csv_import import COLUMNS
from coach.storage import open_database

APP = str(PROJECT_ROOT / "app.py")
COORDINATOR = Actor(1, "cora@local", "Cora", Role.COORDINATOR)
CSV = "\n".join(
    [
        ",".join(COLUMNS),
        "priya@ex.org,Priya,mentor,Marketing,,TikTok,,climbing,,Tue 14-16,Europe/London",
        "martin@ex.org,Martin,mentee,Finance,,,short-form video,climbing,,Tue 9-11,America/New_York",
    ]
)


@pytest.fixture
def program_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, int]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_LLM_PROVIDER", "fake")
    monkeypatch.setenv("COACH_DATABASE_URL", url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, llm_provider="fake")
    db = open_database(settings)
    created = programs.create_program(db, COORDINATOR, "Spring cohort", date(2025, 3, 3))
    programs.import_participants(db, COORDINATOR, created.id, CSV)
    db.dispose()
    return settings, created.id


def page_as(name: str, role: str) -> AppTest:
    """The Matching page, signed in as the account with this email (or name) and role."""
    from app_pages._components import SESSION_KEY
    from coach.accounts.directory import actor_of, find_account
    from coach.accounts.signin import start_session
    from tests.people import add_person

    email = name if "@" in name else f"{name.lower()}@local"
    db = open_database(Settings())
    with db.read() as session:
        row = find_account(session, email)
    who = actor_of(row) if row is not None else add_person(db, name.split("@")[0].title(), Role(role), email=email)
    token = start_session(db, who, Settings())
    db.dispose()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SESSION_KEY] = token
    at.run()
    at.switch_page("app_pages/matching.py").run()
    assert not at.exception, at.exception
    return at


def test_participant_saves_own_intake_form_with_swot(program_db: tuple[Settings, int]) -> None:
    settings, program_id = program_db
    at = page_as("martin@ex.org", "senior mentee")
    assert any("no published pair yet" in i.value for i in at.info)
    assert any("only to match pairs and to plan your agendas" in c.value for c in at.caption)
    boxes = {t.label: t for t in at.text_input}
    boxes["Skills wanted"].set_value("short-form video; AI tools")
    boxes["Free times, e.g. Tue 14-16; Thu 9-11"].set_value("Tue 9-11; Thu 13:30-15")
    boxes["SWOT weaknesses (optional, separated by ;)"].set_value("public speaking")
    [radio] = [r for r in at.radio if r.label == "Preferred mode"]
    radio.set_value("remote")
    at.button[[b.label for b in at.button].index("Save my intake form")].click().run()
    assert not at.exception, at.exception
    assert any(s.value == "Saved." for s in at.success)
    db = open_database(settings)
    [(_, mine)] = programs.my_enrolments(db, Actor(0, "martin@ex.org", "martin@ex.org", Role.MENTEE))
    db.dispose()
    assert mine.profile.skills_wanted == ["short-form video", "AI tools"]
    assert [s.label() for s in mine.profile.availability] == ["Tue 9-11", "Thu 13:30-15"]
    assert mine.profile.swot is not None and mine.profile.swot.weaknesses == ["public speaking"]
    assert mine.profile.mode == "remote" and mine.account_id == 1  # the signed-in account that filled it


def test_participant_form_rejects_a_bad_slot_with_a_clear_error(program_db: tuple[Settings, int]) -> None:
    at = page_as("martin@ex.org", "senior mentee")
    [slots] = [t for t in at.text_input if t.label.startswith("Free times")]
    slots.set_value("whenever")
    at.button[[b.label for b in at.button].index("Save my intake form")].click().run()
    assert any("Cannot read availability 'whenever'" in e.value for e in at.error)


def test_coordinator_sees_the_program_and_its_participants(program_db: tuple[Settings, int]) -> None:
    at = page_as("Cora", "coordinator")
    assert [s.value.name for s in at.selectbox if s.label == "Program"] == ["Spring cohort"]
    frame = at.dataframe[0].value
    assert sorted(frame["email"]) == ["martin@ex.org", "priya@ex.org"]
    assert "Match" in [b.label for b in at.button]


def test_participant_marks_a_published_session_held(program_db: tuple[Settings, int]) -> None:
    from coach.programs import lifecycle, matching_store
    from tests.programs_fixtures import WordEmbedder

    settings, program_id = program_db
    db = open_database(settings)
    matching_store.propose(db, COORDINATOR, program_id, WordEmbedder())
    [match] = matching_store.publish(db, COORDINATOR, program_id)
    db.dispose()
    at = page_as("priya@ex.org", "junior mentor")
    assert any("With Martin" in h.value for h in at.subheader)
    [status] = [r for r in at.radio if r.label == "Status"]
    status.set_value("held")
    at.button[[b.label for b in at.button].index("Update session")].click().run()
    assert not at.exception, at.exception
    db = open_database(settings)
    [mine] = lifecycle.my_matches(db, Actor(0, "priya@ex.org", "Priya", Role.MENTOR))
    db.dispose()
    assert mine.id == match.id and [s.status for s in mine.sessions][:2] == ["held", "planned"]
