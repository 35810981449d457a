"""Embedding backends on the same texts in one run: speed, agreement with PyTorch, and the eval gate.

Variants: sentence-transformers on PyTorch (the reference), the ONNX Runtime fp32 export,
its dynamic int8 quantization with per-channel weight scales (the ``onnx-int8`` backend)
and, for comparison, the plain per-tensor int8 quantization.

1. Speed: seconds to embed every chunk of ``knowledge/`` (best of ``--rounds``, after a
   warm-up), and the ratio to PyTorch.
2. Agreement with PyTorch: cosine of each chunk vector (mean and minimum), and the overlap
   of the dense top-5 chunks for every eval question (all splits).
3. The eval gate: each product backend (torch, onnx, onnx-int8) indexes ``knowledge/``
   into a data folder of its own and runs the eval suites on the test split; a metric
   more than ``--tolerance`` below the PyTorch run's value fails the gate.

Usage: python bench/embeddings.py [--rounds 2] [--suites all] [--tolerance 0.05] [--skip-eval]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import save, table  # noqa: E402
from coach.config import PROJECT_ROOT, Settings  # noqa: E402
from coach.knowledge.embeddings import Embedder, SentenceTransformerEmbedder  # noqa: E402
from coach.knowledge.onnx_embedder import OnnxEmbedder, ensure_exported  # noqa: E402
from coach.knowledge.onnx_export import quantize_int8  # noqa: E402

QUESTIONS = sorted((PROJECT_ROOT / "eval" / "datasets").glob("questions*.jsonl"))
PRODUCT_BACKENDS = ("torch", "onnx", "onnx-int8")


def corpus(settings: Settings) -> list[str]:
    """The text of every chunk the coach indexes from ``knowledge/``."""
    from bench.ingest import chunk_texts

    texts, _, _ = chunk_texts([settings.knowledge_dir], settings)
    return texts


def questions() -> list[str]:
    rows = [json.loads(line) for path in QUESTIONS for line in path.read_text().splitlines() if line.strip()]
    return [row["question"] for row in rows]


def variants(settings: Settings, cache: Path) -> dict[str, Embedder]:
    """Every embedder measured, the PyTorch reference first."""
    model, batch = settings.embedding_model_path, settings.embedding_batch_size
    assert model is not None
    fp32 = ensure_exported(model, cache, "fp32")
    per_tensor = cache / "per-tensor-int8.onnx"
    quantize_int8(fp32, per_tensor, per_channel=False)
    return {
        "torch (sentence-transformers)": SentenceTransformerEmbedder(model, batch),
        "onnx fp32": OnnxEmbedder(model, batch, cache, "fp32"),
        "onnx int8, per-channel (onnx-int8)": OnnxEmbedder(model, batch, cache, "int8"),
        "onnx int8, per-tensor": OnnxEmbedder(model, batch, cache, "int8", onnx_file=per_tensor),
    }


def top5(chunks: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    scores = queries @ chunks.T
    return [set(np.argsort(-row)[:5].tolist()) for row in scores]


def measure(embedders: dict[str, Embedder], texts: list[str], asked: list[str], rounds: int) -> list[list[str]]:
    """One row per embedder: seconds, speed ratio, cosine mean/min and top-5 overlap against PyTorch."""
    seconds: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for embedder in embedders.values():
        embedder.embed(["warm-up"])
    for _ in range(rounds):  # interleaved, so a busy spell on the machine hits every variant
        for label, embedder in embedders.items():
            start = time.perf_counter()
            vectors[label] = embedder.embed(texts)
            seconds[label] = min(seconds.get(label, float("inf")), time.perf_counter() - start)
    reference = next(iter(embedders))
    ref_top = top5(vectors[reference], embedders[reference].embed(asked))
    rows = []
    for label, embedder in embedders.items():
        cosine = np.sum(vectors[label] * vectors[reference], axis=1)
        got = top5(vectors[label], embedder.embed(asked))
        overlap = float(np.mean([len(a & b) / 5 for a, b in zip(got, ref_top, strict=True)]))
        rows.append(
            [
                label,
                f"{seconds[label]:.2f}",
                f"{seconds[reference] / seconds[label]:.2f}x",
                f"{cosine.mean():.5f}",
                f"{cosine.min():.5f}",
                f"{overlap:.3f}",
            ]
        )
    return rows


def eval_backend(backend: str, work: Path, cache: Path, suites: str) -> tuple[dict[str, float], float]:
    """Index ``knowledge/`` with one backend, run the suites; metric values and ingest seconds."""
    from coach.evaluation.context import EvalContext
    from coach.evaluation.runner import run_eval
    from coach.runtime import Runtime

    settings = Settings(data_dir=work / backend, embedding_backend=backend, model_cache_dir=cache)  # type: ignore[arg-type]
    runtime = Runtime(settings)
    runtime.embedder.embed(["warm-up"])
    start = time.perf_counter()
    summary = runtime.ingest()
    ingest_s = time.perf_counter() - start
    assert summary.ok, summary.failures
    report = run_eval(EvalContext(runtime=runtime), suite=suites)
    return {m.key: m.value for m in report.metrics}, ingest_s


def gate_table(results: dict[str, dict[str, float]], tolerance: float) -> tuple[str, dict[str, bool]]:
    """Every metric per backend, each compared with the PyTorch run; and whether each backend passes."""
    reference = results["torch"]
    passed = {backend: True for backend in results}
    rows = []
    for key, ref in reference.items():
        if key.startswith("latency."):
            continue
        cells = [key, f"{ref:g}"]
        for backend in PRODUCT_BACKENDS[1:]:
            value = results[backend].get(key, float("nan"))
            ok = not value < ref - tolerance
            passed[backend] &= ok
            cells.append(f"{value:g}" + ("" if ok else " FAIL"))
        rows.append(cells)
    return table(["metric", "torch", *PRODUCT_BACKENDS[1:]], rows), passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--suites", default="all")
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    texts, asked = corpus(settings), questions()
    report = ["# Embedding backends", ""]
    with tempfile.TemporaryDirectory(prefix="coach-bench-emb-") as tmp:
        cache = Path(tmp) / "models"
        rows = measure(variants(settings, cache), texts, asked, args.rounds)
        report += [
            f"{len(texts)} chunks of knowledge/, batch {settings.embedding_batch_size}, best of {args.rounds};"
            f" top-5 overlap over {len(asked)} eval questions (dense search over those chunks).",
            "",
            table(["variant", "seconds", "speed vs torch", "cosine mean", "cosine min", "top-5 overlap"], rows),
            "",
        ]
        print("\n".join(report), flush=True)
        if not args.skip_eval:
            results: dict[str, dict[str, float]] = {}
            ingest: dict[str, float] = {}
            for backend in PRODUCT_BACKENDS:
                results[backend], ingest[backend] = eval_backend(backend, Path(tmp), cache, args.suites)
                print(f"{backend}: eval done, ingest {ingest[backend]:.1f}s", flush=True)
            text, passed = gate_table(results, args.tolerance)
            verdict = ", ".join(f"{b}: {'pass' if passed[b] else 'FAIL'}" for b in PRODUCT_BACKENDS[1:])
            timing = ", ".join(f"{b} {ingest[b]:.1f}s" for b in PRODUCT_BACKENDS)
            report += [
                f"Eval suites ({args.suites}, test split) per backend; gate: no metric more than"
                f" {args.tolerance} below the PyTorch run. Ingest of knowledge/: {timing}.",
                "",
                text,
                "",
                f"gate: {verdict}",
            ]
    output = "\n".join(report)
    print(output)
    print(f"\nSaved to {save('embeddings.md', output)}")


if __name__ == "__main__":
    main()
