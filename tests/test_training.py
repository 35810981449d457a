"""Fitting the scorer models: manifests beside every fitted file, checked against the files."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coach import resources
from coach.config import PROJECT_ROOT
from coach.evaluation.calibration import CRITERIA, load_jsonl
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.training.cli import main
from coach.training.manifest import manifest_path
from coach.training.registry import MODEL_NAMES, MODELS, model_spec, selected
from coach.training.runner import Locations, check_models, fit_models, record_manifests

SHIPPED = resources.knowledge_data_dir()
DATASETS = PROJECT_ROOT / "eval" / "datasets"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def copies(tmp_path: Path) -> Locations:
    """The shipped fitted files with their manifests, and the datasets, copied to ``tmp_path``."""
    out_dir, datasets_dir = tmp_path / "data", tmp_path / "datasets"
    out_dir.mkdir()
    for spec in MODELS:
        for path in (spec.output(SHIPPED), manifest_path(spec.output(SHIPPED))):
            shutil.copy2(path, out_dir / path.name)
    shutil.copytree(DATASETS, datasets_dir)
    return Locations(out_dir=out_dir, datasets_dir=datasets_dir)


def _check(where: Locations, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["fit", "--check", "--out", str(where.out_dir), "--datasets", str(where.datasets_dir)])
    return status, capsys.readouterr().out


def test_every_shipped_fitted_file_has_a_manifest_that_matches_it() -> None:
    for spec in MODELS:
        output = spec.output(SHIPPED)
        manifest = json.loads(manifest_path(output).read_text(encoding="utf-8"))
        assert manifest["file"] == output.name
        assert manifest["sha256"] == _sha256(output)
        assert {"numpy", "scikit-learn", "python"} <= set(manifest["versions"])
        assert manifest["seed"] == 0 and manifest["date"] and manifest["code"]["sha256"]
        datasets = [i for i in manifest["inputs"] if i["role"] == "dataset"]
        assert datasets, f"{spec.name} records no dataset"
        for item in manifest["inputs"]:
            assert item["sha256"] == _sha256(PROJECT_ROOT / item["path"])


def test_check_passes_on_the_shipped_files() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "coach.training", "fit", "--check"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"all {len(MODELS)} models match their manifests" in done.stdout


def test_recording_writes_correct_hashes_and_leaves_the_file_as_it_was(copies: Locations) -> None:
    for spec in MODELS:
        manifest_path(spec.output(copies.out_dir)).unlink()
    before = {spec.name: _sha256(spec.output(copies.out_dir)) for spec in MODELS}
    record_manifests(list(MODELS), copies, log=lambda _line: None)
    for spec in MODELS:
        output = spec.output(copies.out_dir)
        assert _sha256(output) == before[spec.name], "recording rewrote the fitted file"
        manifest = json.loads(manifest_path(output).read_text(encoding="utf-8"))
        assert manifest["sha256"] == before[spec.name]
        assert manifest["origin"]["kind"] == "recorded"
        recorded = {i["name"]: i["sha256"] for i in manifest["inputs"] if i["role"] == "dataset"}
        expected = {n: _sha256(copies.datasets_dir / n) for n in spec.datasets if (copies.datasets_dir / n).exists()}
        assert recorded == expected
    assert all(result.ok for result in check_models(list(MODELS), copies))


def test_check_fails_when_a_fitted_file_is_altered(copies: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(copies, capsys)[0] == 0
    weights = model_spec("stereotypes").output(copies.out_dir)
    weights.write_text(weights.read_text(encoding="utf-8").replace('"C": 0.', '"C": 1.', 1), encoding="utf-8")
    status, out = _check(copies, capsys)
    assert status == 1
    assert "FAIL stereotypes" in out
    assert "mismatch: stereotype_weights.json changed" in out
    assert "ok   feedback" in out
    assert "1 of 3 models do not match their manifests: stereotypes" in out


def test_check_fails_when_an_input_is_altered(copies: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = copies.datasets_dir / "feedback_utterances_extra.jsonl"
    lines = dataset.read_text(encoding="utf-8").splitlines(keepends=True)
    dataset.write_text("".join(lines[:-1]), encoding="utf-8")
    status, out = _check(copies, capsys)
    assert status == 1
    assert "FAIL feedback" in out and "FAIL adapter" in out and "ok   stereotypes" in out
    assert "feedback_utterances_extra.jsonl changed" in out


def test_check_fails_when_a_rule_change_alters_the_hand_features(
    copies: Locations, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new generalising word in the taxonomy changes the detector's inputs: without a refit
    the stereotype model (and the feedback models, which read its flags) no longer match."""
    from coach.flows.stereotypes import features

    taxonomy = features.load_taxonomy()
    changed = {**taxonomy, "generalisers": [*taxonomy["generalisers"], "already"]}
    assert _check(copies, capsys)[0] == 0
    monkeypatch.setattr(features, "load_taxonomy", lambda *args, **kwargs: changed)
    status, out = _check(copies, capsys)
    assert status == 1
    assert "FAIL stereotypes" in out
    assert "hand features on the probe set changed since the fit" in out
    assert "make fit ONLY=stereotypes" in out


def test_the_feature_digest_follows_the_rules_not_the_run() -> None:
    from coach.training.probe import feature_digest

    assert feature_digest("stereotypes") == feature_digest("stereotypes")
    assert feature_digest("feedback") == feature_digest("adapter")
    assert feature_digest("feedback") != feature_digest("stereotypes")
    recorded = json.loads(manifest_path(model_spec("feedback").output(SHIPPED)).read_text(encoding="utf-8"))
    assert recorded["features"]["probe_sha256"] == feature_digest("feedback")


