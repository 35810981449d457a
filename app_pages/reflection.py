"""Stereotype reflection: flagged spans with explanations and reframes, then guided questions."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.actors import Role
from coach.flows.stereotypes import Reflection, reflect
from coach.storage import repositories as repo

st.title("Stereotype reflection")
st.caption("Write or paste a draft message, note or thought. Only you can see what you save here.")
me = ui.require_actor(Role.MENTOR, Role.MENTEE)
db = ui.database()

text = st.text_area("Your text", height=150, key="reflection_text",
                    placeholder="e.g. He's from a generation that just doesn't get new technology.")
if st.button("Check my text", type="primary"):
    with ui.guard(), st.status("Reflecting…", expanded=True) as status:
        st.write("Loading the guidance library")
        rt = ui.ensure_index()
        st.write("Looking for generalisations about age groups, then finding guidance")
        result = reflect(text, rt.retriever, rt.embedder)
        st.session_state["reflection"] = (text, result)
        status.update(label=f"{len(result.check.flags)} passage(s) flagged", state="complete", expanded=False)

if "reflection" in st.session_state:
    checked_text, result = st.session_state["reflection"]
    result = Reflection.model_validate(result)
    if result.check.flags:
        st.markdown(ui.highlighted(checked_text, [(f.start, f.end) for f in result.check.flags]))
        for flag in result.check.flags:
            with st.container(border=True):
                st.markdown(
                    f"**{ui.escape(flag.category.replace('-', ' ').capitalize())}** · {flag.direction}  \n"
                    f"“{ui.escape(flag.span)}”"
                )
                st.markdown(ui.escape(flag.explanation))
                st.markdown(f"**Reframe:** {ui.escape(flag.reframe)}")
    else:
        st.success("No generalisation about an age group was found.")
        st.text(checked_text)

    st.subheader("Reflect")
    answers = {}
    for n, question in enumerate(result.questions):
        answers[question] = st.text_area(question, key=f"reflection_answer_{n}", height=70)
    with st.expander("A grounded reframe", expanded=True):
        st.text(result.reframe)
        ui.citation_cards(result.citations)
    if st.button("Save privately"):
        with ui.guard():
            repo.save_reflection(db, me, checked_text, {q: a for q, a in answers.items() if a.strip()},
                                 [f.model_dump() for f in result.check.flags], private=True)
            st.success("Saved. Only you can see it.")

saved = repo.list_reflections(db, me)
if saved:
    with st.expander(f"Your saved reflections ({len(saved)})"):
        for entry in saved:
            st.caption(entry.created_at.strftime("%Y-%m-%d %H:%M"))
            st.text(entry.text)
            for question, answer in entry.answers.items():
                st.markdown(f"*{ui.escape(question)}*  \n{ui.escape(answer)}")
            st.divider()
