"""End to end in a real browser: Debian's chromium driven by Playwright against `streamlit run`.

The app runs with the real offline default (the local model) on a copy of the session's
index. The test signs in, builds an agenda, sends two rehearsal turns in quick succession
(checking the input waits for each reply and the saved order), refreshes the page and finds
the rehearsal resumed (still signed in), reads it in My history, asks the guide, signs in as
a coordinator for the dashboard, and saves screenshots of each page to docs/screenshots/
(the README's screenshots).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from coach.actors import Role
from coach.config import PROJECT_ROOT, Settings
from coach.runtime import Runtime
from coach.storage import open_database
from coach.storage import repositories as repo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
STEP_TIMEOUT_MS = 120_000
PASSWORD = "blue lantern orchard tide"


def add_accounts(data_dir: Path, people: dict[str, Role]) -> None:
    """Accounts with ``PASSWORD`` in the data directory's database, before the server starts."""
    from coach.accounts.passwords import hash_password
    from coach.storage import open_database
    from coach.storage.models import Account

    db = open_database(Settings(data_dir=data_dir))
    hashed = hash_password(PASSWORD)
    with db.write() as session:
        for name, role in people.items():
            session.add(
                Account(
                    email=f"{name.lower()}@example.org",
                    display_name=name,
                    role=role.value,
                    password_hash=hashed,
                    disabled=False,
                )
            )
    db.dispose()


def sign_in(page: Page, server: str, name: str) -> None:
    """Sign in on Home with email and password, and wait for the welcome."""
    from playwright.sync_api import expect

    page.goto(server)
    page.get_by_role("textbox", name="Email", exact=True).fill(f"{name.lower()}@example.org")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Welcome, {name}")).to_be_visible()


def start_streamlit(
    data_dir: Path, extra_env: dict[str, str], cwd: Path = PROJECT_ROOT, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str, Any]:
    """`streamlit run app.py` on a (free) loopback port; returns the process, its URL and its log file."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", PYTHONPATH=str(PROJECT_ROOT), **extra_env)
    log = (data_dir / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except BaseException:
        stop_streamlit(proc, log)
        raise
    return proc, url, log


def stop_streamlit(proc: subprocess.Popen[bytes], log: Any) -> None:
    """Stop a server started by ``start_streamlit``."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


FIRST_TURN = "You always ignore what younger people say."
SECOND_TURN = (
    "In Tuesday's planning meeting you cut me off twice while I presented the survey results. "
    "The team stopped offering ideas. Could you let me finish before you respond next time?"
)
# Records every state the chat input is drawn in (disabled, placeholder), so a test can ask
# afterwards whether it was ever shown disabled with its reason.
WATCH_CHAT_INPUT = """() => {
  window.chatStates = [];
  const record = () => {
    const box = document.querySelector('[data-testid="stChatInputTextArea"]');
    if (box) window.chatStates.push([box.disabled, box.placeholder]);
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


@dataclass(frozen=True)
class Served:
    """A running app: its address and its data directory."""

    url: str
    data_dir: Path


def screenshot(page: Page, name: str) -> None:
    """Save the page scrolled to the top (Streamlit scrolls inside its main area, not the window)."""
    page.evaluate(
        "() => { for (const el of document.querySelectorAll('*')) { if (el.scrollTop > 0) el.scrollTop = 0; } }"
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def settled(page: Page) -> None:
    """Wait until the app has finished its current run.

    A toast or a message appears part-way through a run; a click sent before the run ends can be merged
    into it by Streamlit, so the next action would see the page as it was before the previous one.
    """
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Wait for Streamlit's health endpoint, failing early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy at {url}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, indexed_runtime: Runtime) -> Iterator[Served]:
    """`streamlit run app.py` on a free loopback port, with its own data directory and two accounts."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    assert indexed_runtime.settings.chroma_path is not None
    shutil.copytree(indexed_runtime.settings.chroma_path, data_dir / "chroma")
    add_accounts(data_dir, {"Aisha": Role.MENTOR, "Cora": Role.COORDINATOR})
    proc, url, log = start_streamlit(data_dir, {"COACH_LLM_PROVIDER": "local", "COACH_MIN_GROUP_SIZE": "1"})
    try:
        yield Served(url, data_dir)
    finally:
        stop_streamlit(proc, log)


def saved_turns(data_dir: Path, owner: str) -> list[tuple[int, str]]:
    """The (sequence number, text) of the owner's latest rehearsal, as the app saved it."""
    db = open_database(Settings(data_dir=data_dir))
    try:
        from coach.accounts.directory import actor_of, find_account

        with db.read() as session:
            row = find_account(session, f"{owner.lower()}@example.org")
        assert row is not None
        attempt = repo.latest_attempt(db, actor_of(row))
        return [(int(t["seq"]), str(t["user"])) for t in attempt.turns] if attempt else []
    finally:
        db.dispose()


