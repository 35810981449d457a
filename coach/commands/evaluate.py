"""``coach eval``: measured, calibrated response quality with a regression gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from coach.commands import app, console, out, runtime

if TYPE_CHECKING:
    from coach.evaluation.context import EvalContext
    from coach.evaluation.runner import EvalReport


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    suite: Annotated[
        str,
        typer.Option(
            help="all, or a comma-separated list: retrieval, answers, agenda, feedback, stereotypes, roleplay, routing, fairness, injection, voice_stereotypes, voice_feedback, retrieval_users, answers_users."
        ),
    ] = "all",
    provider: Annotated[
        Optional[str], typer.Option(help="Use this chat model provider (local, openai, fake) where flows may use one.")
    ] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Fail on regressions against this baseline JSON.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where report.json, report.md and report.html go.")] = Path(
        "eval/reports/latest"
    ),
    split: Annotated[str, typer.Option(help="Dataset split: test or dev.")] = "test",
    tolerance: Annotated[float, typer.Option(help="Allowed drop below the baseline.")] = 0.02,
    judge: Annotated[
        Optional[str], typer.Option(help="'openai': also grade answers with a configured OpenAI-compatible judge.")
    ] = None,
    write_baseline: Annotated[Optional[Path], typer.Option(help="Write this run's values as a new baseline.")] = None,
    update_readme: Annotated[bool, typer.Option(help="Refresh the README's Quality section.")] = False,
    gate: Annotated[
        str, typer.Option(help="What fails the run: 'all' (minimums and regressions) or 'regressions' (baseline only).")
    ] = "all",
) -> None:
    """Run the eval suites offline and gate on thresholds and the baseline."""
    from coach.evaluation.runner import run_eval

    if gate not in ("all", "regressions"):
        raise typer.BadParameter("use 'all' or 'regressions'", param_hint="--gate")
    context = _eval_context(ctx, provider, split)
    report = run_eval(context, suite, baseline, tolerance, _print_progress)
    if judge:
        from coach.evaluation.judge import judge_answers

        report.metrics += judge_answers(context, judge, out_dir / "judge-cache")
    _write_outputs(report, out_dir, write_baseline, update_readme)
    _print_results(report)
    if report.gate_failures(gate):
        raise typer.Exit(1)


def _eval_context(ctx: typer.Context, provider: str | None, split: str) -> EvalContext:
    """The runtime (its store ingested first when empty) with the chat model of ``provider``, if given."""
    from coach.evaluation.context import EvalContext

    rt = runtime(ctx)
    if rt.store.count() == 0:
        rt.ingest()
    model = None
    if provider:
        from coach.llm.providers import build_chat_model

        model = build_chat_model(rt.settings.model_copy(update={"llm_provider": provider}))
    return EvalContext(runtime=rt, split=split, model=model)


def _print_progress(name: str, index: int, total: int) -> None:
    """One line per suite as it starts."""
    console.print(f"[{index}/{total}] {name}", highlight=False)


def _write_outputs(report: EvalReport, out_dir: Path, write_baseline: Path | None, update_readme: bool) -> None:
    """Write the reports, and the new baseline and the README's Quality section when asked."""
    from coach.evaluation.report import update_readme as refresh_readme
    from coach.evaluation.report import write_reports
    from coach.evaluation.runner import baseline_values

    for path in write_reports(report, out_dir):
        console.print(f"wrote {path}", highlight=False)
    if write_baseline:
        write_baseline.write_text(json.dumps(baseline_values(report), indent=2, sort_keys=True) + "\n")
    if update_readme:
        from coach.config import PROJECT_ROOT

        refresh_readme(report, PROJECT_ROOT / "README.md")


def _print_results(report: EvalReport) -> None:
    """Every metric with ok or FAIL, then each failure with its worst cases."""
    for metric in report.metrics:
        mark = "ok  " if metric.passed else "FAIL"
        minimum = f" (min {metric.threshold})" if metric.threshold is not None else ""
        out.print(f"{mark} {metric.key:40} {metric.value}{minimum}", highlight=False)
    if not report.ok:
        failures = [(f"below threshold {m.key} = {m.value} < {m.threshold}", m.details) for m in report.below_threshold]
        failures += [(f"regressed {r.key}: {r.baseline} -> {r.current}", r.worst_cases) for r in report.regressions]
        for headline, cases in failures:
            console.print(f"[red]{headline}[/]; worst cases:", highlight=False)
            for case in cases[:3]:
                console.print(f"    {json.dumps(case, default=str)[:300]}", highlight=False)
