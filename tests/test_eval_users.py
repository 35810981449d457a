"""The users'-voice eval suites are registered and reported beside our own set."""

from __future__ import annotations

from coach.evaluation.metrics import Metric
from coach.evaluation.report import side_by_side, to_markdown
from coach.evaluation.runner import EvalReport
from coach.evaluation.suites import SUITES


def test_users_suites_are_registered() -> None:
    assert {"retrieval_users", "answers_users"} <= set(SUITES)


def test_report_shows_both_sets_side_by_side() -> None:
    report = EvalReport(
        metrics=[
            Metric(suite="retrieval", name="hit_at_5", value=0.97, n=36),
            Metric(suite="retrieval", name="mrr", value=0.8, n=36),
            Metric(suite="retrieval_users", name="hit_at_5", value=0.91, n=40),
            Metric(suite="answers_users", name="answer_usefulness", value=0.86, n=40),
            Metric(suite="answers", name="groundedness", value=0.95, n=36),
        ]
    )
    table = side_by_side(report)
    assert "| retrieval | hit_at_5 | 0.97 | 36 | 0.91 | 40 |" in table
    assert "| retrieval | mrr | 0.8 | 36 |  |  |" in table
    assert "| answers | answer_usefulness |  |  | 0.86 | 40 |" in table
    assert side_by_side(report, 2) in to_markdown(report)
    assert side_by_side(EvalReport(metrics=[Metric(suite="routing", name="accuracy", value=1.0)])) == ""
