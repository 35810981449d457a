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

from app_pages._components import SESSION_KEY
from coach.accounts.signin import start_session
from coach.actors import Actor, Role
from coach.config import PROJECT_ROOT, Settings
from coach.runtime import Runtime
from coach.storage import open_database
from tests.people import add_person

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


def person(name: str = "Aisha", role: Role = Role.MENTOR) -> Actor:
    """The account called ``name`` in this test's database (created on first use)."""
    from coach.accounts.directory import actor_of, find_account

    db = open_database(Settings())
    try:
        with db.read() as session:
            row = find_account(session, f"{name.lower()}@example.org")
        return actor_of(row) if row is not None else add_person(db, name, role)
    finally:
        db.dispose()


def signed_in_token(who: Actor) -> str:
    """A live session token for ``who``, as Home would keep it after sign-in."""
    db = open_database(Settings())
    try:
        return start_session(db, who, Settings())
    finally:
        db.dispose()


def open_page(page: str, name: str | None = "Aisha", role: Role = Role.MENTOR) -> AppTest:
    """The app switched to ``page``, signed in as ``name`` (anonymous when None)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if name is not None:
        at.session_state[SESSION_KEY] = signed_in_token(person(name, role))
    at.run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, alert and text element of the page, joined, Markdown escapes removed."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [h.value for h in at.subheader]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_home_first_run_creates_the_administrator_then_signs_in(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Reverse Mentoring Coach"
    assert at.success[0].value.replace("\\", "").strip("*.") == "Demo model: your text stays on this computer"
    assert "First run" in at.subheader[0].value and "coach users create-admin" in texts(at)
    links = {link.label for link in at.get("page_link")}
    assert not links, "nothing but Home before anyone signs in"
    for n, value in enumerate(["ada@example.org", "Ada", "blue lantern orchard tide", "blue lantern orchard tide"]):
        at.text_input[n].input(value)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Welcome, Ada" in texts(at)
    assert "Manage accounts and read the audit trail" in [link.value for link in at.get("page_link")]
    assert "Ada" in " ".join(c.value for c in at.sidebar.caption)
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Sign in"
    at.text_input[0].input("ada@example.org")
    at.text_input[1].input("not the password at all")
    at.button[0].click().run()
    assert any("not right" in e.value for e in at.error)
    at.text_input[1].input("blue lantern orchard tide")
    at.button[0].click().run()
    assert "Welcome, Ada" in texts(at)


def test_invitation_link_creates_the_account(app_env: Path) -> None:
    from coach.accounts import invitations

    db = open_database(Settings())
    issued = invitations.invite(
        db, add_person(db, "Cora", Role.COORDINATOR), "nia@example.org", Role.MENTEE, Settings()
    )
    db.dispose()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["invite"] = issued.token
    at.run()
    assert at.subheader[0].value == "Accept your invitation"
    at.text_input[0].input("Nia")
    at.text_input[1].input("blue lantern orchard tide")
    at.text_input[2].input("blue lantern orchard tide")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Welcome, Nia" in texts(at) and "senior mentee" in texts(at)
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["invite"] = issued.token
    again.run()
    again.text_input[0].input("Mallory")
    again.text_input[1].input("blue lantern orchard tide")
    again.text_input[2].input("blue lantern orchard tide")
    again.button[0].click().run()
    assert any("does not work" in e.value for e in again.error)


@pytest.mark.parametrize(
    ("page", "role", "allowed"),
    [
        ("app_pages/dashboard.py", Role.MENTOR, False),
        ("app_pages/settings.py", Role.COORDINATOR, False),
        ("app_pages/rehearsal.py", Role.MENTEE, False),
        ("app_pages/people.py", Role.MENTOR, False),
        ("app_pages/dashboard.py", Role.COORDINATOR, True),
    ],
)
def test_pages_are_shown_only_to_their_roles(app_env: Path, page: str, role: Role, allowed: bool) -> None:
    token = signed_in_token(person("Pat", role))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[SESSION_KEY] = token
    at.run()
    if allowed:
        at.switch_page(page).run()
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not in this role's navigation at all
        # Opened directly, the page itself refuses too.
        at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT)
        at.session_state[SESSION_KEY] = token
        at.run()
    assert not at.exception, at.exception
    refused = [e.value for e in at.error if "Only a" in e.value]
    assert bool(refused) != allowed
    assert bool(at.metric or at.form or at.chat_input or at.button) == allowed


@pytest.mark.parametrize("token", [None, "forged", "x" * 400])
def test_anonymous_or_tampered_session_sees_nothing_personal(app_env: Path, token: str | None) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if token is not None:
        at.session_state[SESSION_KEY] = token
    at.run()
    assert not at.exception
    assert at.subheader[0].value in ("Sign in", "First run: create the administrator")
    for page in ("app_pages/rehearsal.py", "app_pages/reflection.py", "app_pages/ask.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)
        direct = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT)
        if token is not None:
            direct.session_state[SESSION_KEY] = token
        direct.run()
        assert not direct.exception, direct.exception
        assert not direct.chat_input and not direct.text_area, page
        assert any("Sign in first" in w.value for w in direct.warning)


def test_ask_can_be_left_open_to_visitors(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_ANONYMOUS_GUIDE", "true")
    at = open_page("app_pages/ask.py", name=None)
    assert at.chat_input, "the guide is open"
    with pytest.raises(ValueError):
        at.switch_page("app_pages/rehearsal.py")


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
    at = open_page("app_pages/knowledge.py", "Cora", Role.COORDINATOR)
    assert at.metric[0].value != "0"
    before = int(at.metric[0].value)
    at.file_uploader[0].set_value(
        [
            (
                "../../evil name.md",
                b"# Team rituals\n\nHold a short retro after each mentoring session.",
                "text/markdown",
            ),
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
    at = open_page("app_pages/knowledge.py", "Cora", Role.COORDINATOR)
    next(b for b in at.button if b.label == "Re-index now").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert any(s.label.startswith("Re-indexed") and s.state == "complete" for s in at.status)


def test_settings_apply_and_test_connection(app_env: Path) -> None:
    at = open_page("app_pages/settings.py", "Ada", Role.ADMINISTRATOR)
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
    from coach.storage import repositories as repo

    at = open_page("app_pages/dashboard.py", "Cora", Role.COORDINATOR)
    assert at.metric[0].value == "0"
    at.text_input[0].input("Aisha")
    at.text_input[1].input("Robert")
    at.number_input[0].set_value(4)
    at.button[0].click().run()
    assert not at.exception, at.exception
    db = open_database(Settings())
    cora = person("Cora", Role.COORDINATOR)
    pair = repo.list_pairs(db, cora)[0]
    repo.save_notes(db, cora, pair.id, 1, "PRIVATE-NOTES", held=True)
    for name in ("Aisha", "Ben", "Chidi", "Dana", "Eli"):
        mentor = add_person(db, name)
        attempt = repo.start_attempt(db, mentor, "defensive", "normal")
        repo.record_attempt(db, mentor, attempt, [{"user": "SECRET-TURN"}], {"impact": 2.0}, 75.0)
        repo.save_reflection(db, mentor, "SECRET-REFLECTION", {}, [])
    db.dispose()
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs"] == "1"
    assert metrics["Sessions held"] == "1 / 4"
    assert metrics["Practice attempts"] == "5"
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


def test_people_page_invites_and_disables(app_env: Path) -> None:
    from coach.accounts.signin import resolve_session

    mia = person("Mia")
    mia_token = signed_in_token(mia)
    at = open_page("app_pages/people.py", "Ada", Role.ADMINISTRATOR)
    assert [o for o in at.selectbox[0].options] == [r.value for r in Role]
    at.text_input[0].input("nia@example.org")
    at.selectbox[0].set_value(Role.MENTEE)
    next(b for b in at.button if b.label == "Create invitation link").click().run()
    assert not at.exception, at.exception
    assert any("?invite=" in c.value for c in at.code)
    at.selectbox[1].set_value(next(a for a in at.selectbox[1].options if "mia@example.org" in a)).run()
    next(b for b in at.button if b.label == "Disable").click().run()
    assert not at.exception, at.exception
    db = open_database(Settings())
    assert resolve_session(db, mia_token) is None  # Mia's open tab is signed out at once
    db.dispose()
    coordinator = open_page("app_pages/people.py", "Cora", Role.COORDINATOR)
    assert Role.ADMINISTRATOR.value not in coordinator.selectbox[0].options
    assert not [b for b in coordinator.button if b.label == "Disable"]
