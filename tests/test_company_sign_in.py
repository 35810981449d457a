"""Company sign-in end to end: Streamlit's st.login against a real OpenID Connect provider on loopback.

`oidc-provider-mock` serves the provider in this process; the app runs from a temporary
folder whose `.streamlit/secrets.toml` holds the `[auth]` section (no secret is written
into the repository). An invited email signs in with its role; any other is refused.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from coach.actors import Role
from coach.config import Settings
from coach.runtime import Runtime
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, STEP_TIMEOUT_MS, free_port, start_streamlit, stop_streamlit


@dataclass
class CompanyApp:
    url: str
    log: Path


def secrets_toml(app_port: int, provider_port: int) -> str:
    """The `[auth]` section an operator writes for their identity provider."""
    return (
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "reverse-mentoring-coach"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "http://localhost:{provider_port}/.well-known/openid-configuration"\n'
    )


@pytest.fixture(scope="module")
def company_app(tmp_path_factory: pytest.TempPathFactory, indexed_runtime: Runtime) -> Iterator[CompanyApp]:
    from oidc_provider_mock import User, run_server_in_thread

    from coach.accounts import invitations
    from coach.storage import open_database
    from tests.people import add_person

    data_dir = tmp_path_factory.mktemp("company-data")
    assert indexed_runtime.settings.chroma_path is not None
    shutil.copytree(indexed_runtime.settings.chroma_path, data_dir / "chroma")
    db = open_database(Settings(data_dir=data_dir))
    admin = add_person(db, "Ada", Role.ADMINISTRATOR)
    invitations.invite(db, admin, "sam@corp.example", Role.MENTEE, Settings(data_dir=data_dir))
    db.dispose()
    users = [
        User(sub="sam", claims={"email": "sam@corp.example", "email_verified": True, "name": "Sam Senior"}),
        User(sub="stranger", claims={"email": "stranger@corp.example", "email_verified": True, "name": "X"}),
    ]
    run_dir = tmp_path_factory.mktemp("company-run")
    with run_server_in_thread(port=0, user_claims=users) as provider:
        port = free_port()
        (run_dir / ".streamlit").mkdir()
        (run_dir / ".streamlit" / "secrets.toml").write_text(secrets_toml(port, provider.server_port))
        proc, url, log = start_streamlit(data_dir, {"COACH_LLM_PROVIDER": "fake"}, cwd=run_dir, port=port)
        try:
            yield CompanyApp(url=url, log=data_dir / "streamlit.log")
        finally:
            stop_streamlit(proc, log)


@pytest.mark.slow
@pytest.mark.integration
def test_company_sign_in_maps_the_email_to_an_account(company_app: CompanyApp) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for who, expected in (("sam", "Welcome, Sam Senior"), ("stranger", "has no access to the coach")):
            page = browser.new_context().new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(company_app.url)
            page.get_by_role("button", name="Sign in with your company account").click()
            page.get_by_role("button", name=who, exact=True).click()  # the provider's sign-in page
            expect(page.get_by_text(expected).first).to_be_visible()
            if who == "sam":
                expect(page.get_by_text("senior mentee").first).to_be_visible()
                expect(page.get_by_role("link", name="Question prep")).to_be_visible()
                expect(page.get_by_role("link", name="Program dashboard")).to_have_count(0)
            else:
                expect(page.get_by_role("link", name="Question prep")).to_have_count(0)
            assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
