"""``python -m coach.training``: ``fit`` (optionally ``--check`` or ``--record-only``) and ``manifest``.

Examples::

    python -m coach.training fit                      # refit every model (about 50 minutes on 2 cores)
    python -m coach.training fit --only stereotypes   # one model (a few minutes)
    python -m coach.training fit --check              # verify every manifest; exit 1 on a mismatch
    python -m coach.training manifest                 # record manifests for the files as they are
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.training.common import DEFAULT_DATASETS_DIR, SEED, display_path
from coach.training.manifest import CheckResult
from coach.training.registry import MODEL_NAMES, MODELS, selected
from coach.training.runner import Locations, check_models, fit_models, record_manifests


def _common_options(parser: argparse.ArgumentParser) -> None:
    from coach import resources

    parser.add_argument(
        "--only",
        nargs="+",
        choices=MODEL_NAMES,
        metavar="NAME",
        help=f"only these models ({', '.join(MODEL_NAMES)}); all of them by default",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=resources.knowledge_data_dir(),
        help="folder of the fitted files and their manifests (default: the packaged data folder)",
    )
    parser.add_argument(
        "--datasets",
        type=Path,
        default=DEFAULT_DATASETS_DIR,
        help="folder of the labelled datasets whose dev rows are fitted (default: eval/datasets)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="python -m coach.training", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser(
        "fit",
        help="fit the models on the dev split and write each file with its manifest",
        epilog="\n".join(f"{m.name}: {m.summary}" for m in MODELS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(fit)
    mode = fit.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; verify each manifest against its file and inputs (exit 1 on a mismatch)",
    )
    mode.add_argument(
        "--record-only", action="store_true", help="do not fit; record manifests for the fitted files as they are"
    )
    fit.add_argument("--seed", type=int, default=SEED, help=f"seed of the folds and the training (default {SEED})")
    manifest = commands.add_parser(
        "manifest", help="record manifests for the existing fitted files (fit --record-only)"
    )
    _common_options(manifest)
    return parser


def report(results: list[CheckResult]) -> str:
    """One line per model, then each problem or note indented under it."""
    lines = []
    for result in results:
        lines.append(f"{'ok  ' if result.ok else 'FAIL'} {result.model}: {display_path(result.file)}")
        lines += [f"     mismatch: {problem}" for problem in result.problems]
        lines += [f"     note: {note}" for note in result.notes]
    failed = [r.model for r in results if not r.ok]
    lines.append(
        f"{len(failed)} of {len(results)} models do not match their manifests: {', '.join(failed)}"
        if failed
        else f"all {len(results)} models match their manifests"
    )
    return "\n".join(lines)


def _fit(args: argparse.Namespace, where: Locations) -> int:
    from coach.config import Settings
    from coach.knowledge.embeddings import SentenceTransformerEmbedder

    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    fit_models(selected(args.only), embedder, where, seed=args.seed)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; the exit status (1 when a check finds a mismatch or a model cannot be recorded)."""
    args = build_parser().parse_args(argv)
    where = Locations(out_dir=args.out, datasets_dir=args.datasets)
    specs = selected(args.only)
    if args.command == "manifest" or args.record_only:
        try:
            record_manifests(specs, where)
        except FileNotFoundError as exc:
            sys.stderr.write(f"{exc}\n")
            return 1
        return 0
    if args.check:
        results = check_models(specs, where)
        sys.stdout.write(report(results) + "\n")
        return 0 if all(r.ok for r in results) else 1
    return _fit(args, where)
