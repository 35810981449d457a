"""Rendering of rehearsal turns and their scorecards, shared by Rehearsal and My history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from app_pages import _components as ui
from coach.flows.feedback.scoring import CriterionScore, FeedbackScore

PERSONA_AVATAR = ":material/person:"
CRITERIA_LABELS = {
    "situation": "Situation",
    "behavior": "Behaviour",
    "impact": "Impact",
    "request": "Request",
    "respect": "Respect",
}


def criterion_line(name: str, mark: CriterionScore) -> str:
    """One criterion as Markdown: status in words with an icon, the mark, evidence and tip."""
    state = True if mark.met else (None if mark.score == 1 else False)
    line = f"{ui.status_mark(state)} · **{CRITERIA_LABELS.get(name, name)}** {mark.score}/2"
    if mark.evidence:
        line += f" · “{ui.escape(mark.evidence)}”"
    if not mark.met:
        line += f"  \nTip: {ui.escape(mark.tip)}"
    return line


def scorecard(score: FeedbackScore, turn: int, expanded: bool) -> None:
    """Per-criterion marks with the quoted evidence, issues and tips for one turn."""
    with st.expander(f"Scorecard, turn {turn}: {score.overall}/100 ({score.level})", expanded=expanded):
        for name, mark in score.criteria.items():
            st.markdown(criterion_line(name, mark))
        for issue in score.issues:
            st.markdown(
                f":orange[:material/warning: Weakens it] · “{ui.escape(issue.span)}”: {ui.escape(issue.message)}"
            )
        for flag in score.stereotype_flags:
            st.markdown(
                f":violet[:material/psychology: Generalisation] · “{ui.escape(flag.span)}”: "
                f"{ui.escape(flag.explanation)}"
            )
        if score.rewrite:
            st.caption("A stronger version")
            st.text(score.rewrite)


def transcript(opening: str, turns: Sequence[Any], expand_last: bool = True) -> None:
    """The persona's opening, then each turn (``PracticeTurn`` or its saved dict) with its scorecard."""
    with st.chat_message("assistant", avatar=PERSONA_AVATAR):
        st.text(opening)
    for n, turn in enumerate(turns, 1):
        data = turn if isinstance(turn, dict) else turn.model_dump()
        with st.chat_message("user"):
            st.text(str(data.get("user", "")))
            if data.get("score"):
                scorecard(FeedbackScore.model_validate(data["score"]), n, expanded=expand_last and n == len(turns))
        with st.chat_message("assistant", avatar=PERSONA_AVATAR):
            st.text(str(data.get("reply", "")))
