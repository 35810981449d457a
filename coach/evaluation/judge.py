"""An optional strong judge: any OpenAI-compatible model grading answers.

Used only with ``coach eval --judge openai``. Grades are requested at temperature 0 and
cached on disk under a key hashing the prompt text, the model and the rubric version, so a
rerun is free and reproducible. A reply that does not validate is retried, then counted as
unparsed rather than guessed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field

from coach.errors import InputError
from coach.evaluation.metrics import Metric, mean_metric

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.evaluation.context import EvalContext
    from coach.llm.prompts import Prompt

T = TypeVar("T", bound=BaseModel)
Score = Literal[0, 1, 2]


class RubricGrade(BaseModel):
    faithfulness: Score
    relevance: Score
    citation_use: Score
    evidence: list[str] = Field(default_factory=list, max_length=6)


class Preference(BaseModel):
    winner: Literal["A", "B", "tie"]


class SupportVerdict(BaseModel):
    supported: bool


class Unparsed(BaseModel):
    """Stands in for a judgement the model could not give in a valid form."""

    unparsed: bool = True


class JudgeCache:
    """Judgements stored as one JSON file per key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(prompt: Prompt, variables: dict[str, str], model: str) -> str:
        material = json.dumps(
            [prompt.name, prompt.version, prompt.system, prompt.template, variables, model], sort_keys=True
        )
        return hashlib.sha256(material.encode()).hexdigest()[:32]

    def get(self, key: str) -> dict[str, object] | None:
        path = self.folder / f"{key}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def put(self, key: str, value: dict[str, object]) -> None:
        (self.folder / f"{key}.json").write_text(json.dumps(value))


class Judge:
    """Asks one model for structured judgements, through the cache."""

    def __init__(self, model: BaseChatModel, cache: JudgeCache, retries: int = 2) -> None:
        from coach.llm.providers import model_label

        self.model = model
        self.label = model_label(model)
        self.cache = cache
        self.retries = retries
        self.calls = 0
        self.cache_hits = 0

    def ask(self, prompt_name: str, variables: dict[str, str], schema: type[T]) -> T | None:
        from coach.llm.prompts import load_prompt
        from coach.llm.structured import generate_structured

        prompt = load_prompt(prompt_name)
        key = JudgeCache.key(prompt, variables, self.label)
        cached = self.cache.get(key)
        if cached is not None:
            self.cache_hits += 1
            return None if cached.get("unparsed") else schema.model_validate(cached)
        self.calls += 1
        target: type[BaseModel] = schema
        value = generate_structured(
            self.model, prompt, variables, target, fallback=Unparsed, retries=self.retries
        ).value
        self.cache.put(key, value.model_dump())
        return None if isinstance(value, Unparsed) else schema.model_validate(value.model_dump())


def build_judge_model(ctx: EvalContext, judge: str) -> BaseChatModel:
    if judge != "openai":
        raise InputError(
            f"Unknown judge '{judge}'.", hint="Use --judge openai with COACH_LLM_BASE_URL and COACH_LLM_MODEL set."
        )
    from coach.llm.providers import build_chat_model

    settings = ctx.runtime.settings.model_copy(update={"llm_provider": "openai", "llm_temperature": 0.0})
    return build_chat_model(settings)


def _passages_text(passages: list[object]) -> str:
    return "\n".join(f"[{i}] {getattr(p, 'text', '')}" for i, p in enumerate(passages, 1))


def judge_answers(ctx: EvalContext, judge: str, cache_dir: Path, limit: int | None = None) -> list[Metric]:
    """Rubric grades of the default answers, swapped pairwise preferences between the two
    answer modes, and the judge's agreement (Cohen's kappa) with our labelled support pairs.

    - judge_faithfulness / judge_relevance / judge_citation_use: mean grade / 2 over parsed grades.
    - judge_position_consistency: share of pairs whose winner is the same answer in both orders.
    - judge_default_win_rate: share of consistent, non-tie pairs won by the default mode.
    - judge_support_kappa: unweighted kappa between the judge's supported/unsupported verdicts
      and our labels on the grounding pairs.
    - judge_parse_rate: share of all judgements that came back valid.
    """
    from coach.answering import answer_question
    from coach.evaluation.calibration import cohen_kappa

    judge_model = build_judge_model(ctx, judge)
    settings = ctx.runtime.settings
    grader = Judge(judge_model, JudgeCache(cache_dir), retries=settings.structured_retries)
    other = "generative" if settings.answer_mode == "extractive" else "extractive"
    grades: dict[str, list[float]] = {"faithfulness": [], "relevance": [], "citation_use": []}
    consistent, wins, parsed = [], [], []
    for row in ctx.rows("questions")[:limit]:
        default = answer_question(row["question"], ctx.runtime.retriever, settings, model=ctx.model)
        passages = _passages_text(list(default.passages))
        grade = grader.ask(
            "judge_answer", {"question": row["question"], "passages": passages, "answer": default.answer}, RubricGrade
        )
        parsed.append(1.0 if grade else 0.0)
        if grade:
            for name in grades:
                grades[name].append(getattr(grade, name) / 2)
        alternative = answer_question(
            row["question"], ctx.runtime.retriever, settings, model=ctx.model or judge_model, mode=other
        )
        first, second = _both_orders(grader, row["question"], passages, default.answer, alternative.answer)
        parsed += [1.0 if first else 0.0, 1.0 if second else 0.0]
        if first and second:
            flipped = {"A": "B", "B": "A", "tie": "tie"}[second.winner]
            consistent.append(1.0 if first.winner == flipped else 0.0)
            if first.winner == flipped and first.winner != "tie":
                wins.append(1.0 if first.winner == "A" else 0.0)
    gold, verdicts = _support_verdicts(grader, ctx.rows("grounding_pairs")[:limit], parsed)
    metrics = [mean_metric("judge", f"judge_{name}", values) for name, values in grades.items()]
    metrics += [
        mean_metric("judge", "judge_position_consistency", consistent),
        mean_metric("judge", "judge_default_win_rate", wins),
        Metric(
            suite="judge",
            name="judge_support_kappa",
            value=round(cohen_kappa(gold, verdicts, labels=(0, 1), weights="none"), 4) if gold else 0.0,
            n=len(gold),
        ),
        mean_metric("judge", "judge_parse_rate", parsed),
    ]
    return metrics


def _both_orders(
    grader: Judge, question: str, passages: str, default: str, alternative: str
) -> tuple[Preference | None, Preference | None]:
    """The judge's preference with the default answer as A, then with it as B."""
    orders = ((default, alternative), (alternative, default))
    first, second = (
        grader.ask(
            "judge_pairwise", {"question": question, "passages": passages, "answer_a": a, "answer_b": b}, Preference
        )
        for a, b in orders
    )
    return first, second


def _support_verdicts(grader: Judge, rows: list[dict[str, Any]], parsed: list[float]) -> tuple[list[int], list[int]]:
    """Our labels and the judge's verdicts on the grounding pairs it answered (``parsed`` is appended to)."""
    gold, verdicts = [], []
    for row in rows:
        verdict = grader.ask("judge_support", {"sentence": row["sentence"], "passage": row["passage"]}, SupportVerdict)
        parsed.append(1.0 if verdict else 0.0)
        if verdict:
            gold.append(int(row["label"]))
            verdicts.append(int(verdict.supported))
    return gold, verdicts
