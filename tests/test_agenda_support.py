"""A small recording fake retriever shared by the agenda and question-prep tests."""

from __future__ import annotations

import hashlib
import re

from coach import resources
from coach.schemas import Passage

KNOWLEDGE_ROOT = resources.knowledge_dir()

GUIDES = sorted(p.name for p in (KNOWLEDGE_ROOT / "guides").glob("*.md"))
_WORD = re.compile(r"\w+")


def _passage(guide: str, part: int) -> Passage:
    words = guide.removesuffix(".md").replace("-", " ")
    digest = hashlib.sha256(f"{guide}#{part}".encode()).hexdigest()[:24]
    return Passage(
        id=digest,
        source=f"knowledge/guides/{guide}",
        title=words.capitalize(),
        heading=f"Part {part}",
        text=f"Guidance about {words}, part {part}. Practical advice for mentors and mentees on {words}.",
    )


class FakeRetriever:
    """Ranks one or two passages per guide by word overlap and records every id it returned."""

    def __init__(self, guides: list[str] | None = None, empty: bool = False) -> None:
        chosen = GUIDES if guides is None else guides
        self.passages = [] if empty else [_passage(g, part) for g in chosen for part in (1, 2)]
        self.returned: set[str] = set()
        self.queries: list[str] = []
        self.log: list[tuple[str, list[Passage]]] = []

    def retrieve(self, query: str, k: int | None = None) -> list[Passage]:
        """Top ``k`` passages by shared words (ties by id), like a lexical retriever."""
        self.queries.append(query)
        have = {w.lower() for w in _WORD.findall(query)}
        ranked = sorted(self.passages, key=lambda p: (-len(have & {w.lower() for w in _WORD.findall(p.text)}), p.id))[
            : k or 5
        ]
        self.returned.update(p.id for p in ranked)
        self.log.append((query, ranked))
        return ranked


def test_fake_retriever_records_what_it_returns() -> None:
    retriever = FakeRetriever()
    found = retriever.retrieve("confidentiality in the first session", k=3)
    assert len(found) == 3
    assert {p.id for p in found} <= retriever.returned
    assert found[0].source.endswith(("confidentiality.md", "first-session.md"))
