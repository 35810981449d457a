"""Run eval suites, compare with a baseline, and decide the exit status."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from coach.errors import InputError
from coach.evaluation.context import EvalContext
from coach.evaluation.metrics import Metric
from coach.evaluation.metrics import percentile as _percentile
from coach.evaluation.suites import SUITES

PACKAGES = (
    "reverse-mentoring-coach",
    "chromadb",
    "sentence-transformers",
    "torch",
    "langchain-core",
    "llama-cpp-python",
    "bm25s",
)
SEED = 13

CODE_DIR = Path(__file__).resolve().parent  # the commit of the code that ran, wherever it is installed


class Regression(BaseModel):
    key: str
    baseline: float
    current: float
    worst_cases: list[dict[str, Any]] = Field(default_factory=list)


class EvalReport(BaseModel):
    """Everything one run measured, plus what failed and why."""

    metrics: list[Metric]
    regressions: list[Regression] = Field(default_factory=list)
    manifest: dict[str, Any] = Field(default_factory=dict)
    seconds: float = 0.0

    @property
    def below_threshold(self) -> list[Metric]:
        return [m for m in self.metrics if not m.passed]

    @property
    def ok(self) -> bool:
        return not self.below_threshold and not self.regressions

    def gate_failures(self, gate: str) -> bool:
        """Whether the run fails its gate: ``all`` (thresholds and baseline regressions) or
        ``regressions`` (baseline only; metrics below their minimum are still reported)."""
        if gate == "regressions":
            return bool(self.regressions)
        return not self.ok


def resolve_suites(suite: str) -> list[str]:
    if suite == "all":
        return list(SUITES)
    names = [s.strip() for s in suite.split(",") if s.strip()]
    unknown = [s for s in names if s not in SUITES]
    if unknown:
        raise InputError(f"Unknown suite {', '.join(unknown)}.", hint=f"Use all or any of: {', '.join(SUITES)}.")
    return names


def latency_metrics(ctx: EvalContext) -> list[Metric]:
    """p50 and p95 wall-clock milliseconds per flow over every case the suites ran."""
    metrics = []
    for flow, seconds in sorted(ctx.latencies.items()):
        ms = [s * 1000 for s in seconds]
        for q in (50, 95):
            metrics.append(
                Metric(
                    suite="latency",
                    name=f"{flow}_p{q}_ms",
                    value=round(_percentile(ms, q), 1),
                    n=len(ms),
                    higher_is_better=False,
                )
            )
    return metrics


def compare(metrics: list[Metric], baseline: dict[str, float], tolerance: float) -> list[Regression]:
    """Metrics that fell more than ``tolerance`` below their baseline value (latency excluded:
    it depends on the machine, not the code)."""
    regressions = []
    for metric in metrics:
        if metric.suite == "latency" or metric.key not in baseline:
            continue
        if metric.value < baseline[metric.key] - tolerance:
            regressions.append(
                Regression(
                    key=metric.key, baseline=baseline[metric.key], current=metric.value, worst_cases=metric.details[:5]
                )
            )
    return regressions


def manifest(ctx: EvalContext, suites: list[str]) -> dict[str, Any]:
    """Git sha, dataset hashes, package and model versions, and the seed."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=CODE_DIR, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    datasets = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted(ctx.datasets.glob("*.jsonl"))}
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    settings = ctx.runtime.settings
    label = "none (deterministic paths)"
    if ctx.model is not None:
        from coach.llm.providers import model_label

        label = model_label(ctx.model)
    return {
        "git_sha": sha or "unknown",
        "suites": suites,
        "split": ctx.split,
        "datasets": datasets,
        "packages": versions,
        "embedding_model": str(settings.embedding_model_path.name if settings.embedding_model_path else None),
        "chat_model": label,
        "answer_mode": settings.answer_mode,
        "seed": SEED,
    }


def run_eval(
    ctx: EvalContext,
    suite: str = "all",
    baseline: Path | None = None,
    tolerance: float = 0.02,
    progress: Any = None,
) -> EvalReport:
    """Run the chosen suites and compare with ``baseline`` (a JSON of metric key -> value)."""
    names = resolve_suites(suite)
    started = time.perf_counter()
    metrics: list[Metric] = []
    for index, name in enumerate(names, 1):
        if progress:
            progress(name, index, len(names))
        metrics += SUITES[name](ctx)
    metrics += latency_metrics(ctx)
    reference: dict[str, float] = {}
    if baseline is not None:
        if not baseline.exists():
            raise InputError(
                f"Baseline file {baseline} does not exist.", hint="Write one with 'coach eval --write-baseline FILE'."
            )
        reference = json.loads(baseline.read_text())
    return EvalReport(
        metrics=metrics,
        regressions=compare(metrics, reference, tolerance),
        manifest=manifest(ctx, names),
        seconds=round(time.perf_counter() - started, 1),
    )


def baseline_values(report: EvalReport) -> dict[str, float]:
    """The gateable metric values of a report, for ``--write-baseline``."""
    return {m.key: m.value for m in report.metrics if m.suite != "latency"}
