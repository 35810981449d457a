"""Pair health for coordinators: who has not met, who is stuck, with one-click actions."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages import _components as ui
from coach.operations import program as ops
from coach.operations import pulse
from coach.operations.health import HealthState
from coach.operations.questions import PULSE_KINDS, load_questions
from coach.programs import lifecycle
from coach.programs import repository as programs

STATE_ICONS = {
    HealthState.NEEDS_ATTENTION: ":material/warning:",
    HealthState.TOO_EARLY: ":material/hourglass_empty:",
    HealthState.ON_TRACK: ":material/check_circle:",
}

st.title("Pair health")
st.caption("Ratings, attendance and check-in counts only: notes and transcripts are never shown here.")
actor = ui.require_actor(*ops.STAFF)
db = ui.database()
settings = ui.settings()
now = datetime.now(UTC)

found = programs.list_programs(db, actor)
if not found:
    st.info("No program yet. Create one and publish its pairs on the Matching page.")
    st.stop()
chosen = st.selectbox("Program", found, format_func=lambda p: p.name, key="health_program")
current = pulse.get_program_question(db, actor, chosen.id)
with st.expander("The program's own check-in question", icon=":material/quiz:"):
    st.caption(
        "One extra question both people of each pair answer after every session. Ratings and yes/no "
        "answers appear in the report as averages over enough people; text answers never do."
    )
    if current is not None:
        st.markdown(f"Now asking: **{ui.escape(current.text)}** ({PULSE_KINDS[current.kind]})")
    with st.form(f"pulse_{chosen.id}"):
        text = st.text_input("Question", value=current.text if current else "", max_chars=400)
        kinds = list(PULSE_KINDS)
        kind = st.radio(
            "Answered with",
            kinds,
            format_func=lambda k: PULSE_KINDS[k].capitalize(),
            horizontal=True,
            index=kinds.index(current.kind) if current else 0,
        )
        if st.form_submit_button("Save the question"):
            with ui.guard():
                saved = pulse.set_program_question(
                    db, actor, chosen.id, text, kind, bank=load_questions(settings.knowledge_dir / "data")
                )
                st.success(f"Saved: pairs will now be asked '{saved.text}'.")
    if current is not None and st.button("Remove the question", icon=":material/delete:"):
        with ui.guard():
            pulse.remove_program_question(db, actor, chosen.id)
            st.success("Removed: the check-in is back to the standard questions.")
healths = ops.pair_health(db, actor, chosen.id, now, ops.rules_for(settings))
if not healths:
    st.info("No published pairs in this program yet.")
    st.stop()

counts = {state: sum(h.state is state for h in healths) for state in HealthState}
cols = st.columns(3)
for col, state in zip(cols, HealthState, strict=True):
    col.metric(state.value, counts[state])

for health in healths:
    with st.container(border=True):
        st.markdown(f"{STATE_ICONS[health.state]} **{ui.escape(health.label)}**: {health.state.value}")
        for finding in health.findings:
            st.markdown(f"- {ui.escape(finding.message)}")
        left, middle, right = st.columns(3)
        if left.button("Send a nudge", key=f"nudge_{health.pair_id}", icon=":material/mail:"):
            with ui.guard(), st.spinner("Recording and sending the nudge…"):
                report = ops.send_manual(db, actor, health.pair_id, "nudge", now, settings)
                st.success("Nudge sent to both." if report.recorded else "A nudge already went to this pair today.")
        if middle.button(
            "Suggest the independent contact", key=f"contact_{health.pair_id}", icon=":material/support_agent:"
        ):
            with ui.guard(), st.spinner("Recording and sending the note…"):
                report = ops.send_manual(db, actor, health.pair_id, "contact", now, settings)
                st.success("Note sent to both." if report.recorded else "This note already went today.")
        with right.popover("Re-match", icon=":material/swap_horiz:"):
            reason = st.text_input("Why end this pair?", key=f"reason_{health.pair_id}")
            if st.button("End and return both to the pool", key=f"rematch_{health.pair_id}"):
                with ui.guard():
                    lifecycle.end_match(db, actor, health.pair_id, reason, rematch=True)
                    st.success("Pair ended; run the matching again on the Matching page.")

st.divider()
if st.button("Run the nudges now", icon=":material/send:"):
    with ui.guard(), st.spinner("Planning and sending due reminders and nudges…"):
        report = ops.run_nudges(db, settings, now)
        where = "by email" if settings.smtp_host else "to the app inbox (no SMTP server set)"
        st.success(f"{report.line()} ({where}).")
problems = ops.outbox_problems(db, actor)
if problems:
    st.subheader("Nudges that need a look")
    st.dataframe(
        [{"to": n.recipient, "subject": n.subject, "status": n.status, "problem": n.last_error} for n in problems],
        hide_index=True,
        width="stretch",
    )
