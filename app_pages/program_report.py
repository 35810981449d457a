"""The program report for coordinators and sponsors: charts, then PDF and CSV downloads."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _components as ui
from coach.operations import program as ops
from coach.operations.report_export import SURVEY_LABELS, to_csv, to_pdf
from coach.programs import repository as programs

st.title("Program report")
actor = ui.require_actor(*ops.STAFF)
db = ui.database()
settings = ui.settings()
st.caption(f"Aggregates only. Averages over fewer than {settings.min_group_size} people are hidden.")

found = programs.list_programs(db, actor)
if not found:
    st.info("No program yet. Create one on the Matching page.")
    st.stop()
chosen = st.selectbox("Program", found, format_func=lambda p: p.name, key="report_program")
with st.spinner("Adding up the program…"):
    report = ops.program_report(db, actor, chosen.id, chosen.name, datetime.now(UTC), settings)

cols = st.columns(4)
cols[0].metric("Pairs", report.pairs)
cols[1].metric("People who have met", f"{report.active_people} / {report.people}")
cols[2].metric("Sessions held", f"{report.sessions_held} / {report.sessions_planned}")
growth = (
    None
    if report.rehearsal_first.value is None or report.rehearsal_latest.value is None
    else report.rehearsal_latest.value - report.rehearsal_first.value
)
cols[3].metric("Rehearsal growth", "hidden" if growth is None else f"{growth:+.0f} points")

rows = [
    {"session": s.number, "measure": name, "rating": figure.value}
    for s in report.sessions
    for name, figure in (("usefulness", s.usefulness), ("safe to be candid", s.safety))
    if figure.value is not None
]
st.subheader("Check-in ratings by session")
if len({r["session"] for r in rows}) < 2:
    st.info("The trend appears once two sessions each have ratings from enough people.")
else:
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("session:O", title="Session"),
            y=alt.Y("rating:Q", scale=alt.Scale(domain=[1, 5]), title="Rating (1-5)"),
            color=alt.Color("measure:N", title=None),
        )
    )
    st.altair_chart(chart, width="stretch")

st.subheader("Start and end of the program")
st.dataframe(
    [
        {
            "question": SURVEY_LABELS.get(c.item, c.item),
            "start": c.baseline.shown(),
            "end": c.end.shown(),
            "people": c.baseline.people,
        }
        for c in report.surveys
    ],
    hide_index=True,
    width="stretch",
)
own = report.program_question
if own is not None:
    st.subheader("The program's own question")
    st.markdown(f"*{ui.escape(own.text)}*")
    if own.kind == "text":
        st.caption("Text answers stay with the people who wrote them and are never reported.")
    elif own.figure.value is None:
        st.caption(f"Hidden: fewer than {report.min_group} people have answered it.")
    elif own.kind == "scale":
        st.metric("Average rating (1-5)", f"{own.figure.value:.2f}", help=f"over {own.figure.people} people")
    else:
        st.metric("Answered yes", f"{own.figure.value:.0%}", help=f"share over {own.figure.people} people")

left, right = st.columns(2)
left.download_button(
    "Download PDF",
    to_pdf(report),
    file_name=f"{chosen.name} report.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
)
right.download_button(
    "Download CSV", to_csv(report), file_name=f"{chosen.name} report.csv", mime="text/csv", icon=":material/table:"
)
