"""Headless tests of the flow pages: agenda builder, rehearsal, reflection, question prep.

Every flow test runs twice, saving to SQLite and to PostgreSQL (``database_settings``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.actors import Role
from coach.config import Settings
from coach.storage import open_database
from coach.storage import repositories as repo
from tests.test_app_pages import app_data_dir, open_page, person, texts  # noqa: F401  (fixtures used by name)


@pytest.fixture
def app_env(app_data_dir: Path, database_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:  # noqa: F811
    """The fake model, the shared index, and an empty database of this test's own on each backend."""
    database_settings.data_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("COACH_DATA_DIR", str(app_data_dir))
    monkeypatch.setenv("COACH_LLM_PROVIDER", "fake")
    monkeypatch.setenv("COACH_DATABASE_URL", database_settings.resolved_database_url)
    yield app_data_dir


def button(at, label: str):  # type: ignore[no-untyped-def]
    """The first button whose label starts with ``label``."""
    return next(b for b in list(at.button) + list(at.get("form_submit_button")) if str(b.label).startswith(label))


@pytest.mark.usefixtures("app_env")
def test_agenda_build_save_notes_and_carry_over() -> None:
    at = open_page("app_pages/agenda.py")
    at.text_input(key="kept_agenda_mentor_name").input("Aisha")
    at.text_area(key="kept_agenda_mentor_profile").input("Data analyst who runs the AI guild")
    at.text_input(key="kept_agenda_mentee_name").input("Robert")
    at.text_area(key="kept_agenda_mentee_profile").input("Head of operations, new to generative AI")
    at.text_input[2].input("using AI assistants safely")
    button(at, "Build agenda").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.header, "the agenda title is shown"
    bars = at.get("progress")
    assert len(bars) >= 3 and all("min" in str(b.proto.text) for b in bars)
    assert any(str(e.label).startswith("[1] ") for e in at.expander)  # source cards
    assert [d.label for d in at.get("download_button")] == ["Export Markdown", "Download .ics"]

    button(at, "Save to session 1").click().run()
    assert not at.exception, at.exception
    assert any("Saved to session 1" in s.value for s in at.success)
    at.text_area[-1].input(
        "Good start.\n- [ ] Robert tries an AI assistant on a real email\nAction: Aisha shares a prompt guide"
    )
    at.checkbox[-1].check()
    button(at, "Save notes").click().run()
    assert not at.exception, at.exception
    assert any("2 new action item" in s.value for s in at.success)

    db = open_database(Settings())
    aisha = person("Aisha")
    pair = repo.list_pairs(db, aisha)[0]
    sessions = repo.list_sessions(db, aisha, pair.id)
    assert sessions[0].status == "held" and sessions[0].agenda is not None
    db.dispose()

    # The next agenda for the saved pair picks up the notes and open action items.
    del at.session_state["agenda"]
    at.number_input(key=f"kept_agenda_number_{pair.id}").set_value(2).run()
    assert "Picked up from session 1" in [e.label for e in at.expander]
    assert "Robert tries an AI assistant on a real email" in texts(at)
    button(at, "Build agenda").click().run()
    assert not at.exception, at.exception
    assert "Robert tries an AI assistant" in texts(at)


@pytest.mark.usefixtures("app_env")
def test_agenda_input_errors_are_shown_not_raised() -> None:
    at = open_page("app_pages/agenda.py")
    button(at, "Build agenda").click().run()  # no names: the pair cannot be saved
    assert not at.exception
    assert any("How to fix" in e.value for e in at.error)


@pytest.mark.usefixtures("app_env")
def test_rehearsal_two_turns_scorecards_debrief_and_chart() -> None:
    at = open_page("app_pages/rehearsal.py")
    at.selectbox[0].set_value("defensive") if "defensive" in at.selectbox[0].options else None
    button(at, "Start a new rehearsal").click().run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 1  # the persona's opening
    at.chat_input[0].set_value("You always ignore younger people.").run()
    assert not at.exception, at.exception
    assert any(str(e.label).startswith("Scorecard, turn 1") for e in at.expander)
    at.chat_input[0].set_value(
        "In Tuesday's planning meeting you cut me off twice while I presented the survey results. "
        "The team stopped offering ideas. Could you let me finish before you respond next time?"
    ).run()
    assert not at.exception, at.exception
    labels = [str(e.label) for e in at.expander]
    assert any(label.startswith("Scorecard, turn 2") for label in labels)
    assert len(at.chat_message) == 5
    shown = texts(at)
    assert "Situation" in shown and "Tip:" in shown
    button(at, "Finish and debrief").click().run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Debrief" or "Debrief" in [s.value for s in at.subheader]
    assert "Your scores across attempts" in [s.value for s in at.subheader]
    db = open_database(Settings())
    attempts = repo.list_attempts(db, person("Aisha"))
    assert len(attempts) == 1 and len(attempts[0].turns) == 2 and attempts[0].overall is not None
    assert set(attempts[0].scores) == {"situation", "behavior", "impact", "request", "respect"}
    assert repo.list_attempts(db, person("Someone")) == []
    db.dispose()


