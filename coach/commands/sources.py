"""How the CLI names a cited passage: its document's title and section, never its chunk id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def section_label(title: str, heading: str) -> str:
    """``Title › Section`` (the last heading of the section's path), or the title alone."""
    section = heading.split(" > ")[-1].strip() if heading else ""
    return f"{title} › {section}" if section and section != title else title or "untitled"


def labels_for(store: Any, ids: Sequence[str]) -> dict[str, str]:
    """Readable labels for chunk ids, looked up in the vector store; unknown ids keep a short form."""
    chunks = store.get(list(dict.fromkeys(ids)))
    found = {c.id: section_label(str(c.metadata.get("title", "")), str(c.metadata.get("heading", ""))) for c in chunks}
    return {i: found.get(i, f"passage {i[:8]}") for i in ids}
