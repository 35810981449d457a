"""A participant's own program: schedule, check-ins, open action items, past agendas, surveys, inbox."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages import _components as ui
from app_pages import _questions as questions
from coach.actors import Role
from coach.operations import program as ops
from coach.operations.checkins import submit_checkin
from coach.operations.participants import my_pairs
from coach.operations.questions import load_questions
from coach.operations.sources import pair_members
from coach.operations.surveys import answer_survey, my_surveys
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
        [
            {
                "session": s.number,
                "when (UTC)": s.starts_at.strftime("%a %d %b %Y %H:%M") if s.starts_at else "to agree",
                "status": s.status,
            }
            for s in pair.match.sessions
        ],
        hide_index=True,
        width="stretch",
    )
    with ui.guard():
        st.download_button(
            "Add the sessions to my calendar (.ics)",
            lifecycle.pair_calendar(db, actor, pair.match.id, actor.email, settings.app_url),
            file_name="mentoring-sessions.ics",
            mime="text/calendar",
            key=f"ics_{pair.match.id}",
            icon=":material/calendar_month:",
        )
    due = pair.due_checkins(now)
    if due:
        with st.form(f"checkin_{pair.match.id}", clear_on_submit=True):
            st.markdown("**One-minute check-in**")
            number = st.selectbox("Session", due, index=len(due) - 1)
            pulse = bank.pulse_for(pair.program_question)
            # Goal progress is asked goal by goal; without goals on the profile it is one overall item.
            goals = pair.goals or ("my goals",)
            answers = {q.id: questions.answer(q, f"pulse_{pair.match.id}_{q.id}", goals=goals) for q in pulse}
            if st.form_submit_button("Send check-in"):
                with ui.guard():
                    submit_checkin(
                        db,
                        actor,
                        pair.match.id,
                        int(number),
                        {qid: value for qid, value in answers.items() if value is not None},
                        bank=bank,
                        members=pair_members(db),
                        goals=goals,
                        program_question=pair.program_question,
                    )
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
                [
                    {
                        "session": c.session_number,
                        "met": "yes" if c.answers.get("met") else "no",
                        "useful": c.answers.get("usefulness"),
                        "safe": c.answers.get("safety"),
                        "program question": str(c.answers.get("program", "")),
                        "my note": c.note,
                    }
                    for c in pair.checkins
                ],
                hide_index=True,
                width="stretch",
            )

surveys = my_surveys(db, actor, now, bank)
if surveys:
    st.subheader("Surveys")
    st.caption(
        "The same goal and skill questions at the start, middle and end show how far you have come. "
        "Only you see your answers; coordinators see averages over several people. A survey can be "
        "changed while it is open."
    )
for survey in surveys:
    if survey.editable:
        sent = questions.survey_form(survey)
        if sent is not None:
            with ui.guard():
                survey = answer_survey(db, actor, survey.program_id, survey.survey, sent, bank=bank, now=now)
                st.success(f"Thanks: your answers to the {survey.title.lower()} are saved.")
        if survey.answered:
            st.caption(
                f"{survey.title}: answered on {survey.submitted_at:%d %b %Y}; you can change your answers "
                f"until {survey.window.closes:%d %b %Y}."
            )
    elif survey.answered:
        st.caption(
            f"{survey.title} ({ui.escape(survey.program)}): answered, closed on {survey.window.closes:%d %b %Y}."
        )
    elif survey.state == "upcoming" and survey.window.opens is not None:
        st.caption(f"{survey.title} ({ui.escape(survey.program)}): opens on {survey.window.opens:%d %b %Y}.")

st.subheader("Inbox")
messages = ops.inbox(db, actor)
if not messages:
    st.caption("No reminders or notes yet.")
for message in messages[:20]:
    with st.expander(f"{message.subject} ({message.created_at:%d %b})"):
        st.text(message.body)
