"""Reverse Mentoring Coach: the Streamlit app. Layout and navigation only; pages call ``coach``."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui

st.set_page_config(page_title="Reverse Mentoring Coach", page_icon="🤝", layout="wide")

pages = {
    "Start": [st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True)],
    "Prepare": [
        st.Page("app_pages/agenda.py", title="Agenda builder", icon=":material/event_note:"),
        st.Page("app_pages/questions.py", title="Question prep", icon=":material/help:"),
        st.Page("app_pages/ask.py", title="Ask the guide", icon=":material/menu_book:"),
    ],
    "Practise": [
        st.Page("app_pages/rehearsal.py", title="Feedback rehearsal", icon=":material/theater_comedy:"),
        st.Page("app_pages/reflection.py", title="Stereotype reflection", icon=":material/self_improvement:"),
        st.Page("app_pages/history.py", title="My history", icon=":material/history:"),
    ],
    "Program": [
        st.Page("app_pages/dashboard.py", title="Program dashboard", icon=":material/monitoring:"),
        st.Page("app_pages/knowledge.py", title="Knowledge base", icon=":material/folder_open:"),
        st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}
navigation = st.navigation(pages)
ui.keep_view_state()
signed_in = st.sidebar.empty()


def show_signed_in() -> None:
    """Who is using the app, in the sidebar."""
    name = ui.owner()
    signed_in.caption(f"Signed in as **{ui.escape(name)}** · {ui.role()}" if name else "No display name yet (set it on Home)")


show_signed_in()
with ui.guard():
    navigation.run()
show_signed_in()  # Home may have just changed the name
ui.remember_identity()
