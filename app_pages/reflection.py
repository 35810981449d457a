"""Stereotype reflection: flagged spans with explanations and reframes, then guided questions."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.accounts import reflection_sharing
from coach.actors import Actor, Role
from coach.flows.stereotypes.check import Reflection, reflect
from coach.storage import repositories as repo
from coach.storage.exports import reflections_csv, reflections_markdown
from coach.storage.views import ReflectionView


def share_section(me: Actor, saved: list[ReflectionView]) -> None:
    """Share one saved reflection with a junior mentor or senior mentee; list and revoke shares."""
    with st.expander("Share a reflection (only the person you choose can read it)"):
        with st.form("share_reflection", clear_on_submit=True):
            chosen = st.selectbox(
                "Reflection", saved, format_func=lambda r: f"{r.created_at:%Y-%m-%d %H:%M} · {r.text[:60]}"
            )
            grantee = st.text_input(
                "Share with (the email of a junior mentor or senior mentee)", key="share_reflection_email"
            )
            if st.form_submit_button("Share"):
                with ui.guard():
                    made = reflection_sharing.share_reflection(db, me, chosen.id, grantee)
                    st.success(f"Shared with {ui.escape(made.grantee_name)}.")
        for share in reflection_sharing.my_reflection_shares(db, me):
            left, right = st.columns([5, 1])
            left.caption(
                f"Reflection #{share.reflection_id} shared with {ui.escape(share.grantee_name)} ({share.grantee_role})"
            )
            if right.button("Revoke", key=f"revoke_reflection_share_{share.id}"):
                with ui.guard():
                    reflection_sharing.revoke_reflection_share(db, me, share.id)
                    st.rerun()


st.title("Stereotype reflection")
st.caption(
    "Write or paste a draft message, note or thought. Only you can see what you save here, "
    "unless you share one reflection with someone."
)
me = ui.require_actor(Role.MENTOR, Role.MENTEE)
db = ui.database()

text = st.text_area(
    "Your text",
    height=150,
    key=ui.kept_key("reflection_text"),
    value=ui.remembered("reflection_text", ""),
    placeholder="e.g. He's from a generation that just doesn't get new technology.",
)
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
    if checked_text != text:
        st.warning(
            "Your text has changed since it was checked: check it again to update what is shown below.",
            icon=":material/sync_problem:",
        )
    if result.check.flags:
        st.markdown(ui.highlighted(checked_text, [(f.start, f.end) for f in result.check.flags]))
        for flag in result.check.flags:
            with st.container(border=True):
                st.markdown(
                    f"**{ui.escape(flag.category.replace('-', ' ').capitalize())}** · {flag.direction}  \n"
                    f"“{ui.escape(flag.span)}”"
                )
                st.markdown(ui.escape(ui.numbered_references(flag.explanation, result.citations)))
                st.markdown(f"**Reframe:** {ui.escape(ui.numbered_references(flag.reframe, result.citations))}")
    else:
        st.success("No generalisation about an age group was found.")
        st.text(checked_text)

    st.subheader("Reflect")
    answers = {}
    for n, question in enumerate(result.questions):
        answers[question] = st.text_area(
            question,
            key=ui.kept_key(f"reflection_answer_{n}"),
            height=70,
            value=ui.remembered(f"reflection_answer_{n}", ""),
        )
    with st.expander("A grounded reframe", expanded=True):
        st.text(ui.numbered_references(result.reframe, result.citations))
        ui.citation_cards(result.citations)
    if st.button("Save privately"):
        with ui.guard():
            repo.save_reflection(
                db,
                me,
                checked_text,
                {q: a for q, a in answers.items() if a.strip()},
                [f.model_dump() for f in result.check.flags],
                private=True,
            )
            st.success("Saved. Only you can see it.", icon=":material/lock:")

saved = repo.list_reflections(db, me)
if saved:
    with st.expander(f"Your saved reflections ({len(saved)})"):
        for entry in saved:
            st.caption(entry.created_at.strftime("%Y-%m-%d %H:%M"))
            st.text(entry.text)
            for question, answer in entry.answers.items():
                st.markdown(f"*{ui.escape(question)}*  \n{ui.escape(answer)}")
            st.divider()
        left, right = st.columns(2)
        left.download_button(
            "Download (Markdown)",
            reflections_markdown(saved),
            file_name="reflections.md",
            mime="text/markdown",
            icon=":material/download:",
        )
        right.download_button(
            "Download (CSV)",
            reflections_csv(saved),
            file_name="reflections.csv",
            mime="text/csv",
            icon=":material/download:",
        )
    share_section(me, saved)
