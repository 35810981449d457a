"""Downloads of one's own saved items: questions, reflections and rehearsal transcripts.

Markdown for reading and CSV for spreadsheets. The functions take the views the
repositories return, so what can be downloaded is exactly what the owner may read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from coach.storage.views import AttemptView, QuestionView, ReflectionView

CRITERIA_NAMES = {
    "situation": "Situation",
    "behavior": "Behaviour",
    "impact": "Impact",
    "request": "Request",
    "respect": "Respect",
}
QUESTION_COLUMNS = ("group", "question", "why")
REFLECTION_COLUMNS = ("saved", "text", "flagged", "question", "answer")
TIME_FORMAT = "%Y-%m-%d %H:%M"


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in text.strip().splitlines()] or [">"]


def questions_markdown(questions: Sequence[QuestionView], title: str = "Questions for the next session") -> str:
    """Saved questions as a Markdown list grouped by understand / explore / apply."""
    lines = [f"# {title}", ""]
    groups: dict[str, list[QuestionView]] = {}
    for question in questions:
        groups.setdefault(question.group or "question", []).append(question)
    for group, items in groups.items():
        lines += [f"## {group.capitalize()}", ""]
        for item in items:
            lines.append(f"- {item.text}" + (f"  \n  *Why:* {item.why}" if item.why else ""))
        lines.append("")
    return "\n".join(lines)


def questions_csv(questions: Sequence[QuestionView]) -> str:
    """Saved questions as CSV: group, question, why."""
    return _csv(QUESTION_COLUMNS, ((q.group, q.text, q.why) for q in questions))


def reflections_markdown(reflections: Sequence[ReflectionView]) -> str:
    """Saved reflections as Markdown: the text, what was flagged, each question and answer."""
    lines = ["# My stereotype reflections", ""]
    for entry in reflections:
        lines += [f"## {entry.created_at.strftime(TIME_FORMAT)}", "", *_quote(entry.text), ""]
        spans = [str(f.get("span", "")) for f in entry.flags if f.get("span")]
        if spans:
            lines += ["Flagged: " + "; ".join(f"“{s}”" for s in spans), ""]
        for question, answer in entry.answers.items():
            lines += [f"**{question}**", "", answer, ""]
    return "\n".join(lines)


def reflections_csv(reflections: Sequence[ReflectionView]) -> str:
    """Saved reflections as CSV, one row per answered question (or one row with none)."""
    rows: list[tuple[str, str, str, str, str]] = []
    for entry in reflections:
        saved = entry.created_at.strftime(TIME_FORMAT)
        flagged = "; ".join(str(f.get("span", "")) for f in entry.flags if f.get("span"))
        answers = list(entry.answers.items()) or [("", "")]
        rows += [(saved, entry.text, flagged, q, a) for q, a in answers]
    return _csv(REFLECTION_COLUMNS, rows)


def _criteria_line(criteria: Mapping[str, Any]) -> str:
    parts = []
    for name, mark in criteria.items():
        score = mark.get("score") if isinstance(mark, Mapping) else mark
        parts.append(f"{CRITERIA_NAMES.get(name, name)} {score}/2")
    return ", ".join(parts)


def attempt_markdown(attempt: AttemptView, persona_name: str) -> str:
    """One rehearsal as Markdown: each turn, the persona's reply and the turn's marks."""
    overall = "–" if attempt.overall is None else f"{attempt.overall:.0f}/100"
    lines = [
        f"# Rehearsal with {persona_name} ({attempt.difficulty})",
        "",
        f"{attempt.created_at.strftime(TIME_FORMAT)} · {len(attempt.turns)} turn(s) · average {overall}",
        "",
    ]
    for n, turn in enumerate(attempt.turns, 1):
        score = turn.get("score") or {}
        lines += [f"## Turn {n}", "", "**You:**", "", *_quote(str(turn.get("user", ""))), ""]
        lines += [f"**{persona_name}:**", "", *_quote(str(turn.get("reply", ""))), ""]
        if score:
            lines += [f"Score {score.get('overall', '–')}/100: {_criteria_line(score.get('criteria', {}))}", ""]
    return "\n".join(lines)
