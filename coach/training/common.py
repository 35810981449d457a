"""What every fit shares: the dev rows, seeded folds, standardisation and the logistic regression.

scikit-learn is imported inside the functions that need it (the ``fit`` extra).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from coach.config import PROJECT_ROOT
from coach.evaluation.calibration import load_jsonl

T = TypeVar("T")

#: Where the datasets live in a checkout of the repository (they are not shipped in the wheel).
DEFAULT_DATASETS_DIR = PROJECT_ROOT / "eval" / "datasets"
CV_FOLDS = 5
CV_REPEATS = 2
SEED = 0

Log = Callable[[str], None]


def log_to_stderr(line: str) -> None:
    """The default log: one line on standard error."""
    sys.stderr.write(line + "\n")


def display_path(path: Path) -> str:
    """``path`` relative to the project folder when it lies inside it (portable in manifests)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def dataset_files(datasets_dir: Path, names: Iterable[str]) -> list[Path]:
    """The files among ``names`` that exist in ``datasets_dir`` (the ``_extra`` companions are optional)."""
    return [datasets_dir / name for name in names if (datasets_dir / name).exists()]


def dev_rows(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """The dev rows of every file, and the files' display paths (as recorded in the weights)."""
    rows: list[dict[str, Any]] = []
    used: list[str] = []
    for path in paths:
        rows += load_jsonl(path, "dev")
        used.append(display_path(path))
    return rows, used


def folds(labels: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeated stratified k-fold splits of ``labels``, fixed by ``seed``."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    splitter = RepeatedStratifiedKFold(n_splits=CV_FOLDS, n_repeats=CV_REPEATS, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def cv_description(seed: int) -> str:
    """How the settings were chosen, as the weight files record it."""
    return f"{CV_REPEATS}x repeated stratified {CV_FOLDS}-fold, seed {seed}"


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales (a constant column gets scale 1)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def model_inputs(hand: np.ndarray, emb: np.ndarray, mean: np.ndarray, scale: np.ndarray, weight: float) -> np.ndarray:
    """Standardised hand features beside the embedding scaled by ``weight``."""
    return np.hstack([(hand - mean) / scale, weight * emb])


def logistic_regression(c: float) -> Any:
    """An L2-regularised logistic regression with inverse strength ``c``."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000)


def rounded(values: Any) -> Any:
    """Values rounded to 6 places as nested lists (a compact, stable JSON file)."""
    array = np.asarray(values, dtype=np.float64)
    return np.round(array, 6).tolist()


def progress(items: Iterable[T], total: int, description: str) -> Iterator[T]:
    """``items``, counting ``description i/total`` and the elapsed time on standard error as they go."""
    started = time.monotonic()
    for done, item in enumerate(items, start=1):
        yield item
        elapsed = time.monotonic() - started
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r  {description}: {done}/{total} ({elapsed:.0f} s){end}")
        sys.stderr.flush()
