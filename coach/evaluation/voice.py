"""Eval suites on the second, user-voice datasets (drafts and statements as people type them).

They run beside the original suites and report the same figures on a different kind of
text, so the two sets can be read side by side: ``voice_stereotypes`` on
``eval/datasets/user_voice_stereotypes.jsonl`` and ``voice_feedback`` on
``eval/datasets/user_voice_feedback.jsonl``.
"""

from __future__ import annotations

import re
from typing import Any

from coach.evaluation.context import EvalContext
from coach.evaluation.metrics import Metric, mean_metric

_PLACEHOLDER = re.compile(r"\[[^\]]+\]")


def voice_stereotypes_suite(ctx: EvalContext) -> list[Metric]:
    """Stereotype detection (precision and recall gated at 0.9) and, on labelled positives
    that were flagged, category accuracy (gated at 0.8), direction accuracy, and whether
    the explanation shown is the one for the category and side found (``explanation_consistent``)."""
    from coach.evaluation.calibration import precision_recall_f1
    from coach.flows.stereotypes.check import check_stereotypes, load_taxonomy

    rows = ctx.rows("user_voice_stereotypes")
    checks = [ctx.timed("stereotypes", check_stereotypes, r["text"], embedder=ctx.runtime.embedder) for r in rows]
    scores = precision_recall_f1([bool(r["label"]) for r in rows], [c.has_stereotype for c in checks])
    explanations = {
        (c["id"], side): c[key]["explanation"]
        for c in load_taxonomy()["categories"]
        for side, key in (("about older", "about_older"), ("about younger", "about_younger"))
    }
    category, direction, consistent, details = [], [], [], []
    for row, check in zip(rows, checks, strict=True):
        if bool(row["label"]) != check.has_stereotype:
            details.append({"id": row["id"], "score": 0.0, "text": row["text"], "label": row["label"]})
        if not (row["label"] and check.flags):
            continue
        flag = check.flags[0]
        category.append(1.0 if flag.category == row["category"] else 0.0)
        direction.append(1.0 if flag.direction == row["direction"] else 0.0)
        consistent.append(1.0 if explanations[(flag.category, flag.direction)] == flag.explanation else 0.0)
        if not category[-1]:
            details.append(
                {"id": row["id"], "score": 0.5, "text": row["text"], "expected": row["category"], "got": flag.category}
            )
    n = len(rows)
    return [
        Metric(suite="voice_stereotypes", name="precision", value=round(scores.precision, 4), n=n, threshold=0.9),
        Metric(
            suite="voice_stereotypes",
            name="recall",
            value=round(scores.recall, 4),
            n=n,
            threshold=0.9,
            details=details[:10],
        ),
        Metric(suite="voice_stereotypes", name="f1", value=round(scores.f1, 4), n=n),
        mean_metric("voice_stereotypes", "category_accuracy", category, 0.8),
        mean_metric("voice_stereotypes", "direction_accuracy", direction),
        mean_metric("voice_stereotypes", "explanation_consistent", consistent, 1.0),
    ]


def rewrite_in_order(score: Any) -> bool:
    """Whether a rewrite keeps Situation, Behaviour, Impact, Request order.

    Each part is located by its evidence sentence in the rewrite or, when missing, by its
    placeholder; a complete message is its own text. The request comes last.
    """
    from coach.flows.feedback.rewrite import PLACEHOLDERS

    if score.nothing_to_change:
        return True
    positions = []
    for part in ("situation", "behavior", "impact", "request"):
        criterion = score.criteria[part]
        marker = PLACEHOLDERS[part] if criterion.score == 0 or not criterion.evidence else criterion.evidence[:40]
        found = score.rewrite.find(marker) if marker in score.rewrite else None
        if found is None and criterion.evidence:  # the sentence was cleaned of hedges: match its end
            tail = _PLACEHOLDER.sub("", criterion.evidence)[-30:]
            found = score.rewrite.find(tail) if tail and tail in score.rewrite else None
        positions.append((part, found))
    located = [p for _, p in positions if p is not None]
    request = positions[-1][1]
    return request is None or all(request >= p for p in located)


def voice_feedback_suite(ctx: EvalContext) -> list[Metric]:
    """The feedback scorer on user-voice drafts: accuracy and quadratic kappa per criterion
    (reported), rewrites in SBI order and at most two tips (gated at 1.0), and complete
    drafts answered with "nothing to change" and at most one tip (reported)."""
    from coach.evaluation.calibration import CRITERIA, accuracy, cohen_kappa
    from coach.flows.feedback.scoring import score_feedback

    rows = ctx.rows("user_voice_feedback")
    scores = [ctx.timed("feedback", score_feedback, r["text"], embedder=ctx.runtime.embedder) for r in rows]
    metrics = []
    for criterion in CRITERIA:
        gold = [int(r["labels"][criterion]) for r in rows]
        got = [int(s.criteria[criterion].score) for s in scores]
        metrics.append(
            Metric(
                suite="voice_feedback", name=f"accuracy_{criterion}", value=round(accuracy(gold, got), 4), n=len(rows)
            )
        )
        metrics.append(
            Metric(
                suite="voice_feedback", name=f"kappa_{criterion}", value=round(cohen_kappa(gold, got), 4), n=len(rows)
            )
        )
    order = [1.0 if rewrite_in_order(s) else 0.0 for s in scores]
    tips = [1.0 if len(s.tips) <= 2 else 0.0 for s in scores]
    complete = [
        1.0 if s.nothing_to_change and len(s.tips) <= 1 else 0.0
        for r, s in zip(rows, scores, strict=True)
        if all(r["labels"][c] == 2 for c in ("situation", "behavior", "impact", "request"))
    ]
    details = [
        {"id": r["id"], "score": o, "rewrite": s.rewrite[:300]} for r, s, o in zip(rows, scores, order, strict=True)
    ]
    return [
        *metrics,
        mean_metric("voice_feedback", "rewrite_in_order", order, 1.0, sorted(details, key=lambda d: d["score"])[:10]),
        mean_metric("voice_feedback", "at_most_two_tips", tips, 1.0),
        mean_metric("voice_feedback", "complete_left_alone", complete),
    ]
