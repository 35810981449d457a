"""Two people signed in at once in two browser contexts see only their own items; a visitor sees none."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from coach.actors import Role
from coach.runtime import Runtime
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    STEP_TIMEOUT_MS,
    add_accounts,
    sign_in,
    start_streamlit,
    stop_streamlit,
)


@pytest.fixture(scope="module")
def people_server(tmp_path_factory: pytest.TempPathFactory, indexed_runtime: Runtime) -> Iterator[str]:
    """The app with the scripted model and two mentors' accounts."""
    data_dir = tmp_path_factory.mktemp("browser-people")
    assert indexed_runtime.settings.chroma_path is not None
    shutil.copytree(indexed_runtime.settings.chroma_path, data_dir / "chroma")
    add_accounts(data_dir, {"Aisha": Role.MENTOR, "Ben": Role.MENTOR})
    proc, url, log = start_streamlit(data_dir, {"COACH_LLM_PROVIDER": "fake"})
    try:
        yield url
    finally:
        stop_streamlit(proc, log)


def save_reflection(page: Page, text: str) -> None:
    """Check a text on the reflection page and save it privately."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Stereotype reflection").click()
    page.get_by_role("textbox", name="Your text", exact=True).fill(text)
    page.get_by_role("button", name="Check my text").click()
    expect(page.get_by_role("button", name="Save privately")).to_be_visible()
    page.get_by_role("button", name="Save privately").click()
    expect(page.get_by_text("Saved. Only you can see it.")).to_be_visible()


@pytest.mark.slow
@pytest.mark.integration
def test_two_people_see_only_their_own_items_and_a_visitor_none(people_server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = {}
        for name in ("Aisha", "Ben", "visitor"):
            context = browser.new_context(viewport={"width": 1280, "height": 1400})
            pages[name] = context.new_page()
            pages[name].set_default_timeout(STEP_TIMEOUT_MS)
        sign_in(pages["Aisha"], people_server, "Aisha")
        sign_in(pages["Ben"], people_server, "Ben")  # both signed in at the same time
        save_reflection(pages["Aisha"], "AISHA-PRIVATE: my manager is a boomer who cannot use chat tools.")
        save_reflection(pages["Ben"], "BEN-PRIVATE: graduates never stay more than a year.")
        for name, own, other in (("Aisha", "AISHA-PRIVATE", "BEN-PRIVATE"), ("Ben", "BEN-PRIVATE", "AISHA-PRIVATE")):
            page = pages[name]
            page.get_by_role("link", name="Home").click()  # a fresh run of the page, same sign-in
            page.get_by_role("link", name="Stereotype reflection").click()
            expect(page.get_by_text("Your saved reflections (1)")).to_be_visible()
            page.get_by_text("Your saved reflections (1)").click()
            expect(page.get_by_text(own).first).to_be_visible()
            assert other not in page.content()
        visitor = pages["visitor"]
        visitor.goto(people_server)
        expect(visitor.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        expect(visitor.get_by_role("link", name="Stereotype reflection")).to_have_count(0)
        visitor.goto(people_server + "/reflection")  # the page's own address
        expect(visitor.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        content = visitor.content()
        assert "AISHA-PRIVATE" not in content and "BEN-PRIVATE" not in content
        assert "Your saved reflections" not in content
        for page in pages.values():
            assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
