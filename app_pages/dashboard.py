"""Program dashboard for coordinators: pairs, sessions and practice, as aggregates only."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _components as ui
from app_pages._scorecard import CRITERIA_LABELS
from coach.actors import Role
from coach.storage import repositories as repo

KINDS = ["held", "agenda saved", "not yet planned"]
KIND_COLOURS = ["#2e7d32", "#1e88e5", "#cfd8dc"]
MIN_TREND_POINTS = 2  # one day's average is a dot, not a trend

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
            pair = repo.create_pair(db, me, mentor, mentee, goals=goals, program_sessions=int(planned))
            st.success(f"Added {ui.escape(pair.label)}.")

summary = repo.program_summary(db, me, ui.settings().min_group_size)
if summary.scores_hidden:
    st.info(
        f"Averages appear once at least {summary.min_group_size} people have rehearsed, "
        "so no one person's scores can be read from them."
    )
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
        for kind, n in (
            ("held", p.held),
            ("agenda saved", p.scheduled),
            ("not yet planned", max(0, p.planned_sessions - p.held - p.scheduled)),
        )
    ]
    most = max(p.planned_sessions for p in summary.progress)
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X(
                "sessions:Q",
                stack="zero",
                title="Sessions",
                scale=alt.Scale(domain=[0, most], nice=False),
                axis=alt.Axis(values=list(range(most + 1)), format="d"),
            ),
            y=alt.Y("pair:N", title=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=KINDS, range=KIND_COLOURS),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=["pair", "kind", "sessions"],
        )
    )
    chart_col, table_col = st.columns([3, 2])
    chart_col.altair_chart(chart, width="stretch")
    table_col.dataframe(
        [
            {"pair": p.label, "held": p.held, "agenda saved": p.scheduled, "planned": p.planned_sessions}
            for p in summary.progress
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No pairs yet. Add one above, or build an agenda for a new pair.", icon=":material/group_add:")

st.subheader("Average rubric scores over time")
points = summary.scores_over_time
if len(points) < MIN_TREND_POINTS:
    if summary.practice_attempts:
        st.info(
            f"{summary.practice_attempts} practice attempt(s) so far. The trend appears once people have practised "
            f"on {MIN_TREND_POINTS} different days.",
            icon=":material/insights:",
        )
    else:
        st.info(
            "No practice attempts yet. Scores appear here once mentors rehearse on the Feedback rehearsal page.",
            icon=":material/insights:",
        )
else:
    overall = pd.DataFrame([{"day": p.day, "overall": p.overall, "attempts": p.attempts} for p in points])
    st.altair_chart(
        alt.Chart(overall)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b", tickCount="day")),
            y=alt.Y("overall:Q", title="Overall (0-100)", scale=alt.Scale(domain=[0, 100])),
            tooltip=["day", "overall", "attempts"],
        ),
        width="stretch",
    )
    criteria = pd.DataFrame(
        [
            {"day": p.day, "criterion": CRITERIA_LABELS.get(c, c), "mark": v}
            for p in points
            for c, v in p.criteria.items()
        ]
    )
    if not criteria.empty:
        st.altair_chart(
            alt.Chart(criteria)
            .mark_line(point=True)
            .encode(
                x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b", tickCount="day")),
                y=alt.Y("mark:Q", title="Mean mark (0-2)", scale=alt.Scale(domain=[0, 2])),
                color=alt.Color("criterion:N", title=None),
            ),
            width="stretch",
        )
