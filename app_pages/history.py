"""My history: one's own past rehearsals with transcript and scorecards, and downloads of saved items."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from app_pages._scorecard import transcript
from coach.actors import Actor, Role
from coach.flows.roleplay.session import load_personas
from coach.storage import repositories as repo
from coach.storage.exports import (
    attempt_markdown,
    questions_csv,
    questions_markdown,
    reflections_csv,
    reflections_markdown,
)

TIME_FORMAT = "%d %b %Y, %H:%M"


def persona_name(persona_id: str) -> str:
    """The persona's name (an attempt made with a persona that is gone keeps its id)."""
    persona = personas.get(persona_id)
    return f"{persona.name}, {persona.title}" if persona else persona_id


def attempts_section(me: Actor) -> None:
    """Every attempt with at least one turn, newest first; the chosen one in full."""
    attempts = list(reversed(repo.list_attempts(db, me)))
    st.subheader("Rehearsals")
    if not attempts:
        st.info(
            "No rehearsals yet. Your attempts appear here once you have given a first turn.",
            icon=":material/theater_comedy:",
        )
        st.page_link("app_pages/rehearsal.py", label="Start a rehearsal", icon=":material/theater_comedy:")
        return
    st.dataframe(
        [
            {
                "when": a.created_at.strftime(TIME_FORMAT),
                "persona": persona_name(a.persona),
                "difficulty": a.difficulty,
                "turns": len(a.turns),
                "average": None if a.overall is None else round(a.overall),
            }
            for a in attempts
        ],
        hide_index=True,
        width="stretch",
    )
    by_id = {a.id: a for a in attempts}
    key = ui.kept("history_attempt", attempts[0].id)
    if st.session_state[key] not in by_id:
        st.session_state[key] = attempts[0].id
    chosen = st.selectbox(
        "Read an attempt",
        list(by_id),
        key=key,
        format_func=lambda i: (
            f"{by_id[i].created_at.strftime(TIME_FORMAT)} · {persona_name(by_id[i].persona)} · "
            f"{len(by_id[i].turns)} turn(s)"
        ),
    )
    attempt = repo.get_attempt(db, me, int(chosen))
    persona = personas.get(attempt.persona)
    transcript(persona.opening if persona else "", attempt.turns, expand_last=False)
    st.download_button(
        "Download this transcript (Markdown)",
        attempt_markdown(attempt, persona.name if persona else attempt.persona),
        file_name=f"rehearsal-{attempt.created_at:%Y%m%d-%H%M}.md",
        mime="text/markdown",
    )


def questions_section(me: Actor) -> None:
    """Downloads of every saved question."""
    saved = repo.list_questions(db, me)
    st.subheader("Saved questions")
    if not saved:
        st.caption("None saved yet: prepare some on Question prep.")
        return
    st.write(f"{len(saved)} question(s) saved.")
    left, right = st.columns(2)
    left.download_button(
        "Download questions (Markdown)", questions_markdown(saved), file_name="questions.md", mime="text/markdown"
    )
    right.download_button("Download questions (CSV)", questions_csv(saved), file_name="questions.csv", mime="text/csv")


def reflections_section(me: Actor) -> None:
    """Downloads of every saved reflection."""
    saved = repo.list_reflections(db, me)
    st.subheader("Saved reflections")
    if not saved:
        st.caption("None saved yet: write one on Stereotype reflection.")
        return
    st.write(f"{len(saved)} reflection(s) saved. Only you can see them.")
    left, right = st.columns(2)
    left.download_button(
        "Download reflections (Markdown)", reflections_markdown(saved), file_name="reflections.md", mime="text/markdown"
    )
    right.download_button(
        "Download reflections (CSV)", reflections_csv(saved), file_name="reflections.csv", mime="text/csv"
    )


st.title("My history")
st.caption("Only you can see this page's rehearsals, questions and reflections.")
me = ui.require_actor(Role.MENTOR, Role.MENTEE)
db = ui.database()
personas = load_personas()
attempts_section(me)
questions_section(me)
reflections_section(me)
