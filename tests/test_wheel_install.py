"""A regular (not editable) install works from any folder: the data ships inside the package.

The project is installed with ``pip install --no-deps`` into a fresh virtual environment whose
dependencies come from the shared environment through a ``.pth`` line (nothing is
downloaded, and the shared environment is never written to). Then ``coach ingest`` and
``coach eval`` run from a folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT

SOURCES = ("coach", "pyproject.toml", "README.md")


def _copy_sources(target: Path) -> Path:
    """The files a build needs, copied so that the build leaves nothing in the checkout."""
    target.mkdir()
    for name in SOURCES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / name)
    return target


def _clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything that would put the checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
@pytest.mark.integration
def test_installed_package_ingests_and_evaluates_from_another_folder(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    new_site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, _clean_env()
        ).stdout.strip()
    )
    shared_site = Path(sysconfig.get_paths()["purelib"]).resolve()
    # A plain path line: the shared packages (and pip) resolve, but the shared environment's own
    # .pth files (the editable finder of the main checkout) are not processed.
    (new_site / "shared-dependencies.pth").write_text(f"{shared_site}\n", encoding="utf-8")

    source = _copy_sources(tmp_path / "source")
    env = _clean_env()
    _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q", str(source)],
        tmp_path,
        env,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    located = _run(
        [str(python), "-c", "import coach, coach.resources as r; print(coach.__file__); print(r.knowledge_dir())"],
        elsewhere,
        env,
    ).stdout.split()
    assert Path(located[0]).is_relative_to(venv), located
    assert Path(located[1]).is_relative_to(venv) and (Path(located[1]) / "guides").is_dir()

    coach = str(venv / "bin" / "coach")
    run_env = _clean_env(
        COACH_DATA_DIR=str(tmp_path / "data"),
        COACH_LLM_PROVIDER="fake",
        COACH_EVAL_DATASETS_DIR=str(PROJECT_ROOT / "eval" / "datasets"),
    )
    ingest = _run([coach, "ingest", "--json"], elsewhere, run_env)
    summary = json.loads(ingest.stdout)
    assert summary["files_read"] >= 30 and summary["chunks_added"] > 0 and not summary["failures"], summary

    out = tmp_path / "report"
    _run([coach, "eval", "--suite", "retrieval", "--out", str(out)], elsewhere, run_env)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    keys = {m["key"] for m in report["metrics"]}
    assert {"retrieval.hit_at_5", "retrieval.mrr"} <= keys and report["ok"]
    assert not (PROJECT_ROOT / "build").exists()
