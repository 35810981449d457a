"""The program report as CSV (one figure per row) and as a PDF with simple bar charts (fpdf2)."""

from __future__ import annotations

import csv
import io

from fpdf import FPDF

from coach.operations.reports import Figure, ProgramReport

SURVEY_LABELS = {
    "goal_confidence": "Closeness to goals (0-4)",
    "skill_confidence": "Confidence in skills (0-4)",
    "relationship": "Working relationship (1-5)",
}


def _cell(figure: Figure) -> str:
    return "" if figure.value is None else f"{figure.value:.2f}"


def report_rows(report: ProgramReport) -> list[tuple[str, str, str, str]]:
    """(section, measure, value, people) rows; hidden figures have an empty value."""
    rows = [
        ("participation", "pairs", str(report.pairs), ""),
        ("participation", "people enrolled", str(report.people), ""),
        ("participation", "people who have met", str(report.active_people), ""),
        ("sessions", "planned so far", str(report.sessions_planned), ""),
        ("sessions", "held", str(report.sessions_held), ""),
    ]
    for s in report.sessions:
        rows += [
            (f"session {s.number}", "held of planned", f"{s.held}/{s.planned}", ""),
            (f"session {s.number}", "usefulness (1-5)", _cell(s.usefulness), str(s.usefulness.people)),
            (f"session {s.number}", "safe to be candid (1-5)", _cell(s.safety), str(s.safety.people)),
            (f"session {s.number}", "goal progress (0-2)", _cell(s.goal_progress), str(s.goal_progress.people)),
        ]
    for change in report.surveys:
        label = SURVEY_LABELS.get(change.item, change.item)
        rows += [
            ("surveys", f"{label}: start", _cell(change.baseline), str(change.baseline.people)),
            ("surveys", f"{label}: end", _cell(change.end), str(change.end.people)),
        ]
    own = report.program_question
    if own is not None and own.kind != "text":
        scale = "mean, 1-5" if own.kind == "scale" else "share answering yes, 0-1"
        rows.append(("program question", f"{own.text} ({scale})", _cell(own.figure), str(own.figure.people)))
    rows += [
        ("rehearsal", "first attempt (0-100)", _cell(report.rehearsal_first), str(report.rehearsal_first.people)),
        ("rehearsal", "latest attempt (0-100)", _cell(report.rehearsal_latest), str(report.rehearsal_latest.people)),
    ]
    return rows


def to_csv(report: ProgramReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "measure", "value", "people"])
    writer.writerows(report_rows(report))
    return buffer.getvalue()


def _bars(pdf: FPDF, title: str, bars: list[tuple[str, float | None]], top: float) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in bars:
        pdf.cell(40, 6, label)
        if value is None:
            pdf.cell(0, 6, "hidden (too few people)", new_x="LMARGIN", new_y="NEXT")
            continue
        width = 110 * max(0.0, min(value / top, 1.0))
        x, y = pdf.get_x(), pdf.get_y()
        pdf.set_fill_color(70, 110, 160)
        pdf.rect(x, y + 1, max(width, 0.5), 4, style="F")
        pdf.set_x(x + 112)
        pdf.cell(0, 6, f"{value:.2f}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def to_pdf(report: ProgramReport) -> bytes:
    """A one- or two-page PDF: participation, sessions, ratings over time, surveys, rehearsal."""
    pdf = FPDF()
    pdf.set_title(f"Program report: {report.program}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, f"Program report: {report.program}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"As of {report.generated_at:%d %B %Y}. " + " ".join(report.notes), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.cell(
        0,
        6,
        f"{report.pairs} pairs, {report.people} people, {report.active_people} have met.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        0,
        6,
        f"Sessions held: {report.sessions_held} of {report.sessions_planned} planned so far.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    _bars(pdf, "Usefulness by session (1-5)", [(f"Session {s.number}", s.usefulness.value) for s in report.sessions], 5)
    _bars(
        pdf, "Safe to be candid by session (1-5)", [(f"Session {s.number}", s.safety.value) for s in report.sessions], 5
    )
    _bars(
        pdf,
        "Goal progress by session (0-2)",
        [(f"Session {s.number}", s.goal_progress.value) for s in report.sessions],
        2,
    )
    for change in report.surveys:
        label = SURVEY_LABELS.get(change.item, change.item)
        _bars(
            pdf,
            f"{label}: start and end",
            [("Start", change.baseline.value), ("End", change.end.value)],
            5 if change.item == "relationship" else 4,
        )
    own = report.program_question
    if own is not None and own.kind != "text":
        top, scale = (5, "1-5") if own.kind == "scale" else (1, "share answering yes")
        title = f"Program question ({scale}): {own.text}"[:110].encode("latin-1", "replace").decode("latin-1")
        _bars(pdf, title, [("All sessions", own.figure.value)], top)
    _bars(
        pdf,
        "Rehearsal score (0-100), mentors with two or more attempts",
        [("First", report.rehearsal_first.value), ("Latest", report.rehearsal_latest.value)],
        100,
    )
    return bytes(pdf.output())
