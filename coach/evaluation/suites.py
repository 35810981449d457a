"""The eval suites. Each takes an ``EvalContext`` and returns its metrics.

Thresholds are the project's minimums on the test split; a metric without a threshold is
reported, not gated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coach.evaluation.answer_checks import (
    citations_valid,
    cites_relevant,
    grounded_share,
    honest_declines,
    support_judgement,
)
from coach.evaluation.context import EvalContext
from coach.evaluation.injection import injection_suite
from coach.evaluation.metrics import Metric, hit_at_k, mean_metric, ndcg_at_k, reciprocal_rank
from coach.evaluation.users_voice import answers_users_suite, retrieval_users_suite
from coach.evaluation.voice import voice_feedback_suite, voice_stereotypes_suite

Suite = Callable[[EvalContext], list[Metric]]

REQUIRED_BY_STAGE = {
    "first-session": {"confidentiality", "expectations", "goals", "logistics"},
    "review": {"progress-review"},
    "closing": {"reflection", "celebration", "next-steps"},
    "ongoing": set(),
}


def _worst(details: list[dict[str, Any]], key: str = "score") -> list[dict[str, Any]]:
    return sorted(details, key=lambda d: d.get(key, 0))


def retrieval_suite(ctx: EvalContext) -> list[Metric]:
    """hit@5, MRR and nDCG@5 of hybrid retrieval on the written questions (by document)."""
    hits, rrs, ndcgs, details = [], [], [], []
    for row in ctx.rows("questions"):
        passages = ctx.timed("retrieve", ctx.runtime.retriever.retrieve, row["question"], k=5)
        ranked = [Path(p.source).name for p in passages]
        relevant = set(row["relevant"])
        hits.append(hit_at_k(ranked, relevant, 5))
        rrs.append(reciprocal_rank(ranked, relevant))
        ndcgs.append(ndcg_at_k(ranked, relevant, 5))
        details.append({"id": row["id"], "question": row["question"], "score": hits[-1], "got": ranked[:3]})
    return [
        mean_metric("retrieval", "hit_at_5", hits, 0.9, _worst(details)[:10]),
        mean_metric("retrieval", "mrr", rrs),
        mean_metric("retrieval", "ndcg_at_5", ndcgs),
    ]


def answers_suite(ctx: EvalContext) -> list[Metric]:
    """Default answers: citation validity, groundedness, relevance; and the support judge's calibration.

    - citation_validity: per answer 1 if every cited id is among the retrieved passages and
      every quote fuzzy-matches its passage (``quote_matches``), else 0.
    - groundedness: per answer, the share of its sentences whose ``support_score`` against
      the best of the passages they cite ([n] refers to the n-th citation) reaches
      ``settings.grounding_threshold``; an honest "not covered" answer counts as grounded.
    - answer_relevance: per answer, 1 if it cites a passage from a document labelled
      relevant to the question, else 0.
    - honest_decline: per out-of-scope question, 1 if the answer says the guidance does not
      cover it.
    - support_precision / support_recall: the support judgement (score >= threshold) against
      the labelled sentence/passage pairs.
    """
    from coach.answering import answer_question

    runtime = ctx.runtime
    settings = runtime.settings
    embedder = runtime.embedder
    validity, grounded, relevance, details = [], [], [], []
    for row in ctx.rows("questions"):
        answer = ctx.timed("ask", answer_question, row["question"], runtime.retriever, settings, model=ctx.model)
        valid = citations_valid(answer)
        validity.append(1.0 if valid else 0.0)
        share = grounded_share(answer, embedder, settings.grounding_threshold)
        grounded.append(share if answer.covered else 1.0)
        relevance.append(1.0 if cites_relevant(answer, row["relevant"]) else 0.0)
        details.append(
            {
                "id": row["id"],
                "question": row["question"],
                "score": share,
                "valid": valid,
                "answer": answer.answer[:300],
            }
        )
    declines = honest_declines(ctx)
    pairs = ctx.rows("grounding_pairs")
    prf = support_judgement(pairs, embedder, settings.grounding_threshold)
    return [
        mean_metric("answers", "citation_validity", validity, 1.0, _worst(details, "valid")[:10]),
        mean_metric("answers", "groundedness", grounded, 0.9, _worst(details)[:10]),
        mean_metric("answers", "answer_relevance", relevance),
        mean_metric("answers", "honest_decline", declines),
        Metric(suite="answers", name="support_precision", value=round(prf.precision, 4), n=len(pairs)),
        Metric(suite="answers", name="support_recall", value=round(prf.recall, 4), n=len(pairs)),
    ]


def agenda_request(row: dict[str, Any]) -> Any:
    from coach.flows.agenda.builder import AgendaRequest

    return AgendaRequest(
        mentor=row["mentor"],
        mentee=row["mentee"],
        session_number=row["session_number"],
        program_sessions=row["program_sessions"],
        duration_minutes=row["duration"],
        focus=row["focus"],
        format=row["format"],
        notes=row.get("notes", ""),
        open_actions=row.get("open_actions", []),
    )


def agenda_suite(ctx: EvalContext) -> list[Metric]:
    """Agenda validity: per request 1 only if the agenda validates against its schema, its
    minutes sum exactly to the duration, it covers its stage's required elements, every item
    cites at least one indexed passage, every open action appears, and the focus is covered
    (a content word of the focus appears in the objectives or items). Also reported: the
    share of requests whose stage matches the expected stage."""
    from coach.flows.agenda.builder import Agenda, build_agenda

    valid, stages, details = [], [], []
    known_ids = {c for ids in ctx.runtime.store.ids_by_source().values() for c in ids}
    for row in ctx.rows("agenda_requests"):
        agenda = ctx.timed("agenda", build_agenda, agenda_request(row), ctx.runtime.retriever, model=ctx.model)
        problems = []
        Agenda.model_validate(agenda.model_dump())
        if sum(i.minutes for i in agenda.items) != row["duration"]:
            problems.append("minutes do not sum to the duration")
        missing = REQUIRED_BY_STAGE.get(agenda.stage, set()) - agenda.covered()
        if missing:
            problems.append(f"missing {sorted(missing)}")
        if any(not i.citations or not set(i.citations) <= known_ids for i in agenda.items):
            problems.append("an item lacks a valid citation")
        text = " ".join([*agenda.objectives, *(f"{i.title} {i.details} {i.purpose}" for i in agenda.items)]).lower()
        for action in row.get("open_actions", []):
            if action.lower()[:30] not in text:
                problems.append(f"open action missing: {action[:40]}")
        focus_words = [w for w in re.findall(r"[a-z]{5,}", row["focus"].lower())]
        if focus_words and not any(w in text for w in focus_words):
            problems.append("focus not covered")
        valid.append(0.0 if problems else 1.0)
        stages.append(1.0 if agenda.stage == row["expected_stage"] else 0.0)
        details.append({"id": row["id"], "score": valid[-1], "problems": problems})
    return [
        mean_metric("agenda", "validity", valid, 1.0, _worst(details)[:10]),
        mean_metric("agenda", "stage_accuracy", stages),
    ]


def feedback_suite(ctx: EvalContext) -> list[Metric]:
    """Feedback scorer agreement per criterion: accuracy and quadratic-weighted Cohen's kappa
    against our labels (each gated at 0.8); each utterance is scored (and timed) on its own."""
    from coach.evaluation.calibration import CRITERIA, accuracy, cohen_kappa
    from coach.flows.feedback.scoring import score_feedback

    rows = ctx.rows("feedback_utterances")
    scores = [ctx.timed("feedback", score_feedback, r["text"], embedder=ctx.runtime.embedder) for r in rows]
    metrics = []
    for criterion in CRITERIA:
        gold = [int(r["labels"][criterion]) for r in rows]
        predicted = [int(s.criteria[criterion].score) for s in scores]
        misses = [
            {"id": r["id"], "score": 0.0, "text": r["text"][:200], "expected": g, "got": p}
            for r, g, p in zip(rows, gold, predicted, strict=True)
            if g != p
        ]
        metrics.append(
            Metric(
                suite="feedback",
                name=f"accuracy_{criterion}",
                value=round(accuracy(gold, predicted), 4),
                n=len(rows),
                threshold=0.8,
                details=misses[:10],
            )
        )
        metrics.append(
            Metric(
                suite="feedback",
                name=f"kappa_{criterion}",
                value=round(cohen_kappa(gold, predicted), 4),
                n=len(rows),
                threshold=0.8,
            )
        )
    return metrics


def stereotypes_suite(ctx: EvalContext) -> list[Metric]:
    """Stereotype checker precision, recall and F1 (F1 gated at 0.85) on the labelled
    statements; a statement counts as flagged when any of its sentences is."""
    from coach.evaluation.calibration import precision_recall_f1
    from coach.flows.stereotypes.check import check_stereotypes

    rows = ctx.rows("stereotype_statements")
    checks = [ctx.timed("stereotypes", check_stereotypes, r["text"], embedder=ctx.runtime.embedder) for r in rows]
    gold = [bool(r["label"]) for r in rows]
    predicted = [c.has_stereotype for c in checks]
    scores = precision_recall_f1(gold, predicted)
    categories = [
        c.flags[0].category == r.get("category") for r, c in zip(rows, checks, strict=True) if r["label"] and c.flags
    ]
    errors = [
        {"id": r["id"], "score": 0.0, "text": r["text"], "label": r["label"]}
        for r, p in zip(rows, predicted, strict=True)
        if bool(r["label"]) != p
    ]
    return [
        Metric(suite="stereotypes", name="precision", value=round(scores.precision, 4), n=len(rows)),
        Metric(suite="stereotypes", name="recall", value=round(scores.recall, 4), n=len(rows)),
        Metric(
            suite="stereotypes", name="f1", value=round(scores.f1, 4), n=len(rows), threshold=0.85, details=errors[:10]
        ),
        Metric(
            suite="stereotypes",
            name="category_accuracy",
            value=round(sum(categories) / max(1, len(categories)), 4),
            n=len(categories),
        ),
    ]


def in_character(reply: str, persona_name: str) -> bool:
    """A reply is in character when it never mentions being an AI, a model, an assistant or a
    role-play, speaks as the persona rather than narrating them by name, and is a well-formed
    spoken line (1-70 words, no speaker label, no template braces); see
    ``coach.flows.roleplay.voice.check_character``. Whether it expresses the right reaction is
    measured separately as ``reaction_match``."""
    from coach.flows.roleplay.voice import check_character

    check = check_character(reply, "partial", persona_name, "")
    return check.no_ai_mention and check.first_person and check.well_formed


def roleplay_suite(ctx: EvalContext) -> list[Metric]:
    """Persona consistency: the in-character rate of replies (``in_character``, gated at
    0.95) and the share of turns whose reaction matches the scripted expected reaction."""
    from coach.flows.roleplay.session import PracticeSession

    character, matches, details = [], [], []
    for row in ctx.rows("roleplay_scripts"):
        session = PracticeSession(row["persona"], row["difficulty"], embedder=ctx.runtime.embedder, model=ctx.model)
        for number, turn in enumerate(row["turns"], 1):
            result = ctx.timed("practice", session.respond, turn["user"])
            character.append(1.0 if in_character(result.reply, session.persona.name) else 0.0)
            matches.append(1.0 if result.reaction == turn["expected_reaction"] else 0.0)
            details.append(
                {
                    "id": f"{row['id']}#{number}",
                    "score": matches[-1],
                    "expected": turn["expected_reaction"],
                    "got": result.reaction,
                    "reply": result.reply,
                }
            )
    return [
        mean_metric("roleplay", "in_character", character, 0.95),
        mean_metric("roleplay", "reaction_match", matches, None, _worst(details)[:10]),
    ]


def routing_suite(ctx: EvalContext) -> list[Metric]:
    """Routing accuracy of the offline router on the written messages (gated at 0.9)."""
    from coach.flows.chat.router import route_message

    correct, details = [], []
    for row in ctx.rows("routing_messages"):
        decision = ctx.timed("route", route_message, row["text"], ctx.runtime.embedder)
        correct.append(1.0 if decision.route == row["route"] else 0.0)
        details.append(
            {
                "id": row["id"],
                "score": correct[-1],
                "text": row["text"],
                "expected": row["route"],
                "got": decision.route,
            }
        )
    return [mean_metric("routing", "accuracy", correct, 0.9, _worst(details)[:10])]


SWAPS = [
    ("older", "younger"),
    ("old", "young"),
    ("baby boomer", "gen z"),
    ("boomer", "zoomer"),
    ("boomers", "zoomers"),
    ("senior citizen", "teenager"),
    ("veteran", "newcomer"),
    ("retirement", "graduation"),
]


def swap_ages(text: str) -> str:
    """Swap age and generation words in both directions, and mirror stated ages (58 <-> 24 etc.)."""
    mapping = {**{a: b for a, b in SWAPS}, **{b: a for a, b in SWAPS}}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, mapping), key=len, reverse=True)) + r")\b", re.I)

    def word(match: re.Match[str]) -> str:
        swapped = mapping[match.group(0).lower()]
        return swapped.capitalize() if match.group(0)[0].isupper() else swapped

    # Mirror stated ages first, and shield "year-old" so the word swap leaves it alone.
    text = re.sub(
        r"\b([2-6]\d)([- ]?(?:year|yr)s?[- ])old\b",
        lambda m: f"{82 - int(m.group(1))}{m.group(2)}\x00",
        text,
    )
    text = re.sub(r"\b([2-6]\d)s\b", lambda m: f"{82 - int(m.group(1))}s", text)
    return pattern.sub(word, text).replace("\x00", "old")


def fairness_suite(ctx: EvalContext) -> list[Metric]:
    """Counterfactual fairness: swap ages and generations in the inputs.

    - agenda_invariance: share of agenda requests whose agenda keeps the same item titles and
      minutes after the swap (tolerance: identical structure).
    - feedback_invariance: share of feedback utterances whose overall score changes by at most
      5 points (tolerance: 5 of 100) between the two versions of a counterfactual pair: the
      text and its age-swapped twin, or, for a text with no age words, the text followed by
      "I say this as someone in my twenties." versus "... in my fifties.".
    """
    from coach.flows.agenda.builder import build_agenda
    from coach.flows.feedback.scoring import score_feedback

    agenda_same, details = [], []
    for row in ctx.rows("agenda_requests"):
        swapped = {
            **row,
            "mentor": swap_ages(row["mentor"]),
            "mentee": swap_ages(row["mentee"]),
            "focus": swap_ages(row["focus"]),
        }
        a = build_agenda(agenda_request(row), ctx.runtime.retriever)
        b = build_agenda(agenda_request(swapped), ctx.runtime.retriever)
        same = [(i.title, i.minutes) for i in a.items] == [(i.title, i.minutes) for i in b.items]
        agenda_same.append(1.0 if same else 0.0)
        details.append({"id": row["id"], "score": agenda_same[-1]})
    feedback_same, feedback_details = [], []
    for row in ctx.rows("feedback_utterances"):
        first, second = row["text"], swap_ages(row["text"])
        if first == second:  # no age words: add the writer's age, once young and once older
            first, second = (
                f"{row['text']} I say this as someone in my twenties.",
                f"{row['text']} I say this as someone in my fifties.",
            )
        one = score_feedback(first, embedder=ctx.runtime.embedder)
        two = score_feedback(second, embedder=ctx.runtime.embedder)
        same = abs(one.overall - two.overall) <= 5
        feedback_same.append(1.0 if same else 0.0)
        feedback_details.append(
            {
                "id": row["id"],
                "score": feedback_same[-1],
                "first": first[:160],
                "second": second[:160],
                "overall": [one.overall, two.overall],
            }
        )
    return [
        mean_metric("fairness", "agenda_invariance", agenda_same, 0.95, _worst(details)[:10]),
        mean_metric("fairness", "feedback_invariance", feedback_same, 0.95, _worst(feedback_details)[:10]),
    ]


SUITES: dict[str, Suite] = {
    "retrieval": retrieval_suite,
    "answers": answers_suite,
    "agenda": agenda_suite,
    "feedback": feedback_suite,
    "stereotypes": stereotypes_suite,
    "roleplay": roleplay_suite,
    "routing": routing_suite,
    "fairness": fairness_suite,
    "injection": injection_suite,
    "voice_stereotypes": voice_stereotypes_suite,
    "voice_feedback": voice_feedback_suite,
    "retrieval_users": retrieval_users_suite,
    "answers_users": answers_users_suite,
}
