"""The eval runner: metric definitions, reports, and a gate that really fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.evaluation.context import EvalContext
from coach.evaluation.metrics import Metric, bootstrap_ci, hit_at_k, ndcg_at_k, quote_matches, reciprocal_rank
from coach.evaluation.report import README_END, README_START, update_readme, write_reports
from coach.evaluation.runner import EvalReport, compare, run_eval
from coach.evaluation.suites import in_character, swap_ages
from coach.runtime import Runtime
from coach.schemas import Passage


def test_ranking_metrics() -> None:
    ranked = ["a", "b", "a", "c"]
    assert hit_at_k(ranked, {"c"}, 3) == 0.0 and hit_at_k(ranked, {"c"}, 4) == 1.0
    assert reciprocal_rank(ranked, {"b"}) == 0.5 and reciprocal_rank(ranked, {"z"}) == 0.0
    assert ndcg_at_k(ranked, {"a"}, 5) == 1.0
    assert ndcg_at_k(ranked, {"b"}, 5) == pytest.approx(1 / 1.5849625, rel=1e-4)


def test_bootstrap_ci_brackets_the_mean_and_is_reproducible() -> None:
    values = [1.0] * 18 + [0.0] * 2
    low, high = bootstrap_ci(values)
    assert low <= 0.9 <= high and high <= 1.0 and (low, high) == bootstrap_ci(values)


def test_quote_matching_is_fuzzy_but_not_lax() -> None:
    passage = "Agree what stays confidential before you share anything personal."
    assert quote_matches("Agree what stays confidential before you share…", passage)
    assert not quote_matches("Share everything with your manager.", passage)


def test_in_character_check() -> None:
    assert in_character("Concrete example, please. Quickly.", "Raj Mehta")
    assert not in_character("As an AI language model, I cannot have opinions.", "Raj Mehta")
    assert not in_character("Raj says: fine, go on.", "Raj Mehta")
    assert not in_character("   ", "Raj Mehta")


def test_swap_ages_mirrors_both_directions() -> None:
    assert swap_ages("A 58-year-old boomer and a younger analyst") == "A 24-year-old zoomer and a older analyst"
    assert swap_ages("Older staff in their 60s and a 30 year old") == "Younger staff in their 22s and a 52 year old"


class NoRetrieval:
    """A deliberately broken retriever: finds nothing."""

    embedder = None

    def retrieve(self, query: str, k: int | None = None, **_: object) -> list[Passage]:
        return []


@pytest.mark.integration
def test_gate_passes_then_fails_when_retrieval_is_turned_off(indexed_runtime: Runtime, tmp_path: Path) -> None:
    healthy = run_eval(EvalContext(runtime=indexed_runtime), "retrieval")
    assert healthy.ok, [m for m in healthy.metrics if not m.passed]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({m.key: m.value for m in healthy.metrics if m.suite != "latency"}))

    with indexed_runtime.override(retriever=NoRetrieval()) as broken:
        degraded = run_eval(EvalContext(runtime=broken), "retrieval", baseline=baseline)
    assert not degraded.ok and not isinstance(indexed_runtime.retriever, NoRetrieval)  # restored after the block
    assert [m.key for m in degraded.below_threshold] == ["retrieval.hit_at_5"]
    assert {r.key for r in degraded.regressions} == {"retrieval.hit_at_5", "retrieval.mrr", "retrieval.ndcg_at_5"}
    worst = degraded.below_threshold[0].details
    assert worst and worst[0]["score"] == 0.0  # the failing cases are named


@pytest.mark.integration
def test_cli_gate_exit_codes_name_the_failure(
    indexed_runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    broken = Runtime(indexed_runtime.settings, retriever=NoRetrieval(), store=indexed_runtime.store)
    result = CliRunner().invoke(app, ["eval", "--suite", "retrieval", "--out", str(tmp_path / "out")], obj=broken)
    assert result.exit_code == 1
    assert "below threshold retrieval.hit_at_5" in result.output
    for name in ("report.json", "report.md", "report.html", "manifest.json"):
        assert (tmp_path / "out" / name).exists()
    lenient = ["eval", "--suite", "retrieval", "--gate", "regressions", "--out", str(tmp_path / "gate")]
    reported = CliRunner().invoke(app, lenient, obj=broken)
    assert reported.exit_code == 0, reported.output
    assert "below threshold retrieval.hit_at_5" in reported.output
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"retrieval.hit_at_5": 0.95}))
    regressed = CliRunner().invoke(app, [*lenient, "--baseline", str(baseline)], obj=broken)
    assert regressed.exit_code == 1 and "regressed retrieval.hit_at_5" in regressed.output
    bad = CliRunner().invoke(app, ["eval", "--suite", "vibes", "--out", str(tmp_path / "x")], obj=broken)
    assert bad.exit_code != 0


def _report() -> EvalReport:
    metrics = [
        Metric(suite="retrieval", name="hit_at_5", value=0.95, ci_low=0.9, ci_high=1.0, n=30, threshold=0.9),
        Metric(suite="routing", name="accuracy", value=0.5, n=10, threshold=0.9, details=[{"id": "x", "score": 0}]),
        Metric(suite="latency", name="route_p50_ms", value=12.0, n=10, higher_is_better=False),
    ]
    return EvalReport(metrics=metrics, manifest={"split": "test", "git_sha": "abc", "chat_model": "none"})


def test_reports_and_readme_block(tmp_path: Path) -> None:
    report = _report()
    assert not report.ok and [m.key for m in report.below_threshold] == ["routing.accuracy"]
    paths = write_reports(report, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<svg" in html and "http" not in html.split("<body>")[1]  # self-contained
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["metrics"][0]["ci_low"] == 0.9 and data["ok"] is False
    assert len(paths) == 4
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\n## Quality\n\nintro\n")
    update_readme(report, readme)
    update_readme(report, readme)
    text = readme.read_text()
    assert text.count(README_START) == 1 and text.count(README_END) == 1
    assert "| hit_at_5 | 0.95 | [0.9, 1] | 30 | 0.9 | pass |" in text and "**FAIL**" in text


def test_compare_ignores_latency_and_respects_tolerance() -> None:
    metrics = _report().metrics
    baseline = {"retrieval.hit_at_5": 0.96, "routing.accuracy": 0.9, "latency.route_p50_ms": 1.0}
    assert [r.key for r in compare(metrics, baseline, tolerance=0.02)] == ["routing.accuracy"]
    assert [r.key for r in compare(metrics, baseline, tolerance=0.0)] == ["retrieval.hit_at_5", "routing.accuracy"]


def test_regression_gate_reports_minimums_but_fails_only_on_regressions() -> None:
    report = _report()
    assert report.gate_failures("all") is True
    assert report.gate_failures("regressions") is False
    report.regressions = compare(report.metrics, {"routing.accuracy": 0.9}, tolerance=0.0)
    assert report.gate_failures("regressions") is True
