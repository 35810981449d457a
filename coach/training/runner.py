"""Fitting, recording and checking the models of ``coach.training.registry``, each with its manifest.

``fit_models`` refits and writes each file and its manifest; ``record_manifests`` writes
manifests for files that already exist, leaving them byte for byte as they are;
``check_models`` compares every manifest with the files and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach import resources
from coach.training.common import DEFAULT_DATASETS_DIR, SEED, Log, dataset_files, log_to_stderr
from coach.training.manifest import (
    CheckResult,
    InputFile,
    build_manifest,
    code_hash,
    input_file,
    library_versions,
    verify,
    write_manifest,
)
from coach.training.probe import feature_digest
from coach.training.provenance import git_history
from coach.training.registry import ModelSpec

if TYPE_CHECKING:
    from coach.ports import LayerEmbedder
    from coach.training.feedback import FeedbackData

RECORDED_NOTE = (
    "Recorded for a fitted file that already existed; the file was not refitted. The input, code and version "
    "entries describe the project when the manifest was recorded, not necessarily the run that produced the "
    "file, and a refit with this code is not guaranteed to reproduce it byte for byte. 'git' names the commit "
    "that last changed the file and the inputs changed after it."
)


@dataclass(frozen=True)
class Locations:
    """Where fitted files are written and checked, where the dev datasets are, and the packaged data the fits read."""

    out_dir: Path = field(default_factory=resources.knowledge_data_dir)
    datasets_dir: Path = DEFAULT_DATASETS_DIR
    reference_dir: Path = field(default_factory=resources.knowledge_data_dir)


def _inputs(spec: ModelSpec, where: Locations) -> list[InputFile]:
    """Every input of ``spec``, hashed now (datasets first, in the order the fit reads them)."""
    paths = spec.inputs(where.datasets_dir, where.reference_dir)
    return [input_file(key.split(":", 1)[0], path) for key, path in paths.items()]


def _manifest_for(spec: ModelSpec, where: Locations, seed: int, origin: dict[str, Any]) -> Path:
    """Write the manifest of ``spec``'s file in ``where.out_dir`` and return its path."""
    output = spec.output(where.out_dir)
    manifest = build_manifest(
        spec.name,
        output,
        _inputs(spec, where),
        code_hash(spec.code_modules),
        library_versions(spec.libraries),
        seed,
        origin,
        feature_digest(spec.name),
    )
    return write_manifest(output, manifest)


def record_manifests(specs: list[ModelSpec], where: Locations, log: Log = log_to_stderr) -> list[Path]:
    """Manifests for fitted files that already exist, which are left untouched.

    Raises:
        FileNotFoundError: a named model has no fitted file to describe.
    """
    written = []
    for spec in specs:
        output = spec.output(where.out_dir)
        if not output.exists():
            raise FileNotFoundError(f"{output} does not exist; fit it first")
        paths = list(spec.inputs(where.datasets_dir, where.reference_dir).values())
        origin = {"kind": "recorded", "note": RECORDED_NOTE, "git": git_history(output, paths)}
        written.append(_manifest_for(spec, where, SEED, origin))
        log(f"{spec.name}: recorded {written[-1]}")
    return written


def check_models(specs: list[ModelSpec], where: Locations) -> list[CheckResult]:
    """Each model's manifest compared with its file and inputs; nothing is written."""
    return [
        verify(
            spec.name,
            spec.output(where.out_dir),
            spec.inputs(where.datasets_dir, where.reference_dir),
            code_hash(spec.code_modules),
            feature_digest(spec.name),
        )
        for spec in specs
    ]


def _write_json(path: Path, mapping: dict[str, Any], compact: bool) -> None:
    text = json.dumps(mapping, separators=(",", ":")) if compact else json.dumps(mapping, indent=1)
    path.write_text(text + "\n", encoding="utf-8")


def _written_into_reference(where: Locations) -> None:
    """A fitted file was written where the features read their packaged data: reread it from now on."""
    from coach.data import forget_loaded

    if where.out_dir.resolve() == where.reference_dir.resolve():
        forget_loaded()


