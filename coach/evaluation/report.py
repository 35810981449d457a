"""Write an eval report as JSON, Markdown and a self-contained HTML page, and refresh the
README's Quality section from it."""

from __future__ import annotations

import html
import json
import re
from itertools import groupby
from pathlib import Path

from coach.evaluation.metrics import Metric
from coach.evaluation.runner import EvalReport

README_START = "<!-- quality:start -->"
README_END = "<!-- quality:end -->"


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.0f}"


def _ci(metric: Metric) -> str:
    return f"[{_fmt(metric.ci_low)}, {_fmt(metric.ci_high)}]" if metric.ci_low is not None else ""


def _status(metric: Metric) -> str:
    if metric.threshold is None:
        return "reported"
    return "pass" if metric.passed else "**FAIL**"


def markdown_tables(report: EvalReport, heading_level: int = 3) -> str:
    """One table per suite: metric, value, 95% CI, n, threshold, status."""
    parts = []
    for suite, group in groupby(report.metrics, key=lambda m: m.suite):
        parts.append(f"{'#' * heading_level} {suite}\n")
        parts.append("| metric | value | 95% CI | n | minimum | status |\n|---|---|---|---|---|---|")
        for m in group:
            threshold = _fmt(m.threshold) if m.threshold is not None else ""
            parts.append(f"| {m.name} | {_fmt(m.value)} | {_ci(m)} | {m.n} | {threshold} | {_status(m)} |")
        parts.append("")
    return "\n".join(parts)


USERS_SUFFIX = "_users"


def side_by_side(report: EvalReport, heading_level: int = 3) -> str:
    """One table comparing each suite with its users'-voice twin (``<suite>_users``), metric by metric."""
    values = {(m.suite, m.name): m for m in report.metrics}
    suites = list(dict.fromkeys(m.suite for m in report.metrics))
    pairs = [(s, s + USERS_SUFFIX) for s in suites if s + USERS_SUFFIX in suites]
    if not pairs:
        return ""
    lines = [
        f"{'#' * heading_level} our questions and users' own words\n",
        "| suite | metric | our set | n | users' set | n |",
        "|---|---|---|---|---|---|",
    ]
    for ours, theirs in pairs:
        names = list(dict.fromkeys(m.name for m in report.metrics if m.suite in (ours, theirs)))
        for name in names:
            a, b = values.get((ours, name)), values.get((theirs, name))
            lines.append(
                f"| {ours} | {name} | {_fmt(a.value) if a else ''} | {a.n if a else ''} | "
                f"{_fmt(b.value) if b else ''} | {b.n if b else ''} |"
            )
    return "\n".join(lines) + "\n"


def to_markdown(report: EvalReport) -> str:
    lines = [
        "# Eval report",
        "",
        f"Split: {report.manifest.get('split')} · seconds: {report.seconds} · "
        f"git {str(report.manifest.get('git_sha'))[:10]} · model: {report.manifest.get('chat_model')}",
        "",
    ]
    lines.append(markdown_tables(report, 2))
    paired = side_by_side(report, 2)
    if paired:
        lines += [paired]
    if report.regressions:
        lines += ["## Regressions against the baseline", ""]
        lines += [f"- {r.key}: {r.baseline} -> {r.current}" for r in report.regressions]
    return "\n".join(lines) + "\n"


def _chart(metrics: list[Metric]) -> str:
    """An inline SVG bar chart of 0..1 metrics with their thresholds."""
    scaled = [m for m in metrics if 0.0 <= m.value <= 1.0 and m.suite != "latency"]
    if not scaled:
        return ""
    width, bar, gap = 520, 18, 8
    height = len(scaled) * (bar + gap) + gap
    rows = []
    for i, m in enumerate(scaled):
        y = gap + i * (bar + gap)
        colour = "#2e7d32" if m.passed else "#c62828"
        rows.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(m.name)}</text>')
        rows.append(f'<rect x="180" y="{y}" width="{m.value * 300:.1f}" height="{bar}" fill="{colour}"/>')
        rows.append(f'<text x="{186 + m.value * 300:.1f}" y="{y + 13}" font-size="12">{_fmt(m.value)}</text>')
        if m.threshold is not None:
            x = 180 + m.threshold * 300
            rows.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + bar + 2}" stroke="#000" stroke-dasharray="3,2"/>'
            )
    return f'<svg width="{width}" height="{height}" role="img">{"".join(rows)}</svg>'


def to_html(report: EvalReport) -> str:
    body = [
        f"<h1>Eval report</h1><p>Split {html.escape(str(report.manifest.get('split')))}, "
        f"{report.seconds} s, model {html.escape(str(report.manifest.get('chat_model')))}</p>"
    ]
    for suite, group in groupby(report.metrics, key=lambda m: m.suite):
        metrics = list(group)
        body.append(f"<h2>{html.escape(suite)}</h2>{_chart(metrics)}")
        body.append(
            "<table><tr><th>metric</th><th>value</th><th>95% CI</th><th>n</th><th>minimum</th><th>status</th></tr>"
        )
        for m in metrics:
            status = _status(m).replace("*", "")
            body.append(
                f"<tr class='{status.lower()}'><td>{html.escape(m.name)}</td><td>{_fmt(m.value)}</td><td>{_ci(m)}</td>"
                f"<td>{m.n}</td><td>{_fmt(m.threshold)}</td><td>{status}</td></tr>"
            )
        body.append("</table>")
    if report.regressions:
        body.append("<h2>Regressions</h2><ul>")
        body += [f"<li>{html.escape(r.key)}: {r.baseline} → {r.current}</li>" for r in report.regressions]
        body.append("</ul>")
    style = (
        "body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse;margin-bottom:1em}"
        "td,th{border:1px solid #ccc;padding:4px 8px}tr.fail{background:#fdecea}"
    )
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Eval report</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n"


def write_reports(report: EvalReport, out_dir: Path) -> list[Path]:
    """Write report.json, report.md, report.html and manifest.json into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "ok": report.ok,
        "seconds": report.seconds,
        "metrics": [m.model_dump() | {"key": m.key, "passed": m.passed} for m in report.metrics],
        "regressions": [r.model_dump() for r in report.regressions],
        "manifest": report.manifest,
    }
    files = {
        "report.json": json.dumps(payload, indent=2, default=str),
        "report.md": to_markdown(report),
        "report.html": to_html(report),
        "manifest.json": json.dumps(report.manifest, indent=2),
    }
    paths = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def update_readme(report: EvalReport, readme: Path) -> None:
    """Replace the README's generated Quality block (between the quality markers)."""
    text = readme.read_text(encoding="utf-8")
    block = (
        f"{README_START}\n_Generated by `coach eval` on the {report.manifest.get('split')} split "
        f"(git {str(report.manifest.get('git_sha'))[:10]}, {report.seconds} s); do not edit by hand._\n\n"
        f"{markdown_tables(report, 4)}\n{side_by_side(report, 4)}{README_END}"
    )
    if README_START in text and README_END in text:
        text = re.sub(re.escape(README_START) + r".*?" + re.escape(README_END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")
