"""Home: who you are, what to do next, and which model is in use."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui

NEXT_STEPS = {
    "junior mentor": [
        ("app_pages/agenda.py", "Plan your next session", ":material/event_note:"),
        ("app_pages/rehearsal.py", "Rehearse giving upward feedback", ":material/theater_comedy:"),
        ("app_pages/reflection.py", "Check a draft for generational stereotypes", ":material/self_improvement:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
    "senior mentee": [
        ("app_pages/questions.py", "Prepare questions for your mentor", ":material/help:"),
        ("app_pages/reflection.py", "Reflect on assumptions about younger colleagues", ":material/self_improvement:"),
        ("app_pages/agenda.py", "Look at the next session's agenda", ":material/event_note:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
    "coordinator": [
        ("app_pages/dashboard.py", "See how the program is going", ":material/monitoring:"),
        ("app_pages/knowledge.py", "Add your organisation's guidance", ":material/folder_open:"),
        ("app_pages/settings.py", "Choose the model and check the set-up", ":material/settings:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
}

st.title("Reverse Mentoring Coach")
st.write("Grounded guidance for junior employees mentoring senior leaders on technology, culture and inclusion.")
ui.model_badge()

left, right = st.columns(2)
with left:
    name = st.text_input(
        "Your display name", value=ui.owner(), max_chars=80,
        help="Your rehearsals, reflections and saved questions are kept under this name.",
    )
with right:
    current = ui.role()
    chosen = st.radio("I am a…", ui.ROLES, index=ui.ROLES.index(current), horizontal=True)
ui.set_identity(name, chosen)

st.subheader("What to do next")
if not ui.owner():
    st.info("Start by entering a display name above.")
for page, label, icon in NEXT_STEPS[chosen]:
    st.page_link(page, label=label, icon=icon)