def test_check_fails_without_a_manifest_or_with_a_new_input(
    copies: Locations, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest_path(model_spec("adapter").output(copies.out_dir)).unlink()
    (copies.datasets_dir / "stereotype_statements_extra.jsonl").rename(copies.datasets_dir / "moved.jsonl")
    status, out = _check(copies, capsys)
    assert status == 1
    assert "mismatch: no manifest at" in out
    assert "input eval/datasets/stereotype_statements_extra.jsonl is missing" in out
    shutil.copy2(copies.datasets_dir / "moved.jsonl", copies.datasets_dir / "stereotype_statements_extra.jsonl")
    copies.datasets_dir.joinpath("user_voice_stereotypes.jsonl").unlink()
    results = {r.model: r for r in check_models(selected(["stereotypes"]), copies)}
    assert any("user_voice_stereotypes.jsonl is missing" in p for p in results["stereotypes"].problems)


def test_models_are_selected_in_fitting_order() -> None:
    assert [m.name for m in selected(["adapter", "stereotypes"])] == ["stereotypes", "adapter"]
    assert [m.name for m in selected(None)] == list(MODEL_NAMES)
    with pytest.raises(KeyError, match="unknown model"):
        model_spec("matching")


def test_feedback_regressions_fit_on_synthetic_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("joblib")
    from coach.training import feedback
    from coach.training.feedback import FeedbackData, fit_feedback

    monkeypatch.setattr(feedback, "FEEDBACK_C_GRID", (0.1,))  # three settings instead of 28, for speed
    monkeypatch.setattr(feedback, "FEEDBACK_EMBEDDING_WEIGHT_GRID", (0.0, 10.0))

    rng = np.random.default_rng(3)
    n = 30
    labels = {c: rng.permutation(np.arange(n) % 3) for c in CRITERIA}
    hand = rng.normal(size=(n, 5)) + labels["situation"][:, None]
    layers = {layer: rng.normal(size=(n, 8)) for layer in (4, 6)}
    data = FeedbackData([{"text": str(i)} for i in range(n)], hand, layers, dict(labels), labels)
    first = fit_feedback(data, ["synthetic.jsonl"], "test-model", seed=0, log=lambda _line: None)
    again = fit_feedback(data, ["synthetic.jsonl"], "test-model", seed=0, log=lambda _line: None)
    assert first == again
    situation = first["criteria"]["situation"]
    assert situation["classes"] == [0, 1, 2] and len(situation["coef"]) == 3
    assert (situation["C"], situation["embedding_weight"]) in {(0.1, 0.0), (0.1, 10.0)}
    assert situation["dev_cv"]["accuracy"] > 0.6, "the label is in the hand features"
    assert first["cv"].endswith("seed 0") and first["n"] == n


def _tiny_stereotype_rows() -> list[dict[str, object]]:
    """24 dev statements: 6 each of two categories and 12 without a stereotype."""
    rows = load_jsonl(DATASETS / "stereotype_statements.jsonl", "dev")
    rows += load_jsonl(DATASETS / "stereotype_statements_extra.jsonl", "dev")
    picked = [r for r in rows if r.get("category") == "technology-proficiency" and r["label"]][:6]
    picked += [r for r in rows if r.get("category") == "work-ethic" and r["label"]][:6]
    picked += [r for r in rows if not r["label"]][:12]
    assert len(picked) == 24
    return picked


@pytest.mark.integration
def test_a_fit_on_a_tiny_dataset_writes_a_model_and_its_manifest_deterministically(
    embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sklearn")
    from coach.training import categories, stereotypes

    # One setting per grid keeps the test quick; the thresholds are still searched.
    monkeypatch.setattr(stereotypes, "C_GRID", (0.3,))
    monkeypatch.setattr(stereotypes, "EMBEDDING_WEIGHT_GRID", (5.0,))
    monkeypatch.setattr(categories, "CATEGORY_C_GRID", (1.0,))
    monkeypatch.setattr(categories, "CATEGORY_EMBEDDING_WEIGHT_GRID", (5.0,))
    datasets_dir = tmp_path / "datasets"
    datasets_dir.mkdir()
    dataset = datasets_dir / "stereotype_statements.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in _tiny_stereotype_rows()), encoding="utf-8")
    shipped = _sha256(model_spec("stereotypes").output(SHIPPED))
    outputs = []
    for name in ("first", "second"):
        where = Locations(out_dir=tmp_path / name, datasets_dir=datasets_dir)
        fit_models(selected(["stereotypes"]), embedder, where, seed=0, log=lambda _line: None)
        outputs.append(model_spec("stereotypes").output(where.out_dir))
        assert all(result.ok for result in check_models(selected(["stereotypes"]), where))
    assert _sha256(model_spec("stereotypes").output(SHIPPED)) == shipped, "the shipped weights were touched"
    assert outputs[0].read_bytes() == outputs[1].read_bytes(), "the same seed gave different weights"
    weights = json.loads(outputs[0].read_text(encoding="utf-8"))
    assert weights["n"] == 24 and weights["category"]["n"] == 12
    assert weights["category"]["classes"] == ["technology-proficiency", "work-ethic"]
    manifest = json.loads(manifest_path(outputs[0]).read_text(encoding="utf-8"))
    assert manifest["sha256"] == _sha256(outputs[0])
    assert manifest["origin"] == {"kind": "fitted", "embedding_model": embedder.name}
    assert [(i["path"], i["sha256"]) for i in manifest["inputs"] if i["role"] == "dataset"] == [
        (str(dataset.resolve()), _sha256(dataset))
    ]
