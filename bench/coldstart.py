"""Cold start of each entry point, on the PyTorch backend (before) and ONNX Runtime (after).

Every measurement is a fresh process, so it pays for imports and model loading as a user
running one command does: ``coach retrieve``, ``coach ask`` and ``coach feedback score``
from launch to exit, and ``streamlit run app.py`` from launch to the first rendered page
in headless chromium, and the server's first "Build agenda" from click to first item
(which loads the embedding model and the index). The index is built once beforehand and
the ONNX export is already cached, so neither is counted. Backends alternate run by run,
so a busy spell on the machine falls on both; the median of ``--runs`` is reported.

Target: ``coach retrieve`` and ``coach ask`` cold in at most a third of the PyTorch time.

Usage: python bench/coldstart.py [--runs 3] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import save, table  # noqa: E402
from coach.config import PROJECT_ROOT, Settings  # noqa: E402

BACKENDS = ("torch", "onnx")
COMMANDS = {
    "coach retrieve": ["retrieve", "how do I give feedback to a senior leader", "--json"],
    "coach ask": ["ask", "How do I give feedback to a senior leader?", "--json"],
    "coach feedback score": [
        "feedback",
        "score",
        "In Tuesday's review you interrupted Sam twice. Could you let her finish next time?",
        "--json",
    ],
}


def environment(data_dir: Path, cache: Path, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(
        COACH_DATA_DIR=str(data_dir),
        COACH_MODEL_CACHE_DIR=str(cache),
        COACH_EMBEDDING_BACKEND=backend,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return env


def command_seconds(args: list[str], env: dict[str, str]) -> float:
    """Wall time of one ``python -m coach ...`` from launch to exit (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "coach", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"coach {' '.join(args)} failed: {done.stdout[-500:]} {done.stderr[-1000:]}")
    return seconds


def app_seconds(data_dir: Path, cache: Path, backend: str, browser: object) -> tuple[float, float]:
    """Launch to first paint, and the server's first agenda build from click to first item."""
    from bench.app import agenda_seconds, first_page, streamlit_server

    extra = {"COACH_MODEL_CACHE_DIR": str(cache), "COACH_EMBEDDING_BACKEND": backend}
    with streamlit_server(data_dir, extra) as (url, started):
        page, paint = first_page(browser, url, started)
        agenda = agenda_seconds(page, url)
        page.close()  # type: ignore[attr-defined]
    return paint, agenda


def prepare(work: Path) -> tuple[Path, Path]:
    """Index knowledge/ once and export the ONNX model once; returns the data and cache folders."""
    from coach.runtime import Runtime

    data_dir, cache = work / "data", work / "models"
    summary = Runtime(Settings(data_dir=data_dir, model_cache_dir=cache)).ingest()
    assert summary.ok, summary.failures
    return data_dir, cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="Skip the streamlit measurements.")
    args = parser.parse_args()
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="coach-bench-cold-") as tmp:
        data_dir, cache = prepare(Path(tmp))
        for run in range(args.runs):
            for backend in BACKENDS if run % 2 == 0 else BACKENDS[::-1]:
                env = environment(data_dir, cache, backend)
                for label, command in COMMANDS.items():
                    times.setdefault((label, backend), []).append(command_seconds(command, env))
            print(f"run {run + 1}/{args.runs} of the commands done", file=sys.stderr, flush=True)
        if not args.no_browser:
            from playwright.sync_api import sync_playwright

            from bench.app import CHROMIUM, CHROMIUM_ARGS

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for run in range(args.runs):
                    for backend in BACKENDS if run % 2 == 0 else BACKENDS[::-1]:
                        paint, agenda = app_seconds(data_dir, cache, backend, browser)
                        times.setdefault(("streamlit run to first paint", backend), []).append(paint)
                        times.setdefault(("first Build agenda of a new server", backend), []).append(agenda)
                browser.close()
    rows = []
    for label in dict.fromkeys(label for label, _ in times):
        before, after = (statistics.median(times[(label, b)]) for b in BACKENDS)
        rows.append([label, f"{before:.2f}", f"{after:.2f}", f"{after / before:.2f}", f"{before / after:.1f}x"])
    text = "\n".join(
        [
            "# Cold start: PyTorch (before) and ONNX Runtime (after) embeddings",
            "",
            f"Fresh process per measurement, median of {args.runs}; index built and ONNX export cached beforehand.",
            "",
            table(["entry point", "torch s", "onnx s", "onnx/torch", "speed-up"], rows),
            "",
            "Target: coach retrieve and coach ask at most 1/3 of the PyTorch time (onnx/torch <= 0.33).",
        ]
    )
    print(text)
    print(f"\nSaved to {save('coldstart.md', text)}")


if __name__ == "__main__":
    main()
