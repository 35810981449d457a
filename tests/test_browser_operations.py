"""Running the program in a real browser: the coordinator's health list, a nudge, the PDF report.

A program that started five weeks ago has one published pair whose mentor rated a session
low. The coordinator signs in, sees the pair flagged with the rule that fired, sends a nudge
(delivered to a real SMTP server on loopback), and downloads the program report as a PDF.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from coach.actors import Role
from coach.config import Settings
from coach.operations.checkins import submit_checkin
from coach.operations.questions import load_questions
from coach.operations.sources import pair_members, program_pair_facts
from coach.programs import matching_store
from coach.programs import repository as programs
from coach.storage import open_database
from tests.people import add_person
from tests.programs_fixtures import WordEmbedder
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    STEP_TIMEOUT_MS,
    screenshot,
    start_streamlit,
    stop_streamlit,
)
from tests.test_operations import Inbox, _free_port
from tests.test_operations_pages import CSV


def _program(data_dir: Path) -> None:
    """Accounts, a published pair, and one low check-in, written before the server starts."""
    from coach.accounts.passwords import hash_password
    from coach.storage.models import Account

    db = open_database(Settings(data_dir=data_dir))
    try:
        with db.write() as session:
            session.add(
                Account(
                    email="cora@example.org",
                    display_name="Cora",
                    role=Role.COORDINATOR.value,
                    password_hash=hash_password(PASSWORD),
                    disabled=False,
                )
            )
        from coach.accounts.directory import actor_of, find_account

        with db.read() as session:
            row = find_account(session, "cora@example.org")
        assert row is not None
        coordinator = actor_of(row)
        priya = add_person(db, "Priya", Role.MENTOR)
        add_person(db, "Martin", Role.MENTEE)
        created = programs.create_program(
            db, coordinator, "Autumn cohort", date.today() - timedelta(days=35), sessions=6, cadence_days=14
        )
        programs.import_participants(db, coordinator, created.id, CSV)
        matching_store.propose(db, coordinator, created.id, WordEmbedder())
        matching_store.publish(db, coordinator, created.id)
        (pair,) = program_pair_facts(db, created.id)
        submit_checkin(
            db,
            priya,
            pair.pair_id,
            1,
            {"met": True, "usefulness": 2, "safety": 4},
            bank=load_questions(Settings().knowledge_data_dir),
            members=pair_members(db),
        )
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def operations_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Inbox]]:
    data_dir = tmp_path_factory.mktemp("operations-browser")
    _program(data_dir)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    proc, url, log = start_streamlit(
        data_dir,
        {
            "COACH_LLM_PROVIDER": "fake",
            "COACH_SMTP_HOST": "127.0.0.1",
            "COACH_SMTP_PORT": str(controller.port),
        },
    )
    try:
        yield url, inbox
    finally:
        stop_streamlit(proc, log)
        controller.stop()


@pytest.mark.slow
@pytest.mark.integration
def test_coordinator_sees_health_sends_a_nudge_and_downloads_the_pdf(
    operations_server: tuple[str, Inbox], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, inbox = operations_server
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
        page.set_default_timeout(STEP_TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        page.get_by_role("textbox", name="Email", exact=True).fill("cora@example.org")
        page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_text("Welcome, Cora")).to_be_visible()

        page.get_by_role("link", name="Pair health").click()
        expect(page.get_by_text("Priya & Martin")).to_be_visible()
        expect(page.get_by_text("Session 1 was rated 2/5 for usefulness.")).to_be_visible()
        page.get_by_role("button", name="Send a nudge").click()
        expect(page.get_by_text("Nudge sent to both.")).to_be_visible()
        screenshot(page, "pair-health")
        assert sorted(m["To"] for m in inbox.messages if "coordinator" in m["Subject"]) == [
            "martin@example.org",
            "priya@example.org",
        ]

        page.get_by_role("link", name="Program report").click()
        expect(page.get_by_text("Averages over fewer than 5 people are hidden.")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download PDF").click()
        saved = tmp_path / "report.pdf"
        download.value.save_as(saved)
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages)
        assert "Program report: Autumn cohort" in text and "1 pairs, 2 people" in text

        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors
        browser.close()
