"""Reverse Mentoring Coach: the Streamlit app. Layout and navigation only; pages call ``coach``.

The navigation lists only the pages the signed-in role may use; every page checks again
(``ui.require_actor``) and so does every ``coach`` function it calls.
"""

from __future__ import annotations

import streamlit as st

from coach.config import apply_offline_environment

apply_offline_environment()

from app_pages import _components as ui  # noqa: E402 - after the offline environment is set
from coach.links import AGENDA_PAGE, MY_PROGRAM_PAGE  # noqa: E402

st.set_page_config(page_title="Reverse Mentoring Coach", page_icon="🤝", layout="wide")

SECTIONS = {
    "Start": [("app_pages/home.py", "Home", ":material/home:")],
    "Prepare": [
        ("app_pages/agenda.py", "Agenda builder", ":material/event_note:"),
        ("app_pages/questions.py", "Question prep", ":material/help:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
    "Practise": [
        ("app_pages/rehearsal.py", "Feedback rehearsal", ":material/theater_comedy:"),
        ("app_pages/reflection.py", "Stereotype reflection", ":material/self_improvement:"),
        ("app_pages/history.py", "My history", ":material/history:"),
    ],
    "Program": [
        ("app_pages/dashboard.py", "Program dashboard", ":material/monitoring:"),
        ("app_pages/people.py", "People", ":material/group:"),
        ("app_pages/matching.py", "Matching", ":material/group_add:"),
        ("app_pages/my_program.py", "My program", ":material/event_available:"),
        ("app_pages/pair_health.py", "Pair health", ":material/monitor_heart:"),
        ("app_pages/program_report.py", "Program report", ":material/summarize:"),
        ("app_pages/knowledge.py", "Knowledge base", ":material/folder_open:"),
        ("app_pages/settings.py", "Settings", ":material/settings:"),
    ],
}
# Pages that emails and calendar files link to keep the URL path those links use.
URL_PATHS = {"app_pages/agenda.py": AGENDA_PAGE, "app_pages/my_program.py": MY_PROGRAM_PAGE}

with ui.guard():
    ui.keep_view_state()
    me = ui.actor()
    ui.write_session_cookie()
    pages = {
        section: [
            st.Page(path, title=title, icon=icon, url_path=URL_PATHS.get(path), default=path == "app_pages/home.py")
            for path, title, icon in entries
            if ui.may_open(path, me)
        ]
        for section, entries in SECTIONS.items()
    }
    navigation = st.navigation({section: listed for section, listed in pages.items() if listed})
    if me is not None:
        st.sidebar.caption(f"Signed in as **{ui.escape(me.display_name)}** · {me.role.value}")
    else:
        st.sidebar.caption("Not signed in")
    navigation.run()
