"""The composition root takes its pieces, and the data files are checked when it starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach import resources
from coach.config import Settings
from coach.data import reference_data
from coach.errors import ConfigurationError
from coach.llm.fake import FakeChatModel
from coach.runtime import Runtime


def test_pieces_handed_in_are_used_and_the_rest_are_built_from_settings(tmp_path: Path) -> None:
    given = FakeChatModel(responses=["given"])
    runtime = Runtime(Settings(data_dir=tmp_path, llm_provider="fake"), chat_model=given)
    assert runtime.chat_model is given
    other = Runtime(Settings(data_dir=tmp_path, llm_provider="fake"))
    assert isinstance(other.chat_model, FakeChatModel) and other.chat_model is not given


def test_override_swaps_a_piece_for_the_block_and_restores_it(tmp_path: Path) -> None:
    runtime = Runtime(Settings(data_dir=tmp_path, llm_provider="fake"))
    first = runtime.chat_model
    swapped = FakeChatModel(responses=["swapped"])
    with runtime.override(chat_model=swapped) as inside:
        assert inside is runtime and runtime.chat_model is swapped
    assert runtime.chat_model is first


def test_override_of_a_piece_never_built_leaves_it_unbuilt(tmp_path: Path) -> None:
    runtime = Runtime(Settings(data_dir=tmp_path, llm_provider="fake"))
    swapped = FakeChatModel(responses=["swapped"])
    with runtime.override(chat_model=swapped):
        assert runtime.chat_model is swapped
    rebuilt = runtime.chat_model
    assert rebuilt is not swapped and isinstance(rebuilt, FakeChatModel)


def test_each_data_file_is_parsed_once_per_folder() -> None:
    data = reference_data()
    assert data.directory == resources.knowledge_data_dir().resolve()
    assert data.rubric is reference_data().rubric
    assert data.agenda_blocks is reference_data(resources.knowledge_data_dir()).agenda_blocks


def test_shipped_data_passes_the_start_up_check() -> None:
    reference_data().check()


@pytest.mark.parametrize(
    ("name", "old", "new", "named"),
    [
        ("feedback_rubric.yaml", "\nlevels:", "\nlevel:", "levels"),
        ("stereotype_taxonomy.yaml", "generalisers:", "generalizers:", "generalisers"),
        ("matching_weights.yaml", "weights:", "weight:", "weights"),
        ("pair_health.yaml", "too_early_days:", "too_early_dayz:", "too_early_days"),
        ("skill_glossary.yaml", "terms:", "term:", "terms"),
    ],
)
def test_a_typo_in_a_data_file_fails_at_start_up_naming_file_and_field(
    tmp_path: Path, name: str, old: str, new: str, named: str
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(resources.knowledge_data_dir(), data_dir)
    path = data_dir / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        Runtime(Settings(data_dir=tmp_path / "state", knowledge_data_dir=data_dir, llm_provider="fake"))
    assert name in str(info.value) and named in str(info.value)


def test_the_data_folder_setting_points_the_runtime_elsewhere(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(resources.knowledge_data_dir(), data_dir)
    runtime = Runtime(Settings(data_dir=tmp_path / "state", knowledge_data_dir=data_dir, llm_provider="fake"))
    assert runtime.data.directory == data_dir.resolve()
    assert runtime.data.rubric == reference_data().rubric and runtime.data.rubric is not reference_data().rubric


def test_doctor_reports_a_broken_data_file_instead_of_stopping(tmp_path: Path) -> None:
    from coach.diagnostics import _check_data

    data_dir = tmp_path / "data"
    shutil.copytree(resources.knowledge_data_dir(), data_dir)
    assert _check_data(Settings(data_dir=tmp_path / "state", knowledge_data_dir=data_dir)).ok
    broken = tmp_path / "broken"
    shutil.copytree(resources.knowledge_data_dir(), broken)
    (broken / "personas.yaml").unlink()
    check = _check_data(Settings(data_dir=tmp_path / "state", knowledge_data_dir=broken))
    assert not check.ok and "personas.yaml" in check.detail
