"""Addresses of the app's pages used in emails and calendar files, and the pages' URL paths.

The app's navigation (``app.py``) gives these pages exactly these URL paths, so a link in a
reminder or an ``.ics`` file always opens the page it names.
"""

from __future__ import annotations

from urllib.parse import urlencode

DEFAULT_APP_URL = "http://127.0.0.1:8501"
AGENDA_PAGE = "agenda"
MY_PROGRAM_PAGE = "my_program"
PAIR_PARAM, SESSION_PARAM = "pair", "session"


def page_link(app_url: str, page: str, **params: int) -> str:
    """``app_url`` followed by the page's path and its query parameters (if any)."""
    query = f"?{urlencode(params)}" if params else ""
    return f"{app_url.rstrip('/')}/{page}{query}"


def agenda_link(app_url: str, pair_id: int, number: int | None = None) -> str:
    """Where a pair's agenda (for session ``number``, or its next planned session) is opened."""
    params = {PAIR_PARAM: pair_id} if number is None else {PAIR_PARAM: pair_id, SESSION_PARAM: number}
    return page_link(app_url, AGENDA_PAGE, **params)


def my_program_link(app_url: str) -> str:
    """Where a participant checks in after a session and answers the open survey."""
    return page_link(app_url, MY_PROGRAM_PAGE)
