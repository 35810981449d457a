"""Home: sign-in (or the first administrator, or an invitation), then what to do next."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.accounts import directory, invitations, reflection_sharing, sharing, signin
from coach.actors import Actor, Role

NEXT_STEPS = {
    Role.MENTOR: [
        ("app_pages/agenda.py", "Plan your next session", ":material/event_note:"),
        ("app_pages/rehearsal.py", "Rehearse giving upward feedback", ":material/theater_comedy:"),
        ("app_pages/reflection.py", "Check a draft for generational stereotypes", ":material/self_improvement:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
    Role.MENTEE: [
        ("app_pages/questions.py", "Prepare questions for your mentor", ":material/help:"),
        ("app_pages/reflection.py", "Reflect on assumptions about younger colleagues", ":material/self_improvement:"),
        ("app_pages/agenda.py", "Look at the next session's agenda", ":material/event_note:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
    Role.COORDINATOR: [
        ("app_pages/dashboard.py", "See how the program is going", ":material/monitoring:"),
        ("app_pages/people.py", "Invite mentors and mentees", ":material/group_add:"),
        ("app_pages/knowledge.py", "Add your organisation's guidance", ":material/folder_open:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
    Role.ADMINISTRATOR: [
        ("app_pages/people.py", "Manage accounts and read the audit trail", ":material/group:"),
        ("app_pages/settings.py", "Choose the model and check the set-up", ":material/settings:"),
        ("app_pages/knowledge.py", "Add your organisation's guidance", ":material/folder_open:"),
        ("app_pages/ask.py", "Ask the guide", ":material/menu_book:"),
    ],
}


def first_run() -> None:
    """No account yet: create the administrator here (or with ``coach users create-admin``)."""
    st.subheader("First run: create the administrator")
    st.caption("Or from a shell: `coach users create-admin --email you@example.org`.")
    with st.form("first_admin"):
        email = st.text_input("Email")
        name = st.text_input("Display name")
        password = st.text_input("Password", type="password")
        again = st.text_input("Password again", type="password")
        if st.form_submit_button("Create the administrator", type="primary"):
            with ui.guard():
                if password != again:
                    st.error("The two passwords differ.")
                    return
                ui.sign_in(directory.create_first_admin(ui.database(), email, name, password, ui.settings()))
                st.rerun()


def accept_invitation(token: str) -> None:
    """An invitation (or reset) link: choose a display name and a password."""
    st.subheader("Accept your invitation")
    with st.form("accept_invitation"):
        name = st.text_input("Display name", help="What others in the program see.")
        password = st.text_input("Choose a password", type="password")
        again = st.text_input("Password again", type="password")
        if st.form_submit_button("Join", type="primary"):
            with ui.guard():
                if password != again:
                    st.error("The two passwords differ.")
                    return
                joined = invitations.accept(ui.database(), token, name, password, ui.settings(), ui.client())
                st.query_params.clear()
                ui.sign_in(joined)
                st.rerun()


def sign_in_form() -> None:
    """Email and password, and the company sign-in when it is configured."""
    st.subheader("Sign in")
    if ui.company_sign_in():
        if st.button("Sign in with your company account", type="primary", icon=":material/domain:"):
            st.login()
        refused = st.session_state.get("_company_error")
        if refused:
            st.error(ui.escape(refused))
            if st.button("Sign out of the company account"):
                ui.sign_out()
                st.rerun()
    with st.form("sign_in"):
        email = st.text_input("Email")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary" if not ui.company_sign_in() else "secondary"):
            with ui.guard():
                ui.sign_in(signin.authenticate(ui.database(), email, password, ui.settings(), ui.client()))
                st.rerun()
    st.caption("New here? Ask your program coordinator for an invitation link.")


def welcome(me: Actor) -> None:
    """What to do next for this role, and scorecards and reflections others have shared."""
    st.subheader(f"Welcome, {ui.escape(me.display_name)}")
    st.caption(f"Signed in as {ui.escape(me.email)} · {me.role.value}")
    for page, label, icon in NEXT_STEPS[me.role]:
        st.page_link(page, label=label, icon=icon)
    shared = sharing.shared_with_me(ui.database(), me)
    if shared:
        st.subheader("Scorecards shared with you")
        st.dataframe(
            [
                {
                    "from": c.owner_name,
                    "persona": c.persona,
                    "overall": c.overall,
                    **c.scores,
                    "date": c.created_at.strftime("%Y-%m-%d"),
                }
                for c in shared
            ],
            hide_index=True,
        )
    shared_reflections = reflection_sharing.reflections_shared_with_me(ui.database(), me)
    if shared_reflections:
        st.subheader("Reflections shared with you")
        for entry in shared_reflections:
            with st.container(border=True):
                st.caption(f"From {ui.escape(entry.owner_name)} · {entry.created_at:%Y-%m-%d}")
                st.text(entry.text)
                for question, answer in entry.answers.items():
                    st.markdown(f"*{ui.escape(question)}*  \n{ui.escape(answer)}")
    if st.button("Sign out", icon=":material/logout:"):
        ui.sign_out()
        st.rerun()


st.title("Reverse Mentoring Coach")
st.write("Grounded guidance for junior employees mentoring senior leaders on technology, culture and inclusion.")
ui.model_badge()

current = ui.actor()
invite = st.query_params.get("invite")
if current is not None:
    welcome(current)
elif invite:
    accept_invitation(str(invite))
elif directory.account_count(ui.database()) == 0:
    first_run()
else:
    sign_in_form()
