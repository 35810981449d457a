"""Feedback rehearsal: practise upward feedback with a persona, scored and saved turn by turn.

The rehearsal in progress lives in the database: every turn is saved with its sequence
number as soon as it is scored, and a refresh picks the latest attempt up again. A turn
typed while the persona is still replying waits in a queue and is answered after it, in
order; the chat input is disabled (with the reason in it) until the queue is empty.
"""

from __future__ import annotations

from collections.abc import Iterator

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import _components as ui
from app_pages._scorecard import CRITERIA_LABELS, PERSONA_AVATAR, transcript
from coach.accounts import sharing
from coach.actors import Actor, Role
from coach.errors import CoachError
from coach.flows.roleplay.session import DIFFICULTIES, PracticeSession, load_personas
from coach.services import attempt_scores, resume_practice
from coach.storage import repositories as repo

QUEUE, INPUT = "rehearsal_queue", "rehearsal_input"


def queue_turn() -> None:
    """Chat input callback: keep the turn, in order, until the persona has answered the one before."""
    text = str(st.session_state.get(INPUT) or "")
    if text.strip():
        st.session_state.setdefault(QUEUE, []).append(text)


def load_practice(me: Actor) -> PracticeSession | None:
    """The rehearsal in progress: this tab's, or the latest saved one resumed after a refresh."""
    practice: PracticeSession | None = st.session_state.get("practice")
    if practice is not None and st.session_state.get("practice_owner") == me.account_id:
        return practice
    latest = repo.latest_attempt(db, me)
    if latest is None:
        return None
    with st.spinner("Picking up your rehearsal where you left it…"):
        try:
            practice = resume_practice(
                latest.persona, latest.difficulty, latest.turns, rt.embedder, ui.flow_model(), rt.retriever
            )
        except CoachError as exc:
            st.caption(ui.escape(str(exc)))
            return None
        remember(practice, latest.id, me)
    return practice


def remember(practice: PracticeSession, attempt_id: int, me: Actor, select: bool = True) -> None:
    """Make ``practice`` the rehearsal in progress and (before the form is drawn) show it in the selectors."""
    st.session_state.update(practice=practice, attempt_id=attempt_id, practice_owner=me.account_id)
    if select:
        st.session_state[ui.KEPT_PREFIX + "rehearsal_persona"] = practice.persona.id
        st.session_state[ui.KEPT_PREFIX + "rehearsal_difficulty"] = practice.difficulty


def words(text: str) -> Iterator[str]:
    """The reply piece by piece, for ``st.write_stream``."""
    parts = text.split(" ")
    for i, part in enumerate(parts):
        yield part if i == len(parts) - 1 else part + " "


def answer_queue(practice: PracticeSession, me: Actor) -> None:
    """Answer every waiting turn in order; each is scored and saved before it is shown."""
    queue: list[str] = st.session_state.setdefault(QUEUE, [])
    persona = practice.persona
    while queue:
        with st.chat_message("user"):
            st.text(queue[0])
        with st.chat_message("assistant", avatar=PERSONA_AVATAR):
            with st.spinner(f"{persona.name} is replying…"):
                try:
                    # No Streamlit call between scoring and saving: a rerun cannot split them.
                    turn = practice.respond(queue[0])
                    seq = len(practice.turns)
                    dumped, criteria, overall = attempt_scores(practice.turns)
                    repo.record_attempt_turn(db, me, st.session_state["attempt_id"], seq, dumped[-1], criteria, overall)
                    queue.pop(0)
                except CoachError as exc:
                    queue.clear()
                    st.session_state.pop("practice", None)  # resumed from what was saved
                    ui.show_error(exc)
                    return
            st.write_stream(words(turn.reply))
    st.rerun()  # draw the transcript with the new scorecard and enable the input again


def setup_form(personas: dict, me: Actor) -> None:  # type: ignore[type-arg]
    """Persona and difficulty, showing the rehearsal in progress; starts a new attempt on submit."""
    persona_key = ui.kept("rehearsal_persona", next(iter(personas)))
    difficulty_key = ui.kept("rehearsal_difficulty", "normal")
    with st.form("practice_setup"):
        left, right = st.columns(2)
        persona_id = left.selectbox(
            "Persona", list(personas), key=persona_key, format_func=lambda p: f"{personas[p].name}, {personas[p].title}"
        )
        difficulty = right.radio("Difficulty", DIFFICULTIES, key=difficulty_key, horizontal=True)
        started = st.form_submit_button("Start a new rehearsal", type="primary")
    if started:
        with ui.guard():
            practice = PracticeSession(
                persona_id, difficulty, embedder=rt.embedder, model=ui.flow_model(), retriever=rt.retriever
            )
            attempt_id = repo.start_attempt(db, me, persona_id, difficulty)
            st.session_state[QUEUE] = []
            st.session_state.pop("debrief", None)
            remember(practice, attempt_id, me, select=False)
            st.rerun()