@pytest.mark.usefixtures("app_env")
def test_rehearsal_scorecard_shared_with_the_mentee_and_revoked() -> None:
    from coach.accounts import sharing

    mentee = person("Sam", Role.MENTEE)
    db = open_database(Settings())
    mentor = person("Aisha")
    attempt = repo.start_attempt(db, mentor, "busy", "normal")
    repo.record_attempt(db, mentor, attempt, [{"user": "SECRET-TURN"}], {"impact": 2.0}, 70.0)
    at = open_page("app_pages/rehearsal.py")
    at.text_input[0].input("sam@example.org")
    button(at, "Share").click().run()
    assert not at.exception, at.exception
    assert any("Shared with Sam" in s.value for s in at.success)
    home = open_page("app_pages/home.py", "Sam", Role.MENTEE)
    assert "Scorecards shared with you" in [h.value for h in home.subheader]
    assert "SECRET-TURN" not in texts(home)
    button(at, "Revoke").click().run()
    assert not at.exception, at.exception
    assert sharing.shared_with_me(db, mentee) == []
    db.dispose()


@pytest.mark.usefixtures("app_env")
def test_reflection_highlights_escapes_and_saves_privately() -> None:
    at = open_page("app_pages/reflection.py")
    text = "Our new VP is a boomer, so he obviously can't use Slack. <script>alert(1)</script> **bold**"
    at.text_area(key="kept_reflection_text").input(text)
    button(at, "Check my text").click().run()
    assert not at.exception, at.exception
    highlighted = next(m.value for m in at.markdown if ":orange-background[" in m.value)
    assert "<script>" not in highlighted and "\\<script\\>" in highlighted
    assert "\\*\\*bold\\*\\*" in highlighted
    assert "Reframe:" in texts(at)
    assert all(not getattr(m.proto, "allow_html", False) for m in at.markdown)
    at.text_area(key="kept_reflection_answer_0").input("I have seen him use Slack well.")
    button(at, "Save privately").click().run()
    assert not at.exception, at.exception
    db = open_database(Settings())
    saved = repo.list_reflections(db, person("Aisha"))
    assert saved[0].text == text and saved[0].private and saved[0].answers
    assert saved[0].flags
    assert repo.list_reflections(db, person("Robert", Role.MENTEE)) == []
    db.dispose()


@pytest.mark.usefixtures("app_env")
def test_reflection_with_no_flags() -> None:
    at = open_page("app_pages/reflection.py")
    at.text_area(key="kept_reflection_text").input("Robert asked good questions about our data pipeline today.")
    button(at, "Check my text").click().run()
    assert not at.exception, at.exception
    assert any("No generalisation" in s.value for s in at.success)


@pytest.mark.usefixtures("app_env")
def test_question_prep_generate_save_delete() -> None:
    at = open_page("app_pages/questions.py", role=Role.MENTEE)
    at.text_input[0].input("how younger staff use messaging apps at work")
    button(at, "Generate questions").click().run()
    assert not at.exception, at.exception
    assert at.get("arrow_data_frame") or at.dataframe
    save = button(at, "Save ")
    assert save.label.startswith("Save 8 question")
    save.click().run()
    assert not at.exception, at.exception
    assert "Saved for the next session" in [s.value for s in at.subheader]
    db = open_database(Settings())
    assert len(repo.list_questions(db, person("Aisha"))) == 8
    button(at, "Delete").click().run()
    assert not at.exception
    assert len(repo.list_questions(db, person("Aisha"))) == 7
    db.dispose()


@pytest.mark.usefixtures("app_env")
def test_question_prep_empty_topic_is_a_clean_error() -> None:
    at = open_page("app_pages/questions.py", role=Role.MENTEE)
    button(at, "Generate questions").click().run()
    assert not at.exception
    assert any("How to fix" in e.value for e in at.error)
