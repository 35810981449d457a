"""Program dashboard for coordinators: pairs, sessions and practice, as aggregates only."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _components as ui
from coach.actors import Role
from coach.storage import repositories as repo

KINDS = ["held", "agenda saved", "not yet planned"]
KIND_COLOURS = ["#2e7d32", "#1e88e5", "#cfd8dc"]

st.title("Program dashboard")
me = ui.require_actor(Role.COORDINATOR, Role.ADMINISTRATOR)
st.caption("Counts and averages only: private rehearsal transcripts and reflections are never shown here.")
db = ui.database()

with st.expander("Add a pair"), st.form("new_pair", clear_on_submit=True):
    mentor = st.text_input("Junior mentor")
    mentee = st.text_input("Senior mentee")
    goals = st.text_area("Goals")
    planned = st.number_input("Planned sessions", min_value=1, max_value=100, value=6)
    if st.form_submit_button("Add pair"):
        with ui.guard():
            pair = repo.create_pair(db, mentor, mentee, goals=goals, program_sessions=int(planned))
            st.success(f"Added {ui.escape(pair.label)}.")

summary = repo.program_summary(db, me, ui.settings().min_group_size)
if summary.scores_hidden:
    st.info(f"Averages appear once at least {summary.min_group_size} people have rehearsed, "
            "so no one person's scores can be read from them.")
cols = st.columns(4)
cols[0].metric("Pairs", summary.pairs)
cols[1].metric("Sessions held", f"{summary.sessions_held} / {summary.sessions_planned}")
cols[2].metric("Practice attempts", summary.practice_attempts, help=f"by {summary.practitioners} people")
cols[3].metric("Average rehearsal score", "–" if summary.average_overall is None else f"{summary.average_overall:.0f}")

if summary.progress:
    st.subheader("Sessions held against planned")
    rows = [
        {"pair": p.label, "kind": kind, "sessions": n, "order": KINDS.index(kind)}
        for p in summary.progress
        for kind, n in (("held", p.held), ("agenda saved", p.scheduled), ("not yet planned",
                        max(0, p.planned_sessions - p.held - p.scheduled)))
    ]
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("sessions:Q", stack="zero"), y=alt.Y("pair:N", title=None),
            color=alt.Color("kind:N", scale=alt.Scale(domain=KINDS, range=KIND_COLOURS)),
            order=alt.Order("order:Q"),
        )
    )
    st.altair_chart(chart, width="stretch")
else:
    st.info("No pairs yet. Add one above, or build an agenda for a new pair.")

if summary.scores_over_time:
    st.subheader("Average rubric scores over time")
    overall = pd.DataFrame([{"day": p.day, "overall": p.overall, "attempts": p.attempts}
                            for p in summary.scores_over_time])
    st.altair_chart(
        alt.Chart(overall).mark_line(point=True).encode(
            x=alt.X("day:T", title="Day"), y=alt.Y("overall:Q", title="Overall (0-100)", scale=alt.Scale(domain=[0, 100])),
            tooltip=["day", "overall", "attempts"],
        ),
        width="stretch",
    )
    criteria = pd.DataFrame([{"day": p.day, "criterion": c, "mark": v}
                             for p in summary.scores_over_time for c, v in p.criteria.items()])
    if not criteria.empty:
        st.altair_chart(
            alt.Chart(criteria).mark_line(point=True).encode(
                x=alt.X("day:T", title="Day"), y=alt.Y("mark:Q", title="Mean mark (0-2)", scale=alt.Scale(domain=[0, 2])),
                color="criterion:N",
            ),
            width="stretch",
        )
else:
    st.info("No practice attempts yet.")
