"""What every eval suite receives: the runtime, the datasets, the split and the model."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from coach.errors import ConfigurationError
from coach.evaluation.calibration import load_jsonl

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.runtime import Runtime

T = TypeVar("T")


@dataclass
class EvalContext:
    """Shared state for one eval run."""

    runtime: Runtime
    split: str = "test"
    datasets_dir: Path | None = None
    model: BaseChatModel | None = None
    latencies: dict[str, list[float]] = field(default_factory=dict)

    @property
    def datasets(self) -> Path:
        """The folder of ``*.jsonl`` datasets (``settings.eval_datasets_dir`` unless given)."""
        folder = self.datasets_dir or self.runtime.settings.eval_datasets_dir
        if not folder.is_dir():
            raise ConfigurationError(
                f"No eval datasets at {folder}.", hint="Set COACH_EVAL_DATASETS_DIR to the repository's eval/datasets."
            )
        return folder

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A dataset's rows for this run's split (``name`` without ``.jsonl``)."""
        rows: list[dict[str, Any]] = []
        for path in sorted(self.datasets.glob(f"{name}*.jsonl")):
            rows += load_jsonl(path, self.split)
        return rows

    def timed(self, flow: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` and record its wall-clock time under ``flow``."""
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.latencies.setdefault(flow, []).append(time.perf_counter() - start)