def show_debrief(attempt_id: int) -> None:
    """The debrief of this attempt, if asked for."""
    saved = st.session_state.get("debrief")
    if saved is None or saved[0] != attempt_id:
        return
    debrief = saved[1]
    st.subheader("Debrief")
    st.markdown(ui.escape(debrief.summary))
    st.dataframe(
        [
            {
                "turn": t.turn,
                "overall": t.overall,
                "level": t.level,
                **{CRITERIA_LABELS.get(k, k): v for k, v in t.scores.items()},
            }
            for t in debrief.turns
        ],
        hide_index=True,
    )
    if debrief.improved:
        st.success(
            "Improved: " + ", ".join(CRITERIA_LABELS.get(c, c) for c in debrief.improved), icon=":material/trending_up:"
        )
    st.markdown(f"**Try next:** {ui.escape(debrief.try_next)}")
    ui.citation_cards(debrief.citations)


def scores_chart(me: Actor) -> None:
    """The owner's average score per attempt, once there are two attempts to compare."""
    attempts = repo.list_attempts(db, me)
    if not attempts:
        return
    st.subheader("Your scores across attempts")
    if len(attempts) < 2:
        st.info(
            f"First attempt: average {attempts[0].overall or 0:.0f}/100. Your trend appears after a second attempt.",
            icon=":material/insights:",
        )
        return
    frame = pd.DataFrame(
        [{"attempt": n, "overall": a.overall or 0, "persona": a.persona} for n, a in enumerate(attempts, 1)]
    )
    st.altair_chart(
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("attempt:O", title="Attempt", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("overall:Q", title="Average score", scale=alt.Scale(domain=[0, 100])),
            tooltip=["attempt", "persona", "overall"],
        ),
        width="stretch",
    )
    st.page_link("app_pages/history.py", label="Read earlier attempts in My history", icon=":material/history:")


def share_section(me: Actor) -> None:
    """Share one rehearsal's marks (never the transcript) with a pair or coordinator; revoke a share."""
    attempts = repo.list_attempts(db, me)
    if not attempts:
        return
    with st.expander("Share a scorecard (marks only, never what you wrote)"):
        with st.form("share_scorecard", clear_on_submit=True):
            chosen = st.selectbox(
                "Rehearsal",
                attempts,
                format_func=lambda a: f"{a.created_at:%Y-%m-%d %H:%M} · {a.persona} · {a.overall or 0:.0f}/100",
            )
            grantee = st.text_input("Share with (the email of your senior mentee or a coordinator)")
            if st.form_submit_button("Share"):
                with ui.guard():
                    made = sharing.share_scorecard(db, me, chosen.id, grantee)
                    st.success(f"Shared with {ui.escape(made.grantee_name)}.")
        for share in sharing.my_shares(db, me):
            left, right = st.columns([5, 1])
            left.caption(
                f"Rehearsal #{share.attempt_id} shared with {ui.escape(share.grantee_name)} ({share.grantee_role})"
            )
            if right.button("Revoke", key=f"revoke_share_{share.id}"):
                with ui.guard():
                    sharing.revoke_share(db, me, share.id)
                    st.rerun()


st.title("Feedback rehearsal")
me = ui.require_actor(Role.MENTOR)
db = ui.database()
personas = load_personas()
rt = ui.warm_rehearsal()
current = load_practice(me)
waiting = bool(st.session_state.get(QUEUE))
if current is None:
    placeholder = "Start a rehearsal above first"
elif waiting:
    placeholder = f"Wait for {current.persona.name}'s reply…"
else:
    placeholder = "Give your feedback…"
st.chat_input(placeholder, key=INPUT, on_submit=queue_turn, disabled=current is None or waiting)

setup_form(personas, me)
if current is not None:
    persona = current.persona
    st.caption(
        f"Practising with {ui.escape(persona.name)}, {ui.escape(persona.title)} · {current.difficulty}"
        f" · {len(current.turns)} turn(s) saved"
    )
    with st.expander("About this persona"):
        st.text(persona.profile)
    transcript(current.opening(), current.turns, expand_last=not waiting)
    if waiting:
        answer_queue(current, me)
    if current.finished:
        st.info(
            f"{ui.escape(persona.name)} has committed to a change. Finish for your debrief.",
            icon=":material/handshake:",
        )
    if st.button("Finish and debrief", disabled=not current.turns):
        with st.spinner("Writing your debrief…"), ui.guard():
            st.session_state["debrief"] = (st.session_state["attempt_id"], current.debrief())
    show_debrief(st.session_state["attempt_id"])
scores_chart(me)
share_section(me)
