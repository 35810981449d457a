"""What the repository's history says about a file that existed before its manifest.

Used only when recording a manifest for a fitted file that is not refitted: the commit that
last changed the file's content, and which of its inputs changed after that commit. Without
git (an installed package) there is nothing to say and the record omits it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from coach.config import PROJECT_ROOT


def _git(*args: str) -> str | None:
    """Standard output of ``git args`` in the project folder, or None when git cannot answer."""
    try:
        done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _relative(path: Path) -> str | None:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return None


def _changed_since(commit: str, path: str) -> bool:
    """True when ``path``'s content changed in a commit after ``commit`` or has uncommitted changes."""
    later = _git("log", "--follow", "--diff-filter=AM", "--format=%H", f"{commit}..HEAD", "--", path)
    return bool(later) or bool(_git("status", "--porcelain", "--", path))


def git_history(output: Path, input_paths: list[Path]) -> dict[str, Any] | None:
    """The commit that last changed ``output``'s content (renames aside) and the inputs changed since.

    None when ``output`` is outside the repository or git has no history for it.
    """
    relative = _relative(output)
    if relative is None:
        return None
    line = _git("log", "-1", "--follow", "--diff-filter=AM", "--format=%H %cI", "--", relative)
    if not line:
        return None
    commit, date = line.split(" ", 1)
    inputs = [p for p in (_relative(path) for path in input_paths) if p is not None]
    return {
        "output_last_changed_in_commit": commit,
        "commit_date": date,
        "output_changed_since_commit": bool(_git("status", "--porcelain", "--", relative)),
        "inputs_changed_since_commit": [p for p in inputs if _changed_since(commit, p)],
    }
