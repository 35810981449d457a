"""Open action items read from a previous session's notes."""

from __future__ import annotations

import re

from coach.flows.agenda.schema import MAX_ACTION_CHARS, MAX_NOTES_CHARS, clean_text

_LIST_PREFIX = r"^\s*(?:[-*+•]|\d+[.)])?\s*"
_CHECKBOX = re.compile(_LIST_PREFIX + r"\[(?P<mark>[ xX✓✔]?)\]\s*(?P<text>.+)$")
_UNICODE_BOX = re.compile(_LIST_PREFIX + r"(?P<mark>[☐☑☒✅])\s*(?P<text>.+)$")
_LABEL = re.compile(_LIST_PREFIX + r"(?:(?i:to-?do|action items?|actions?)|AI)\s*[:：]\s*(?P<text>.+)$")
_DONE = re.compile(r"^(?:done\b|~~)|(?:\((?:done|completed)\)|\[done\]|~~|✓|✔|✅)\s*$", re.IGNORECASE)


def extract_open_actions(notes: str) -> list[str]:
    """Open action items found in session notes, in order, without duplicates.

    Recognised: unchecked boxes (``- [ ] ...``, ``☐ ...``) and lines starting with
    ``TODO:``, ``Action:``, ``Action item:`` or ``AI:``. Checked boxes (``- [x] ...``)
    and items marked done (``(done)``, struck through) are finished and left out.
    """
    found: list[str] = []
    seen: set[str] = set()
    for line in notes[:MAX_NOTES_CHARS].splitlines():
        text: str | None = None
        if match := _CHECKBOX.match(line):
            text = match["text"] if match["mark"] in ("", " ") else None
        elif match := _UNICODE_BOX.match(line):
            text = match["text"] if match["mark"] == "☐" else None
        elif match := _LABEL.match(line):
            text = match["text"]
        if text is None:
            continue
        text = clean_text(text.strip(), MAX_ACTION_CHARS)
        if not text or _DONE.search(text):
            continue
        key = text.casefold().rstrip(".")
        if key not in seen:
            seen.add(key)
            found.append(text)
    return found
