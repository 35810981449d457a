"""The Matching page in a real browser: create a program, import a CSV, match, pin, re-solve, publish.

Debian's chromium driven by Playwright against `streamlit run app.py` on a free loopback
port; the matching uses the packaged embedding model in the server process. After
publishing, a participant signs in under their email and sees their pair.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from coach.actors import Role
from coach.config import PROJECT_ROOT, Settings
from coach.programs.csv_import import COLUMNS
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SCREENSHOTS,
    STEP_TIMEOUT_MS,
    free_port,
    screenshot,
    settled,
    wait_healthy,
)

CSV = (
    "\n".join(
        [
            ",".join(COLUMNS),
            "priya@ex.org,Priya,mentor,Marketing,,TikTok;Canva,,climbing,,Tue 14-16,Europe/London",
            "leo@ex.org,Leo,mentor,Data,,Python scripting,,chess,,Mon 9-11,America/New_York",
            "martin@ex.org,Martin,mentee,Finance,,,short-form video,climbing,,Tue 9-11,America/New_York",
            "sam@ex.org,Sam,mentee,Ops,,,automating reports with Python,chess,,Mon 14-16,Europe/London",
            "broken@ex.org,Broken,visitor,,,,,,,,UTC",
        ]
    )
    + "\n"
)


@pytest.fixture(scope="module")
def matching_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` with an empty data directory of its own."""
    data_dir = tmp_path_factory.mktemp("matching-browser")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(data_dir), COACH_LLM_PROVIDER="fake", HF_HUB_OFFLINE="1")
    add_people(data_dir)
    log = (data_dir / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


PEOPLE = {
    "cora@example.org": ("Cora", Role.COORDINATOR),
    "sam@ex.org": ("Sam", Role.MENTEE),
    "martin@ex.org": ("Martin", Role.MENTEE),
}


def add_people(data_dir: Path) -> None:
    """Accounts for the coordinator and two participants, before the server starts."""
    from coach.accounts.passwords import hash_password
    from coach.storage import open_database
    from coach.storage.models import Account

    db = open_database(Settings(data_dir=data_dir))
    hashed = hash_password(PASSWORD)
    with db.write() as session:
        for email, (name, role) in PEOPLE.items():
            session.add(Account(email=email, display_name=name, role=role.value, password_hash=hashed, disabled=False))
    db.dispose()


def sign_in(page: Page, server: str, email: str) -> None:
    """A fresh sign-in on Home (signing out whoever was signed in before)."""
    from playwright.sync_api import expect

    page.context.clear_cookies()  # forget the previous person's sign-in
    page.goto(server)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Welcome, {PEOPLE[email][0]}")).to_be_visible()


def card(page: Page, title: str, button: str) -> Locator:
    """The button inside the proposal card whose title is ``title``."""
    holder = page.locator("div", has=page.get_by_text(title, exact=True))
    return holder.filter(has=page.get_by_role("button", name=button)).last.get_by_role("button", name=button)


@pytest.mark.slow
@pytest.mark.integration
def test_matching_page_create_import_match_pin_publish(matching_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    csv_file = tmp_path / "cohort.csv"
    csv_file.write_text(CSV)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1800})
        page.set_default_timeout(STEP_TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, matching_server, "cora@example.org")

        page.get_by_role("link", name="Matching").click()
        page.get_by_role("textbox", name="Program name", exact=True).fill("Spring cohort")
        page.get_by_role("button", name="Create program").click()
        expect(page.get_by_text("Created Spring cohort.")).to_be_visible()

        page.locator('input[type="file"]').set_input_files(str(csv_file))
        page.get_by_role("button", name="Import participants").click()
        expect(page.get_by_text("Imported 4 people.")).to_be_visible()
        expect(page.get_by_text("line 6 (broken@ex.org): role 'visitor' is not mentor or mentee")).to_be_visible()

        page.get_by_role("button", name="Match", exact=True).click()
        expect(page.get_by_text("Priya → Martin")).to_be_visible()
        expect(page.get_by_text("Leo → Sam")).to_be_visible()
        expect(page.get_by_text("wants 'short-form video', offers 'TikTok'").first).to_be_visible()

        # Forbid one proposed pair and re-solve; then pin the other and re-solve: the pin holds.
        card(page, "Priya → Martin", "Forbid").click()
        expect(page.get_by_text("Forbidden: press Match").first).to_be_visible()
        settled(page)
        page.get_by_role("button", name="Match", exact=True).click()
        expect(page.get_by_text("Priya → Martin")).to_have_count(0)
        expect(page.get_by_text("Leo → Sam")).to_be_visible()
        card(page, "Leo → Sam", "Pin").click()
        expect(page.get_by_text("Pinned: kept when you match again.").first).to_be_visible()
        settled(page)
        page.get_by_role("button", name="Match", exact=True).click()
        expect(page.get_by_text("Leo → Sam · score").filter(has_text="· pinned")).to_be_visible()
        expect(page.get_by_role("button", name="Pin")).to_be_disabled()
        expect(page.get_by_text("Unmatched martin@ex.org")).to_be_visible()
        page.mouse.move(0, 0)
        screenshot(page, "matching")

        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_text("Published 1 pair.")).to_be_visible()
        expect(page.get_by_text("Published pairs")).to_be_visible()

        # Participants see only what was published: Sam has a pair, Martin has none.
        sign_in(page, matching_server, "sam@ex.org")
        page.get_by_role("link", name="Matching").click()
        expect(page.get_by_text("With Leo")).to_be_visible()
        expect(page.get_by_role("button", name="Download my calendar (.ics)")).to_be_visible()
        sign_in(page, matching_server, "martin@ex.org")
        page.get_by_role("link", name="Matching").click()
        expect(page.get_by_text("You have no published pair yet.")).to_be_visible()

        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors
        browser.close()
