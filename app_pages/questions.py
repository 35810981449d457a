"""Question prep: generate open questions for the next session, tweak them, save them.

The form keeps its values while another page is open, and the prepared questions are
stored with the form they were made from, so the two are always shown together.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages import _components as ui
from coach.actors import Actor, Role
from coach.flows.questions.prep import QuestionSet, prepare_questions
from coach.storage import repositories as repo
from coach.storage.exports import questions_csv, questions_markdown

GROUPS = ["understand", "explore", "apply"]


def prepared_view(form: dict[str, Any], pair_id: int | None, me: Actor) -> None:
    """The prepared questions to tweak and save, with what they were prepared for."""
    saved = st.session_state["questions"]
    prepared = QuestionSet.model_validate(saved["result"])
    st.subheader("Tweak and choose")
    asked = saved["form"]
    st.caption(f"Prepared for the topic “{ui.escape(asked['topic'])}”.")
    if asked != form:
        st.warning(
            "The form has changed since these questions were prepared: generate again to update them.",
            icon=":material/sync_problem:",
        )
    rows = [{"keep": True, "group": q.group, "question": q.text, "why": q.why} for q in prepared.questions]
    edited = st.data_editor(
        rows,
        key=f"questions_editor_{saved['version']}",
        num_rows="dynamic",
        width="stretch",
        column_config={
            "keep": st.column_config.CheckboxColumn(default=True),
            "group": st.column_config.SelectboxColumn(options=GROUPS, default="explore"),
        },
    )
    chosen = [r for r in edited if r.get("keep") and str(r.get("question") or "").strip()]
    if st.button(f"Save {len(chosen)} question(s)", disabled=not chosen):
        with ui.guard():
            repo.save_questions(
                db,
                me,
                [(str(r["question"]), str(r.get("group") or ""), str(r.get("why") or "")) for r in chosen],
                pair_id,
            )
            st.success(f"Saved {len(chosen)} question(s).")


def saved_view(me: Actor, pair_id: int | None) -> None:
    """Questions saved for the next session, each deletable, and downloads of them."""
    saved = repo.list_questions(db, me, pair_id)
    if not saved:
        return
    st.subheader("Saved for the next session")
    for question in saved:
        text_col, button_col = st.columns([6, 1])
        text_col.markdown(f"**{question.group or 'question'}** · {ui.escape(question.text)}")
        if button_col.button("Delete", key=f"delete_question_{question.id}"):
            with ui.guard():
                repo.delete_question(db, me, question.id)
                st.rerun()
    left, right = st.columns(2)
    left.download_button(
        "Download (Markdown)",
        questions_markdown(saved),
        file_name="questions.md",
        mime="text/markdown",
        icon=":material/download:",
    )
    right.download_button(
        "Download (CSV)", questions_csv(saved), file_name="questions.csv", mime="text/csv", icon=":material/download:"
    )


st.title("Question prep")
st.caption("Open, non-leading questions for the senior mentee to ask in the next session.")
me = ui.require_actor(Role.MENTEE, Role.MENTOR)
db = ui.database()

pair = ui.pair_picker("questions_pair", allow_new=False)
pair_id = pair.id if pair else None
mentee = st.text_area(
    "About the mentee",
    height=80,
    key=ui.kept_key(f"questions_mentee_{pair_id or 0}"),
    value=ui.remembered(f"questions_mentee_{pair_id or 0}", (pair.mentee_profile or pair.mentee) if pair else ""),
)
left, right = st.columns([3, 1])
topic = left.text_input(
    "Topic of the next session",
    key=ui.kept_key("questions_topic"),
    value=ui.remembered("questions_topic", ""),
    placeholder="e.g. how younger staff use social media at work",
)
count = right.slider("How many", 5, 10, key=ui.kept_key("questions_count"), value=ui.remembered("questions_count", 8))
form = {"pair": pair_id, "mentee": mentee, "topic": topic, "count": count}
if st.button("Generate questions", type="primary"):
    with ui.guard(), st.status("Preparing questions…", expanded=True) as status:
        st.write("Loading the guidance library")
        rt = ui.ensure_index()
        st.write("Choosing and checking questions")
        result = prepare_questions(mentee, topic, rt.retriever, model=ui.flow_model(), count=count)
        version = st.session_state.get("questions", {}).get("version", 0) + 1
        st.session_state["questions"] = {"form": form, "result": result.model_dump(), "version": version}
        status.update(label=f"{len(result.questions)} questions ready", state="complete", expanded=False)

if "questions" in st.session_state:
    prepared_view(form, pair_id, me)
saved_view(me, pair_id)