def rehearse_two_quick_turns(page: Page, data_dir: Path) -> None:
    """Two turns sent one right after the other: the second waits for the first reply."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Feedback rehearsal").click()
    page.get_by_role("button", name="Start a new rehearsal").click()
    chat = page.get_by_placeholder("Give your feedback…")
    expect(chat).to_be_enabled()
    page.evaluate(WATCH_CHAT_INPUT)
    chat.fill(FIRST_TURN)
    chat.press("Enter")
    # Once the server has the first turn the input is drawn disabled, saying why; the
    # second turn is typed at once and goes in when the input is enabled again.
    page.wait_for_function("() => window.chatStates.some(([disabled]) => disabled)")
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(SECOND_TURN)  # Playwright waits while the input is disabled
    box.press("Enter")
    expect(page.get_by_text("Scorecard, turn 2")).to_be_visible()
    expect(page.get_by_placeholder("Give your feedback…")).to_be_enabled()
    states = page.evaluate("() => window.chatStates")
    assert any(disabled and placeholder.startswith("Wait for") for disabled, placeholder in states), states[-5:]
    assert saved_turns(data_dir, "Aisha") == [(1, FIRST_TURN), (2, SECOND_TURN)]
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(5)  # waits for the run to draw them all

    # A refresh drops the browser session: the sign-in comes back from its cookie and the
    # rehearsal from the database.
    page.reload()
    expect(page.get_by_text("2 turn(s) saved")).to_be_visible()
    expect(page.get_by_text("Scorecard, turn 2")).to_be_visible()
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(5)  # waits for the run to draw them all
    expect(page.get_by_text("Signed in as").first).to_contain_text("Aisha")
    page.get_by_role("button", name="Finish and debrief").click()
    expect(page.get_by_text("Debrief", exact=True)).to_be_visible()
    expect(page.get_by_text("Your scores across attempts")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"(Met|Partly met|Not met) · Situation")).filter(visible=True).first
    ).to_be_visible()
    screenshot(page, "rehearsal")


@pytest.mark.slow
@pytest.mark.integration
def test_agenda_and_two_turn_rehearsal_in_chromium(server: Served) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # Home: the sign-in form and the model badge in plain words, then signed in.
        page.goto(server.url)
        expect(page.get_by_text("Reverse Mentoring Coach").first).to_be_visible()
        expect(page.get_by_text("Local model: your text stays on this computer").first).to_be_visible()
        expect(page.get_by_role("link", name="Agenda builder")).to_have_count(0)
        sign_in(page, server.url, "Aisha")
        expect(page.get_by_text("Signed in as").first).to_contain_text("Aisha")
        expect(page.get_by_role("link", name="Program dashboard")).to_have_count(0)
        screenshot(page, "home")

        # Agenda builder: a new pair, built item by item with time bars and sources.
        page.get_by_role("link", name="Agenda builder").click()
        page.get_by_role("textbox", name="Junior mentor's name", exact=True).fill("Aisha")
        page.get_by_role("textbox", name="Senior mentee's name", exact=True).fill("Robert")
        page.get_by_role("textbox", name="Mentee profile", exact=True).fill("Head of operations, new to generative AI")
        focus = page.get_by_role("textbox", name="Focus", exact=True)
        focus.fill("using AI assistants safely")
        focus.press("Enter")
        page.get_by_role("button", name="Build agenda").click()
        expect(page.get_by_role("button", name="Save to session 1")).to_be_visible()
        expect(page.get_by_text(" min").first).to_be_visible()
        expect(page.get_by_text("Export Markdown")).to_be_visible()
        page.get_by_role("button", name="Save to session 1").click()
        expect(page.get_by_text("Saved to session 1.")).to_be_visible()
        screenshot(page, "agenda")

        rehearse_two_quick_turns(page, server.data_dir)

        # My history: the attempt with its transcript and a download.
        page.get_by_role("link", name="My history").click()
        expect(page.get_by_text("Download this transcript (Markdown)")).to_be_visible()
        expect(page.get_by_text(FIRST_TURN).first).to_be_visible()
        screenshot(page, "history")

        # Ask the guide: a cited answer with source cards.
        page.get_by_role("link", name="Ask the guide").click()
        ask = page.get_by_placeholder("Ask about mentoring, feedback, stereotypes…")
        ask.fill("How should a junior mentor give upward feedback to a senior leader?")
        ask.press("Enter")
        expect(page.get_by_text("sentences supported")).to_be_visible()
        expect(page.get_by_text("[1] ").first).to_be_visible()
        screenshot(page, "ask")

        # Dashboard (a coordinator's page): the pair, the saved session and the attempt, as aggregates.
        page.get_by_role("link", name="Home").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        sign_in(page, server.url, "Cora")
        page.get_by_role("link", name="Program dashboard").click()
        expect(page.get_by_text("Sessions held against planned")).to_be_visible()
        expect(page.get_by_text("The trend appears once people have practised")).to_be_visible()
        metrics = page.locator('[data-testid="stMetricValue"]')
        expect(metrics.nth(0)).to_have_text("1")
        expect(metrics.nth(2)).to_have_text("1")
        screenshot(page, "dashboard")

        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors
        browser.close()
