"""Question prep: generate open questions for the next session, tweak them, save them."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.actors import Role
from coach.flows.questions import QuestionSet, prepare_questions
from coach.storage import repositories as repo

GROUPS = ["understand", "explore", "apply"]

st.title("Question prep")
st.caption("Open, non-leading questions for the senior mentee to ask in the next session.")
me = ui.require_actor(Role.MENTEE, Role.MENTOR)
db = ui.database()

pair = ui.pair_picker("questions_pair", allow_new=False)
mentee = st.text_area("About the mentee", value=(pair.mentee_profile or pair.mentee) if pair else "",
                      key=f"questions_mentee_{pair.id if pair else 0}", height=80)
left, right = st.columns([3, 1])
topic = left.text_input("Topic of the next session", placeholder="e.g. how younger staff use social media at work")
count = right.slider("How many", 5, 10, 8)
if st.button("Generate questions", type="primary"):
    with ui.guard(), st.status("Preparing questions…", expanded=True) as status:
        st.write("Loading the guidance library")
        rt = ui.ensure_index()
        st.write("Choosing and checking questions")
        result = prepare_questions(mentee, topic, rt.retriever, model=ui.flow_model(), count=count)
        st.session_state["questions"] = result.model_dump()
        st.session_state["questions_version"] = st.session_state.get("questions_version", 0) + 1
        status.update(label=f"{len(result.questions)} questions ready", state="complete", expanded=False)

if "questions" in st.session_state:
    prepared = QuestionSet.model_validate(st.session_state["questions"])
    st.subheader("Tweak and choose")
    rows = [{"keep": True, "group": q.group, "question": q.text, "why": q.why} for q in prepared.questions]
    edited = st.data_editor(
        rows, key=f"questions_editor_{st.session_state.get('questions_version', 0)}", num_rows="dynamic",
        width="stretch",
        column_config={"keep": st.column_config.CheckboxColumn(default=True),
                       "group": st.column_config.SelectboxColumn(options=GROUPS, default="explore")},
    )
    chosen = [r for r in edited if r.get("keep") and str(r.get("question") or "").strip()]
    if st.button(f"Save {len(chosen)} question(s)", disabled=not chosen):
        with ui.guard():
            repo.save_questions(db, me, [(str(r["question"]), str(r.get("group") or ""), str(r.get("why") or ""))
                                           for r in chosen], pair.id if pair else None)
            st.success(f"Saved {len(chosen)} question(s).")

saved = repo.list_questions(db, me, pair.id if pair else None)
if saved:
    st.subheader("Saved for the next session")
    for question in saved:
        text_col, button_col = st.columns([6, 1])
        text_col.markdown(f"**{question.group or 'question'}** · {ui.escape(question.text)}")
        if button_col.button("Delete", key=f"delete_question_{question.id}"):
            with ui.guard():
                repo.delete_question(db, me, question.id)
                st.rerun()
