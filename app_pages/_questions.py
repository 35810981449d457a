"""Widgets for check-in and survey questions, one per question kind (inside a form)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages import _components as ui
from coach.operations.questions import Question
from coach.operations.surveys import MySurvey

YES_NO = ("Yes", "No")
SHORT_TEXT_CHARS = 500


def _item_choices(question: Question, items: tuple[str, ...], key: str, current: Any) -> dict[str, int]:
    given = current if isinstance(current, dict) else {}
    picked = {}
    for number, item in enumerate(items):
        start = given.get(item, 0)
        label = question.choices[start] if 0 <= start < len(question.choices) else question.choices[0]
        choice = st.select_slider(item, options=list(question.choices), value=label, key=f"{key}_{number}")
        picked[item] = list(question.choices).index(choice)
    return picked


def answer(
    question: Question, key: str, current: Any = None, *, goals: tuple[str, ...] = (), skills: tuple[str, ...] = ()
) -> Any:
    """Render one question and return its answer in the form ``coach`` stores (None: skipped)."""
    if question.kind in ("per_goal", "per_skill"):
        items = goals if question.kind == "per_goal" else skills
        if not items:
            return None
        st.markdown(ui.escape(question.text))
        return _item_choices(question, items, key, current)
    if question.kind == "scale":
        help_text = f"1 = {question.low}, 5 = {question.high}" if question.low else None
        start = current if isinstance(current, int) and not isinstance(current, bool) else 3
        return st.slider(question.text, 1, 5, start, key=key, help=help_text)
    if question.kind == "yes_no":
        index = 1 if current is False else 0
        return st.radio(question.text, YES_NO, index=index, horizontal=True, key=key) == "Yes"
    if question.private:  # a note to oneself may run longer than a short answer
        text = st.text_area(question.text, value=str(current or ""), key=key)
    else:
        text = st.text_input(question.text, value=str(current or ""), max_chars=SHORT_TEXT_CHARS, key=key)
    return text.strip() or None


def survey_form(survey: MySurvey) -> dict[str, Any] | None:
    """The survey's questions, pre-filled with the saved answers; the answers once sent."""
    key = f"survey_{survey.program_id}_{survey.survey}"
    with st.form(key):
        st.markdown(f"**{ui.escape(survey.title)}** ({ui.escape(survey.program)})")
        answers = {
            q.id: answer(q, f"{key}_{q.id}", survey.answers.get(q.id), goals=survey.goals, skills=survey.skills)
            for q in survey.questions
        }
        label = "Save my changes" if survey.answered else "Send my answers"
        if st.form_submit_button(label):
            return {qid: value for qid, value in answers.items() if value is not None}
    return None
