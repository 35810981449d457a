"""A participant's own program: schedule, check-ins, open action items, past agendas, inbox."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages import _components as ui
from coach.actors import Role
from coach.operations import program as ops
from coach.operations.checkins import submit_checkin
from coach.operations.participants import my_pairs
from coach.operations.questions import load_questions
from coach.operations.sources import pair_members
from coach.programs import lifecycle

st.title("My program")
actor = ui.require_actor(Role.MENTOR, Role.MENTEE)
db = ui.database()
settings = ui.settings()
now = datetime.now(UTC)
bank = load_questions(settings.knowledge_data_dir)

pairs = my_pairs(db, actor)
if not pairs:
    st.info("You are not in a published pair yet. Your coordinator will let you know when pairs are published.")
for pair in pairs:
    st.subheader(f"With {ui.escape(pair.partner)}")
    st.dataframe(
        [{"session": s.number, "when (UTC)": s.starts_at.strftime("%a %d %b %Y %H:%M") if s.starts_at else "to agree",
          "status": s.status} for s in pair.match.sessions],
        hide_index=True, width="stretch",
    )
    with ui.guard():
        st.download_button("Add the sessions to my calendar (.ics)",
                           lifecycle.pair_calendar(db, actor, pair.match.id, actor.email, settings.app_url),
                           file_name="mentoring-sessions.ics", mime="text/calendar", key=f"ics_{pair.match.id}",
                           icon=":material/calendar_month:")
    due = pair.due_checkins(now)
    if due:
        with st.form(f"checkin_{pair.match.id}", clear_on_submit=True):
            st.markdown("**One-minute check-in**")
            number = st.selectbox("Session", due, index=len(due) - 1)
            met = st.radio("Did the two of you meet for this session?", ["Yes", "No"], horizontal=True)
            useful = st.slider("How useful was the session for you?", 1, 5, 3)
            safe = st.slider("How safe did it feel to say what you really think?", 1, 5, 3)
            progress = st.radio("Did it move your goals forward?", ["no progress", "some progress", "clear progress"],
                                horizontal=True)
            note = st.text_area("Anything you want to remember? Only you can read this note.")
            if st.form_submit_button("Send check-in"):
                with ui.guard():
                    answers = {"met": met == "Yes", "usefulness": useful, "safety": safe,
                               "goal_progress": {"goals": ["no progress", "some progress", "clear progress"].index(progress)},
                               "note": note}
                    submit_checkin(db, actor, pair.match.id, int(number), answers, bank=bank,
                                   members=pair_members(db), goals=("goals",))
                    st.success(f"Thanks: check-in for session {number} saved.")
    if pair.open_actions:
        st.markdown("**Open action items**")
        for item in pair.open_actions:
            st.markdown(f"- {ui.escape(item.text)} (from session {item.session_number})")
    for agenda in pair.agendas:
        with st.expander(f"Agenda of session {agenda.number}"):
            items = (agenda.agenda or {}).get("items", [])
            for item in items:
                st.markdown(f"- {item.get('minutes', '?')} min: {ui.escape(str(item.get('title', '')))}")
    if pair.checkins:
        with st.expander("My check-ins"):
            st.dataframe(
                [{"session": c.session_number, "met": "yes" if c.answers.get("met") else "no",
                  "useful": c.answers.get("usefulness"), "safe": c.answers.get("safety"), "my note": c.note}
                 for c in pair.checkins],
                hide_index=True, width="stretch",
            )

st.subheader("Inbox")
messages = ops.inbox(db, actor)
if not messages:
    st.caption("No reminders or notes yet.")
for message in messages[:20]:
    with st.expander(f"{message.subject} ({message.created_at:%d %b})"):
        st.text(message.body)
