"""Section phrasings: parsed with clear errors, matched to the packaged guides only, ranked by closeness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.errors import ConfigurationError
from coach.knowledge.phrasings import Phrasing, PhrasingIndex, load_phrasings
from coach.knowledge.store import StoredChunk
from coach.runtime import Runtime
from tests.programs_fixtures import WordEmbedder


def chunk(cid: str, source: str, heading: str, root: str = "knowledge") -> StoredChunk:
    return StoredChunk(cid, "text", {"source": source, "heading": heading, "root": root, "audience": "all"})


CHUNKS = [
    chunk("c1", "knowledge/guides/ongoing-sessions.md", "When sessions keep getting cancelled or moved"),
    chunk("c2", "knowledge/guides/ongoing-sessions.md", "Main topic (20 minutes)"),
    chunk("c3", "uploads/ongoing-sessions.md", "When sessions keep getting cancelled or moved", root="uploads"),
]
PHRASINGS = [
    Phrasing("ongoing-sessions.md", "When sessions keep getting cancelled or moved", "my exec keeps bailing on me"),
    Phrasing("ongoing-sessions.md", "Main topic (20 minutes)", "what should we actually talk about"),
]


def test_sections_rank_by_their_closest_phrasing_and_user_documents_get_none(tmp_path: Path) -> None:
    embedder = WordEmbedder()
    index = PhrasingIndex(PHRASINGS, root="knowledge", cache_dir=tmp_path)
    query = embedder.embed(["exec keeps bailing"])[0]
    ranked = index.search(query, CHUNKS, embedder, n=5)
    assert [c.id for c, _ in ranked] == ["c1", "c2"]  # c3 is a user's document with the same name
    assert ranked[0][1] > ranked[1][1]
    assert list(tmp_path.glob("phrasings-*.npy")), "vectors are cached on disk"


def test_filters_and_the_cap_apply(tmp_path: Path) -> None:
    embedder = WordEmbedder()
    index = PhrasingIndex(PHRASINGS, root="knowledge")
    query = embedder.embed(["what should we talk about"])[0]
    assert [c.id for c, _ in index.search(query, CHUNKS, embedder, n=1)] == ["c2"]
    none = index.search(query, CHUNKS, embedder, n=5, accepts=lambda m: m.get("audience") == "mentor")
    assert none == []


def test_cached_vectors_are_reused_without_embedding(tmp_path: Path) -> None:
    class Counting(WordEmbedder):
        name = "counting"
        calls = 0

        def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return super().embed(texts)

    first = PhrasingIndex(PHRASINGS, root="knowledge", cache_dir=tmp_path)
    vectors = first.vectors(Counting())
    again = PhrasingIndex(PHRASINGS, root="knowledge", cache_dir=tmp_path).vectors(Counting())
    assert Counting.calls == 1
    np.testing.assert_allclose(vectors, again)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("guide: [unclosed", "not valid YAML"),
        ("sections: {}", "needs a 'guide'"),
        ("guide: a.md\nsections: [1]", "'sections' must map"),
        ("guide: a.md\nsections:\n  Heading: ['', 'ok']", "section 'Heading'"),
    ],
)
def test_malformed_files_are_refused_with_the_file_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "phrasings").mkdir()
    (tmp_path / "phrasings" / "bad.yaml").write_text(text)
    with pytest.raises(ConfigurationError, match=message) as info:
        load_phrasings(tmp_path)
    assert "bad.yaml" in str(info.value)


def test_no_folder_means_no_phrasings(tmp_path: Path) -> None:
    assert load_phrasings(tmp_path) == []


@pytest.mark.integration
def test_every_packaged_phrasing_names_a_real_guide_section(indexed_runtime: Runtime) -> None:
    """A heading renamed in a guide must be renamed in its phrasings file too."""
    phrasings = load_phrasings(indexed_runtime.settings.knowledge_dir)
    assert len(phrasings) >= 600
    headings: dict[str, set[str]] = {}
    for stored in indexed_runtime.store.iter_chunks(include_text=False):
        name = Path(str(stored.metadata["source"])).name
        headings.setdefault(name, set()).add(str(stored.metadata.get("heading", "")))
    missing = {(p.guide, p.heading) for p in phrasings if p.heading not in headings.get(p.guide, set())}
    assert not missing, sorted(missing)[:10]
    assert len({p.guide for p in phrasings}) == len(headings)  # every packaged guide has phrasings


def test_an_index_without_the_packaged_guides_finds_nothing() -> None:
    """A store holding only a user's documents (or nothing yet): no phrasing matches, no error."""
    embedder = WordEmbedder()
    index = PhrasingIndex(PHRASINGS, root="knowledge")
    query = embedder.embed(["exec keeps bailing"])[0]
    assert index.search(query, [], embedder, n=5) == []
    assert index.search(query, CHUNKS[2:], embedder, n=0) == []
