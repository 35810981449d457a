"""Headless tests of the app's pages (AppTest) with the fake model.

One copy of the session-wide index serves every page test; each test gets its own
database file, so saved items never leak from one test into another.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach.config import PROJECT_ROOT
from coach.runtime import Runtime

APP = str(PROJECT_ROOT / "app.py")
TIMEOUT = 120


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory, indexed_runtime: Runtime) -> Path:
    """A data directory holding a copy of the session's index of ``knowledge/``."""
    data_dir = tmp_path_factory.mktemp("app-data")
    assert indexed_runtime.settings.chroma_path is not None
    shutil.copytree(indexed_runtime.settings.chroma_path, data_dir / "chroma")
    return data_dir


@pytest.fixture
def app_env(app_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fake model, the shared index, and a database of this test's own."""
    monkeypatch.setenv("COACH_DATA_DIR", str(app_data_dir))
    monkeypatch.setenv("COACH_LLM_PROVIDER", "fake")
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    yield app_data_dir


def open_page(page: str, owner: str | None = "Aisha", role: str = "junior mentor") -> AppTest:
    """The app switched to ``page``, with a display name already entered on Home."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if owner is not None:
        at.session_state["owner"] = owner
    at.session_state["role"] = role
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, alert and text element of the page, joined, Markdown escapes removed."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_home_role_name_and_model_badge(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Reverse Mentoring Coach"
    assert at.success[0].value.replace("\\", "").strip("*.") == "Demo model: your text stays on this computer"
    assert any("display name" in i.value for i in at.info)
    at.text_input[0].input("  Aisha  Khan ").run()
    at.radio[0].set_value("coordinator").run()
    assert not at.exception
    assert at.session_state["owner"] == "Aisha Khan"
    assert at.session_state["role"] == "coordinator"
    links = [link.value for link in at.get("page_link")]
    assert "See how the program is going" in links and len(links) == 4
    assert "Aisha Khan" in " ".join(c.value for c in at.sidebar.caption)


def test_ask_answers_with_citations(app_env: Path) -> None:
    at = open_page("app_pages/ask.py")
    at.chat_input[0].set_value("How should a junior mentor give upward feedback to a senior leader?").run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 2
    assert "sentences supported" in texts(at)
    assert len(at.expander) >= 1
    assert at.expander[0].label.startswith("[1] ")
    # A second question keeps the history.
    at.chat_input[0].set_value("What is the best recipe for lasagne?").run()
    assert not at.exception
    assert len(at.chat_message) == 4
    assert "doesn't cover" in texts(at)


def test_ask_empty_question_is_a_clean_error(app_env: Path) -> None:
    at = open_page("app_pages/ask.py")
    at.chat_input[0].set_value("   ").run()
    assert not at.exception
    assert any("empty" in e.value and "How to fix" in e.value for e in at.error)


def test_ask_generative_mode_uses_the_model(app_env: Path) -> None:
    at = open_page("app_pages/ask.py")
    at.radio[0].set_value("generative").run()
    at.chat_input[0].set_value("How do I open a first session?").run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 2


def test_knowledge_base_upload_rejects_bad_files_and_indexes_good_ones(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_MAX_UPLOAD_BYTES", "4096")
    at = open_page("app_pages/knowledge.py", role="coordinator")
    assert at.metric[0].value != "0"
    before = int(at.metric[0].value)
    at.file_uploader[0].set_value(
        [
            ("../../evil name.md", b"# Team rituals\n\nHold a short retro after each mentoring session.", "text/markdown"),
            ("broken.pdf", b"this is not a PDF", "application/pdf"),
            ("huge.txt", b"word " * 1000, "text/plain"),
            ("empty.txt", b"", "text/plain"),
        ]
    )
    at.run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    by_file = dict(zip(table["file"], table["result"], strict=True))
    assert by_file["../../evil name.md"] == "✅ indexed"
    assert by_file["broken.pdf"] == "❌ failed"
    assert by_file["huge.txt"] == "❌ failed"
    assert by_file["empty.txt"] == "❌ failed"
    details = dict(zip(table["file"], table["detail"], strict=True))
    assert "limit" in details["huge.txt"] and "COACH_MAX_UPLOAD_BYTES" in details["huge.txt"]
    assert int(at.metric[0].value) == before + 1
    sources = list(at.dataframe[0].value["document"])
    uploaded = [s for s in sources if s.startswith("uploads/")]
    assert len(uploaded) == 1 and "evil-name" in uploaded[0] and ".." not in uploaded[0]
    assert (app_env / "uploads" / uploaded[0].removeprefix("uploads/")).exists()

    # Delete it again (the shared index is left as it was).
    at.multiselect[0].set_value(uploaded).run()
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label == "Delete").click().run()
    assert not at.exception
    assert any("Removed" in s.value for s in at.success)
    assert not (app_env / "uploads" / uploaded[0].removeprefix("uploads/")).exists()
    at.run()
    assert int(at.metric[0].value) == before


def test_knowledge_base_reindex(app_env: Path) -> None:
    at = open_page("app_pages/knowledge.py", role="coordinator")
    next(b for b in at.button if b.label == "Re-index now").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert any(s.label.startswith("Re-indexed") and s.state == "complete" for s in at.status)


def test_settings_apply_and_test_connection(app_env: Path) -> None:
    at = open_page("app_pages/settings.py")
    assert "nothing is sent over the network" in texts(at)
    next(b for b in at.button if b.label == "Test connection").click().run()
    assert not at.exception, at.exception
    assert "fake answered" in texts(at)
    at.selectbox[0].set_value("openai")
    at.text_input[0].input("gpt-4o-mini")
    at.text_input[1].input("https://api.example.com/v1")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert "sent to api.example.com" in texts(at)
    assert at.warning, "a remote endpoint is shown as a warning"
    next(b for b in at.button if b.label == "Test connection").click().run()
    assert not at.exception
    assert any("API key" in e.value and "How to fix" in e.value for e in at.error)


def test_dashboard_adds_pair_and_shows_aggregates_only(app_env: Path) -> None:
    from coach.config import Settings
    from coach.storage import open_database
    from coach.storage import repositories as repo

    at = open_page("app_pages/dashboard.py", role="coordinator")
    assert at.metric[0].value == "0"
    at.text_input[0].input("Aisha")
    at.text_input[1].input("Robert")
    at.number_input[0].set_value(4)
    at.button[0].click().run()
    assert not at.exception, at.exception
    db = open_database(Settings())
    pair = repo.list_pairs(db)[0]
    repo.save_notes(db, pair.id, 1, "PRIVATE-NOTES", held=True)
    attempt = repo.start_attempt(db, "Aisha", "defensive", "normal")
    repo.record_attempt(db, attempt, "Aisha", [{"user": "SECRET-TURN"}], {"impact": 2.0}, 75.0)
    repo.save_reflection(db, "Aisha", "SECRET-REFLECTION", {}, [])
    db.dispose()
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs"] == "1"
    assert metrics["Sessions held"] == "1 / 4"
    assert metrics["Practice attempts"] == "1"
    assert metrics["Average rehearsal score"] == "75"
    assert len(at.get("vega_lite_chart")) == 1  # sessions per pair; one day of practice is no trend yet
    assert any("trend appears" in i.value for i in at.info)
    shown = texts(at)
    for secret in ("SECRET-TURN", "SECRET-REFLECTION", "PRIVATE-NOTES"):
        assert secret not in shown


def test_first_run_ingests_an_empty_index_with_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge = tmp_path / "knowledge" / "guides"
    knowledge.mkdir(parents=True)
    (knowledge / "listening.md").write_text(
        "# Active listening\n\nListen to understand before you reply. Summarise what you heard, "
        "then ask one open question about what matters most to the other person.\n"
    )
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    monkeypatch.setenv("COACH_LLM_PROVIDER", "fake")
    at = open_page("app_pages/ask.py")
    at.chat_input[0].set_value("How do I listen actively to what someone says?").run()
    assert not at.exception, at.exception
    assert any(s.label.startswith("Guidance indexed") and s.state == "complete" for s in at.status)
    assert "Summarise what you heard" in texts(at)
