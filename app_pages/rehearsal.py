"""Feedback rehearsal: practise upward feedback with a persona, scored turn by turn."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _components as ui
from coach.accounts import sharing
from coach.actors import Role
from coach.flows.feedback import FeedbackScore
from coach.flows.roleplay import DIFFICULTIES, PracticeSession, load_personas
from coach.services import attempt_scores
from coach.storage import repositories as repo

PERSONA_AVATAR = ":material/person:"
CRITERIA_LABELS = {"situation": "Situation", "behavior": "Behaviour", "impact": "Impact", "request": "Request",
                   "respect": "Respect"}


def scorecard(score: FeedbackScore, turn: int, expanded: bool) -> None:
    """Per-criterion marks with the quoted evidence, issues and tips for one turn."""
    with st.expander(f"Scorecard, turn {turn}: {score.overall}/100 ({score.level})", expanded=expanded):
        for name, mark in score.criteria.items():
            icon = "✅" if mark.met else ("🟡" if mark.score == 1 else "⭕")
            line = f"{icon} **{CRITERIA_LABELS.get(name, name)}** {mark.score}/2"
            if mark.evidence:
                line += f" · “{ui.escape(mark.evidence)}”"
            if not mark.met:
                line += f"  \nTip: {ui.escape(mark.tip)}"
            st.markdown(line)
        for issue in score.issues:
            st.markdown(f"⚠️ “{ui.escape(issue.span)}”: {ui.escape(issue.message)}")
        for flag in score.stereotype_flags:
            st.markdown(f"🪞 “{ui.escape(flag.span)}”: {ui.escape(flag.explanation)}")
        if score.rewrite:
            st.caption("A stronger version")
            st.text(score.rewrite)


st.title("Feedback rehearsal")
me = ui.require_actor(Role.MENTOR)
db = ui.database()
personas = load_personas()
practice: PracticeSession | None = st.session_state.get("practice")

with st.form("practice_setup"):
    left, right = st.columns(2)
    persona_id = left.selectbox("Persona", list(personas),
                                format_func=lambda p: f"{personas[p].name}, {personas[p].title} ({p})")
    difficulty = right.radio("Difficulty", DIFFICULTIES, index=DIFFICULTIES.index("normal"), horizontal=True)
    started = st.form_submit_button("Start a new rehearsal", type="primary")
if started:
    with ui.guard():
        rt = ui.ensure_index()
        practice = PracticeSession(persona_id, difficulty, embedder=rt.embedder, model=ui.flow_model(),
                                   retriever=rt.retriever)
        st.session_state["practice"] = practice
        st.session_state["attempt_id"] = repo.start_attempt(db, me, persona_id, difficulty)
        st.session_state.pop("debrief", None)

if practice is not None:
    persona = practice.persona
    st.caption(f"Practising with {ui.escape(persona.name)}, {ui.escape(persona.title)} · {practice.difficulty}")
    with st.expander("About this persona"):
        st.text(persona.profile)
    with st.chat_message("assistant", avatar=PERSONA_AVATAR):
        st.text(practice.opening())
    for n, turn in enumerate(practice.turns, 1):
        with st.chat_message("user"):
            st.text(turn.user)
            scorecard(turn.score, n, expanded=False)
        with st.chat_message("assistant", avatar=PERSONA_AVATAR):
            st.text(turn.reply)

    said = st.chat_input("Give your feedback…")
    if said:
        with st.chat_message("user"):
            st.text(said)
        with ui.guard():
            with st.chat_message("assistant", avatar=PERSONA_AVATAR):
                st.write_stream(practice.stream_reply(said))
            turn = practice.turns[-1]
            scorecard(turn.score, len(practice.turns), expanded=True)
            turns, criteria, overall = attempt_scores(practice.turns)
            repo.record_attempt(db, me, st.session_state["attempt_id"], turns, criteria, overall)
    if practice.finished:
        st.info(f"{ui.escape(persona.name)} has committed to a change. Finish for your debrief.")
    if st.button("Finish and debrief", disabled=not practice.turns):
        st.session_state["debrief"] = practice.debrief()

debrief = st.session_state.get("debrief")
if debrief is not None:
    st.subheader("Debrief")
    st.markdown(ui.escape(debrief.summary))
    st.dataframe(
        [{"turn": t.turn, "overall": t.overall, "level": t.level, **t.scores} for t in debrief.turns],
        hide_index=True,
    )
    if debrief.improved:
        st.success("Improved: " + ", ".join(CRITERIA_LABELS.get(c, c) for c in debrief.improved))
    st.markdown(f"**Try next:** {ui.escape(debrief.try_next)}")
    ui.citation_cards(debrief.citations)

attempts = repo.list_attempts(db, me)
if attempts:
    st.subheader("Your scores across attempts")
    frame = pd.DataFrame([{"attempt": n, "overall": a.overall or 0, "persona": a.persona}
                          for n, a in enumerate(attempts, 1)])
    st.altair_chart(
        alt.Chart(frame).mark_line(point=True).encode(
            x=alt.X("attempt:O", title="Attempt"), y=alt.Y("overall:Q", title="Average score", scale=alt.Scale(
                domain=[0, 100])), tooltip=["attempt", "persona", "overall"],
        ),
        width="stretch",
    )

if attempts:
    with st.expander("Share a scorecard (marks only, never what you wrote)"):
        with st.form("share_scorecard", clear_on_submit=True):
            chosen = st.selectbox("Rehearsal", attempts, format_func=lambda a: (
                f"{a.created_at:%Y-%m-%d %H:%M} · {a.persona} · {a.overall or 0:.0f}/100"))
            grantee = st.text_input("Share with (the email of your senior mentee or a coordinator)")
            if st.form_submit_button("Share"):
                with ui.guard():
                    made = sharing.share_scorecard(db, me, chosen.id, grantee)
                    st.success(f"Shared with {ui.escape(made.grantee_name)}.")
        for share in sharing.my_shares(db, me):
            left, right = st.columns([5, 1])
            left.caption(f"Rehearsal #{share.attempt_id} shared with {ui.escape(share.grantee_name)} "
                         f"({share.grantee_role})")
            if right.button("Revoke", key=f"revoke_share_{share.id}"):
                with ui.guard():
                    sharing.revoke_share(db, me, share.id)
                    st.rerun()
