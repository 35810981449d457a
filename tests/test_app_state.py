"""Headless checks of the app as people use it: state that survives, words and symbols, history.

A "refresh" is a new ``AppTest`` (a new browser session: empty ``st.session_state``) on the
same database; "returning to a page" is switching to another page and back.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import timedelta

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from coach.actors import Role
from coach.config import PROJECT_ROOT, Settings
from coach.storage import open_database
from coach.storage import repositories as repo
from coach.storage.models import PracticeAttempt
from tests.test_app_flows import button
from tests.test_app_pages import APP, TIMEOUT, app_data_dir, app_env, open_page, person, texts  # noqa: F401

GOOD_TURN = (
    "In Tuesday's planning meeting you cut me off twice while I presented the survey results. "
    "The team stopped offering ideas. Could you let me finish before you respond next time?"
)
HEX_ID = re.compile(r"\[[0-9a-f]{16,}\]")
EMOJI = re.compile("[\u2705\u274c\u2b55\U0001f7e1\u26a0\U0001fa9e]")


def db_now():  # type: ignore[no-untyped-def]
    return open_database(Settings())


def charts(at: AppTest) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


@pytest.mark.usefixtures("app_env")
def test_rehearsal_is_saved_turn_by_turn_and_resumed_after_a_refresh() -> None:
    at = open_page("app_pages/rehearsal.py")
    at.selectbox(key="kept_rehearsal_persona").set_value("busy")
    button(at, "Start a new rehearsal").click().run()
    at.chat_input[0].set_value("You always ignore younger people.").run()
    assert not at.exception, at.exception
    db = db_now()
    saved = repo.latest_attempt(db, person("Aisha"))
    assert saved is not None and saved.persona == "busy" and [t["seq"] for t in saved.turns] == [1]

    # A refresh: a new session with nothing in it but the name (from the address).
    again = open_page("app_pages/rehearsal.py")
    assert not again.exception, again.exception
    assert again.selectbox(key="kept_rehearsal_persona").value == "busy"
    assert "1 turn(s) saved" in texts(again)
    assert "You always ignore younger people." in texts(again)
    assert len(again.chat_message) == 3
    again.chat_input[0].set_value(GOOD_TURN).run()
    assert not again.exception, again.exception
    turns = repo.get_attempt(db, person("Aisha"), saved.id).turns
    assert [(t["seq"], t["user"][:10]) for t in turns] == [(1, "You always"), (2, GOOD_TURN[:10])]
    assert any(str(e.label).startswith("Scorecard, turn 2") for e in again.expander)
    db.dispose()


@pytest.mark.usefixtures("app_env")
def test_turns_typed_while_a_reply_is_made_are_answered_in_order() -> None:
    at = open_page("app_pages/rehearsal.py")
    button(at, "Start a new rehearsal").click().run()
    # Two turns arrived before the first reply was made: both wait, in order.
    at.session_state["rehearsal_queue"] = ["First, the vague one.", GOOD_TURN]
    at.run()
    assert not at.exception, at.exception
    assert not at.session_state["rehearsal_queue"]
    assert not at.chat_input[0].proto.disabled
    db = db_now()
    turns = repo.latest_attempt(db, person("Aisha")).turns  # type: ignore[union-attr]
    assert [(t["seq"], t["user"]) for t in turns] == [(1, "First, the vague one."), (2, GOOD_TURN)]
    db.dispose()


@pytest.mark.usefixtures("app_env")
def test_scorecard_status_is_words_with_icons_and_the_spelling_is_british() -> None:
    at = open_page("app_pages/rehearsal.py")
    button(at, "Start a new rehearsal").click().run()
    at.chat_input[0].set_value("You always ignore younger people.").run()
    shown = texts(at)
    assert "Not met" in shown and ":material/cancel:" in shown
    assert "Behaviour" in shown and "Behavior" not in shown
    assert not EMOJI.search(shown), EMOJI.findall(shown)


@pytest.mark.usefixtures("app_env")
def test_question_prep_form_and_results_come_back_together() -> None:
    at = open_page("app_pages/questions.py", "Martin", Role.MENTEE)
    at.text_input(key="kept_questions_topic").input("how younger staff use messaging apps at work")
    button(at, "Generate questions").click().run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/home.py").run()
    at.switch_page("app_pages/questions.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="kept_questions_topic").value == "how younger staff use messaging apps at work"
    assert "Tweak and choose" in [s.value for s in at.subheader]
    assert button(at, "Save ").label.startswith("Save 8 question")
    assert not at.warning
    at.text_input(key="kept_questions_topic").input("something else").run()
    assert any("form has changed" in w.value for w in at.warning)


@pytest.mark.usefixtures("app_env")
def test_agenda_session_number_stays_after_build_and_ics_asks_for_a_time() -> None:
    at = open_page("app_pages/agenda.py")
    at.text_input(key="kept_agenda_mentor_name").input("Aisha")
    at.text_input(key="kept_agenda_mentee_name").input("Robert")
    at.number_input(key="kept_agenda_number_new").set_value(2)
    button(at, "Build agenda").click().run()
    assert not at.exception, at.exception
    pair = repo.list_pairs(db := db_now(), person("Aisha"))[0]
    db.dispose()
    assert at.number_input(key=f"kept_agenda_number_{pair.id}").value == 2
    assert button(at, "Save to session 2")
    assert [d.label for d in at.date_input] == ["Date"] and [t.label for t in at.time_input] == ["Start time"]
    assert at.selectbox(key="kept_agenda_ics_zone").value == "UTC"
    at.selectbox(key="kept_agenda_ics_zone").set_value("Asia/Tokyo").run()
    assert "(Asia/Tokyo)" in texts(at)


@pytest.mark.usefixtures("app_env")
def test_dashboard_axes_are_whole_sessions_labels_are_full_and_a_trend_needs_two_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COACH_MIN_GROUP_SIZE", "1")  # one practising mentor: let the averages show
    db = db_now()
    aisha = person("Aisha")
    person("Cora", Role.COORDINATOR)
    pair = repo.create_pair(db, aisha, "Aisha Khan-Robertson", "Robert Okonkwo-Llewellyn", program_sessions=5)
    repo.save_notes(db, aisha, pair.id, 1, "", held=True)
    first = repo.start_attempt(db, person("Aisha"), "busy", "normal")
    repo.record_attempt_turn(db, person("Aisha"), first, 1, {"user": "x"}, {"impact": 1.0}, 40.0)
    at = open_page("app_pages/dashboard.py", "Cora", Role.COORDINATOR)
    assert len(charts(at)) == 1 and any("trend appears" in i.value for i in at.info)
    spec = json.dumps(charts(at)[0])
    assert '"format": "d"' in spec and '"values": [0, 1, 2, 3, 4, 5]' in spec and '"labelLimit": 0' in spec
    table = at.dataframe[0].value
    assert list(table["pair"]) == ["Aisha Khan-Robertson → Robert Okonkwo-Llewellyn"]

    second = repo.start_attempt(db, person("Aisha"), "busy", "normal")
    repo.record_attempt_turn(db, person("Aisha"), second, 1, {"user": "y"}, {"impact": 2.0}, 70.0)
    earlier = repo.get_attempt(db, person("Aisha"), first).created_at - timedelta(days=3)
    with db.write() as session:
        session.execute(update(PracticeAttempt).where(PracticeAttempt.id == first).values(created_at=earlier))
    db.dispose()
    at.run()
    assert not at.exception, at.exception
    assert len(charts(at)) == 3
    assert not at.info


@pytest.mark.usefixtures("app_env")
def test_history_lists_own_attempts_with_transcript_and_downloads() -> None:
    db = db_now()
    attempt = repo.start_attempt(db, person("Aisha"), "defensive", "normal")
    repo.record_attempt_turn(db, person("Aisha"), attempt, 1, {"user": "MY-TURN", "reply": "HIS-REPLY"}, {}, 50.0)
    other = repo.start_attempt(db, person("Robert"), "busy", "normal")
    repo.record_attempt_turn(db, person("Robert"), other, 1, {"user": "NOT-MINE", "reply": "r"}, {}, 50.0)
    repo.save_questions(db, person("Aisha"), [("What do you use chat for?", "understand", "")])
    repo.save_reflection(db, person("Aisha"), "A note.", {}, [])
    db.dispose()
    at = open_page("app_pages/history.py")
    assert not at.exception, at.exception
    shown = texts(at)
    assert "MY-TURN" in shown and "HIS-REPLY" in shown and "NOT-MINE" not in shown
    assert len(at.dataframe[0].value) == 1
    labels = [d.label for d in at.get("download_button")]
    assert labels == [
        "Download this transcript (Markdown)",
        "Download questions (Markdown)",
        "Download questions (CSV)",
        "Download reflections (Markdown)",
        "Download reflections (CSV)",
    ]


@pytest.mark.usefixtures("app_env")
def test_reflection_shows_numbered_sources_not_passage_ids() -> None:
    at = open_page("app_pages/reflection.py")
    at.text_area(key="kept_reflection_text").input("Graduates never stay more than a year, they always job-hop.")
    button(at, "Check my text").click().run()
    assert not at.exception, at.exception
    shown = texts(at) + " ".join(str(e.label) for e in at.expander)
    assert not HEX_ID.search(shown), HEX_ID.findall(shown)
    assert "guides/" not in shown and ".md" not in shown
    assert "Chunk" not in shown


def test_upload_limit_is_the_same_for_streamlit_and_the_coach() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    streamlit_bytes = int(config["server"]["maxUploadSize"]) * 1024 * 1024
    assert streamlit_bytes == Settings.model_fields["max_upload_bytes"].default


@pytest.mark.usefixtures("app_env")
def test_upload_text_names_the_one_limit() -> None:
    at = open_page("app_pages/knowledge.py", "Cora", Role.COORDINATOR)
    assert "up to 10 MB each" in at.get("file_uploader")[0].proto.label


@pytest.mark.usefixtures("app_env")
def test_rehearsal_page_loads_the_scorer_on_opening_and_waits_for_a_rehearsal() -> None:
    at = open_page("app_pages/rehearsal.py")
    assert not at.exception, at.exception
    assert "_warmed" in at.session_state  # the scorer and model were loaded before any turn
    assert at.chat_input[0].proto.disabled and "Start a rehearsal" in at.chat_input[0].proto.placeholder
