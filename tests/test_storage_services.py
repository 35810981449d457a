"""Upload handling: safe generated names, type and size checks; attempt score reduction."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError
from coach.services import attempt_scores, safe_upload_name, save_upload

EDITOR = Actor(account_id=1, email="cora@example.org", display_name="Cora", role=Role.COORDINATOR)


@pytest.mark.parametrize(
    ("name", "suffix", "error"),
    [
        ("notes.md", ".md", None),
        ("../../etc/passwd.txt", ".txt", None),
        ("C:\\Users\\me\\Guide Final (2).DOCX", ".docx", None),
        ("/abs/path/page.htm", ".html", None),
        ("report.pdf", ".pdf", None),
        ("script.py", None, "not a supported file type"),
        ("archive.tar.gz", None, "not a supported file type"),
        ("noextension", None, "not a supported file type"),
    ],
)
def test_safe_upload_name(name: str, suffix: str | None, error: str | None) -> None:
    if error:
        with pytest.raises(InputError, match=error):
            safe_upload_name(name)
        return
    generated = safe_upload_name(name)
    assert generated.endswith(suffix or "")
    assert "/" not in generated and "\\" not in generated and ".." not in generated
    assert generated == generated.lower()
    assert safe_upload_name(name) != generated  # random prefix: uploads never overwrite each other


def test_save_upload_writes_inside_uploads_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", llm_provider="fake")
    saved = save_upload("../../escape.md", b"# Title\n\nText.", settings, actor=EDITOR)
    assert saved.path.parent == settings.uploads_dir
    assert saved.path.read_bytes() == b"# Title\n\nText."
    assert saved.source == f"uploads/{saved.path.name}"
    assert not (tmp_path / "escape.md").exists()


@pytest.mark.parametrize(("data", "error"), [(b"", "is empty"), (b"x" * 2048, "over the 1,024-byte limit")])
def test_save_upload_rejects_empty_and_oversized(tmp_path: Path, data: bytes, error: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_upload_bytes=1024)
    with pytest.raises(InputError, match=error):
        save_upload("doc.txt", data, settings, actor=EDITOR)
    assert not settings.uploads_dir.exists() or not any(settings.uploads_dir.iterdir())


def test_attempt_scores_average_turns() -> None:
    from coach.flows.feedback.scoring import score_feedback

    class Turn:
        def __init__(self, text: str) -> None:
            self.score = score_feedback(text)

        def model_dump(self, mode: str = "json") -> dict[str, str]:
            return {"user": "x"}

    turns = [Turn("You interrupt me."), Turn("In Monday's meeting you cut me off twice; please let me finish.")]
    dumped, criteria, overall = attempt_scores(turns)
    assert len(dumped) == 2
    assert set(criteria) == {"situation", "behavior", "impact", "request", "respect"}
    assert overall == round((turns[0].score.overall + turns[1].score.overall) / 2, 1)
    assert attempt_scores([]) == ([], {}, None)
