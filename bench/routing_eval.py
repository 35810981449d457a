"""Routing accuracy of ``route_message`` on the dev and test splits of the routing dataset.

Writes ``eval/routing.md``. Exemplars and rules were tuned on the dev split only; the
test split is read here to report, never to tune.

Usage: ``.venv/bin/python bench/routing_eval.py [--out eval/routing.md] [--show-errors dev]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.flows.chat.router import ROUTES, route_message  # noqa: E402
from coach.knowledge.embeddings import SentenceTransformerEmbedder  # noqa: E402

DATASET = ROOT / "eval" / "datasets" / "routing_messages.jsonl"


def load_rows(path: Path = DATASET) -> list[dict[str, str]]:
    """The dataset rows."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict[str, str]], embedder: SentenceTransformerEmbedder) -> dict[str, object]:
    """Accuracy, per-route recall, the confusion counts and the misrouted rows."""
    confusion: Counter[tuple[str, str]] = Counter()
    errors: list[dict[str, str]] = []
    for row in rows:
        got = route_message(row["text"], embedder).route
        confusion[(row["route"], got)] += 1
        if got != row["route"]:
            errors.append({"id": row["id"], "expected": row["route"], "got": got, "text": row["text"]})
    total = len(rows)
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    recall = {}
    for route in ROUTES:
        n = sum(c for (want, _), c in confusion.items() if want == route)
        recall[route] = confusion[(route, route)] / n if n else float("nan")
    return {
        "n": total,
        "accuracy": correct / total if total else 0.0,
        "recall": recall,
        "confusion": confusion,
        "errors": errors,
    }


def report(results: dict[str, dict[str, object]], seconds: float, model: str) -> str:
    """The Markdown report."""
    lines = [
        "# Routing accuracy",
        "",
        "Offline router `coach.flows.chat.router.route_message`: nearest intent exemplars",
        "(`knowledge/data/route_exemplars.yaml`, written for the project, mean of the 3 nearest per",
        f"route, embedder `{model}`) plus weighted rules from the same file. Exemplars and rules were",
        "tuned on the **dev** split only; the **test** split was not used for tuning.",
        "",
        "| split | messages | accuracy |",
        "|---|---:|---:|",
    ]
    for split, res in results.items():
        lines.append(f"| {split} | {res['n']} | {float(res['accuracy']):.3f} |")  # type: ignore[arg-type]
    lines += [
        "",
        "## Recall per route",
        "",
        "| route | " + " | ".join(results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for route in ROUTES:
        cells = [f"{res['recall'][route]:.2f}" for res in results.values()]  # type: ignore[index]
        lines.append(f"| {route} | " + " | ".join(cells) + " |")
    for split, res in results.items():
        errors = res["errors"]
        lines += ["", f"## Misrouted ({split})", ""]
        if not errors:
            lines.append("None.")
        for err in errors:  # type: ignore[attr-defined]
            lines.append(f"- `{err['id']}` expected **{err['expected']}**, got **{err['got']}**: {err['text']}")
    lines += [
        "",
        f"Routing all {sum(int(r['n']) for r in results.values())} messages took {seconds:.1f} s "  # type: ignore[call-overload]
        "(embedding model already loaded).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "routing.md")
    parser.add_argument(
        "--show-errors", choices=["dev", "test"], default=None, help="Print the misrouted messages of one split."
    )
    args = parser.parse_args()
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    embedder.embed(["warm up"])
    rows = load_rows()
    start = time.perf_counter()
    results = {split: evaluate([r for r in rows if r["split"] == split], embedder) for split in ("dev", "test")}
    seconds = time.perf_counter() - start
    for split, res in results.items():
        print(f"{split}: accuracy {float(res['accuracy']):.3f} on {res['n']} messages")  # type: ignore[arg-type]
    if args.show_errors:
        for err in results[args.show_errors]["errors"]:  # type: ignore[attr-defined]
            print(f"  {err['id']} expected {err['expected']} got {err['got']}: {err['text']}")
    args.out.write_text(report(results, seconds, embedder.name), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
