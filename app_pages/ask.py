"""Ask the guide: grounded answers with citations and expandable source cards."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.answering.pipeline import Answer, answer_question

st.title("Ask the guide")
if not ui.settings().anonymous_guide:
    ui.require_actor(*ui.EVERYONE)
st.caption("Answers quote the guidance library and cite it; if the guidance does not cover a question, it says so.")
mode = st.radio(
    "Answer style",
    ["extractive", "generative"],
    horizontal=True,
    help="Extractive quotes the guides. Generative lets the model write, keeping only sentences the guides support.",
)
history: list[tuple[str, Answer]] = st.session_state.setdefault("ask_history", [])


def render(answer: Answer) -> None:
    """An answer's grounding line and source cards."""
    if answer.covered:
        st.caption(
            f"{answer.grounded_sentences}/{answer.total_sentences} sentences supported · "
            + (
                "quoted from the guides"
                if answer.model == "extractive"
                else "written by the model, checked against the guides"
            )
            + (" · the model's draft was not supported, so quotes are shown" if answer.fell_back else "")
        )
        ui.citation_cards(answer.citations, answer.passages)
        if answer.see_also:
            headings = {p.id: p.heading.split(" > ")[-1] for p in answer.passages}
            shown = [f"{c.title} › {headings[c.id]}" if headings.get(c.id) else c.title for c in answer.see_also]
            st.caption("See also: " + ui.escape("; ".join(shown)))
    elif answer.citations:
        st.caption("Closest passages:")
        ui.citation_cards(answer.citations, answer.passages)


for question, answer in history:
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        st.markdown(ui.escape(answer.answer))
        render(answer)

question = st.chat_input("Ask about mentoring, feedback, stereotypes…")
if question:
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        rt = ui.ensure_index()
        placeholder = st.empty()
        shown: list[str] = []

        def on_token(piece: str) -> None:
            shown.append(piece)
            placeholder.markdown(ui.escape("".join(shown)))

        answered = False
        waiting = "Finding passages and writing an answer…" if mode == "generative" else "Finding passages…"
        with ui.guard(), st.spinner(waiting):
            model = ui.chat_model() if mode == "generative" else None
            answer = answer_question(question, rt.retriever, rt.settings, model=model, mode=mode, on_token=on_token)
            placeholder.markdown(ui.escape(answer.answer))
            render(answer)
            history.append((question, answer))
            answered = True
        if not answered:
            st.caption("Your question is kept here to send again:")
            st.code(question, language=None)