@dataclass
class FitRun:
    """One ``fit_models`` call: the embedder, where files go, the seed and what the feedback fit left."""

    embedder: LayerEmbedder
    where: Locations
    seed: int
    log: Log
    feedback_data: FeedbackData | None = None
    feedback_settings: dict[str, Any] | None = None

    def origin(self) -> dict[str, Any]:
        return {"kind": "fitted", "embedding_model": getattr(self.embedder, "name", "embedder")}


def _fit_stereotypes(run: FitRun, spec: ModelSpec) -> None:
    from coach.training.stereotypes import KEYWORD_STEREOTYPE_FILES, fit_stereotype_models

    files = dataset_files(run.where.datasets_dir, spec.datasets)
    keyword_files = dataset_files(run.where.datasets_dir, KEYWORD_STEREOTYPE_FILES)
    weights = fit_stereotype_models(run.embedder, files, keyword_files, run.seed, run.log)
    _write_json(spec.output(run.where.out_dir), weights, compact=False)


def _feedback_rows(run: FitRun, spec: ModelSpec) -> FeedbackData:
    """The feedback dev rows' features, computed once for the regressions and the adapter."""
    from coach.training.common import dev_rows
    from coach.training.feedback import feedback_data

    if run.feedback_data is None:
        rows, _ = dev_rows(dataset_files(run.where.datasets_dir, spec.datasets))
        run.feedback_data = feedback_data(rows, run.embedder)
    return run.feedback_data


def _fit_feedback(run: FitRun, spec: ModelSpec) -> None:
    from coach.training.common import display_path
    from coach.training.feedback import fit_feedback

    sources = [display_path(p) for p in dataset_files(run.where.datasets_dir, spec.datasets)]
    weights = fit_feedback(_feedback_rows(run, spec), sources, run.origin()["embedding_model"], run.seed, run.log)
    run.feedback_settings = weights["criteria"]
    _write_json(spec.output(run.where.out_dir), weights, compact=True)


def _fit_adapter(run: FitRun, spec: ModelSpec) -> None:
    from coach.flows.feedback.scoring import load_weights
    from coach.training.adapter import cross_validate, fit_adapter
    from coach.training.feedback import regression_probabilities

    model_path = getattr(run.embedder, "model_path", None)
    if model_path is None:
        raise ValueError("the adapter needs a local embedding model (an embedder with model_path)")
    settings = run.feedback_settings
    if settings is None:
        weights = load_weights(run.where.reference_dir / "feedback_weights.json")
        if weights is None:
            raise FileNotFoundError(
                "the adapter's cross-validation needs fitted feedback weights; fit 'feedback' first"
            )
        settings = weights["criteria"]
    data = _feedback_rows(run, spec)
    name = run.origin()["embedding_model"]
    cv = cross_validate(model_path, data, name, regression_probabilities(data, settings), run.log, run.seed)
    fit_adapter(model_path, data, name, spec.output(run.where.out_dir), cv, run.log, run.seed)


_FITTERS = {"stereotypes": _fit_stereotypes, "feedback": _fit_feedback, "adapter": _fit_adapter}


def fit_models(
    specs: list[ModelSpec],
    embedder: LayerEmbedder,
    where: Locations | None = None,
    seed: int = SEED,
    log: Log = log_to_stderr,
) -> list[Path]:
    """Fit each model on the dev rows (in registry order), write its file and manifest; the manifests' paths."""
    where = where or Locations()
    where.out_dir.mkdir(parents=True, exist_ok=True)
    run = FitRun(embedder, where, seed, log)
    written = []
    for number, spec in enumerate(specs, start=1):
        log(f"[{number}/{len(specs)}] {spec.name}: {spec.summary}")
        _FITTERS[spec.name](run, spec)
        _written_into_reference(where)
        written.append(_manifest_for(spec, where, seed, run.origin()))
        log(f"{spec.name}: wrote {spec.output(where.out_dir)} and its manifest")
    return written
