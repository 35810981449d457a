"""Ingestion and retrieval benchmark, printed as ratios against baselines run alongside.

1. First ingest of knowledge/ plus a generated corpus (>= 5,000 chunks) with the default
   ONNX Runtime embeddings, compared with the same ingest on the PyTorch backend
   (``COACH_EMBEDDING_BACKEND=torch``), with (a) raw ``SentenceTransformer.encode`` +
   Chroma ``add`` on the same chunk texts and (b) LangChain's ``Chroma.from_documents``
   with ``HuggingFaceEmbeddings``. Targets: the ONNX ingest at least 1.6 x faster than
   the PyTorch ingest and than (b); the PyTorch ingest <= 1.15 x (a).
2. Re-ingest with nothing changed: target >= 50 x faster than the first ingest.
3. Hybrid retrieval latency p50/p95 at 10,000 and 100,000 chunks, with and without the
   query embedding. Target: p95 < 50 ms without the embedding at 100,000 chunks.

Usage: python bench/ingest.py [--generated-chunks 5000] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import percentile, save, table, timed  # noqa: E402
from coach.config import Settings  # noqa: E402
from coach.knowledge.chunking import chunk_document  # noqa: E402
from coach.knowledge.embeddings import SentenceTransformerEmbedder  # noqa: E402
from coach.knowledge.ingest import IngestSummary, collect_targets, ingest_paths  # noqa: E402
from coach.knowledge.readers import read_document  # noqa: E402
from coach.knowledge.retrieval import HybridRetriever  # noqa: E402
from coach.knowledge.store import VectorStore  # noqa: E402
from coach.runtime import Runtime  # noqa: E402

QUERIES = [
    "how do I give feedback to a senior leader",
    "what should a first session cover",
    "keeping the conversation confidential",
    "older colleagues and technology stereotypes",
    "how to measure whether the program works",
    "running sessions over video",
    "what if my mentee gets defensive",
    "matching mentors with mentees",
]


def make_corpus(knowledge: Path, target: Path, chunks_wanted: int, seed: int = 7) -> None:
    """Write generated Markdown documents, ten sections each, from shuffled guide sentences."""
    rng = random.Random(seed)
    sentences: list[str] = []
    for path in sorted((knowledge / "guides").glob("*.md")):
        body = path.read_text().split("---", 2)[-1]
        sentences += [s.strip() + "." for s in body.replace("\n", " ").split(". ") if len(s) > 40]
    target.mkdir(parents=True)
    for doc in range(chunks_wanted // 10 + 1):
        parts = [
            f"---\ntitle: Generated guide {doc}\naudience: all\nstage: ongoing\ntopics: [generated]\n---\n# Generated guide {doc}\n"
        ]
        for section in range(10):
            text = " ".join(rng.sample(sentences, 6))
            parts.append(f"## Section {section} of guide {doc}\n\nCase {doc}-{section}. {text[:820]}\n")
        (target / f"generated-{doc:05d}.md").write_text("\n".join(parts))


def chunk_texts(paths: list[Path], settings: Settings) -> tuple[list[str], list[str], list[dict[str, object]]]:
    """The exact chunks the coach would index, for the baselines to embed."""
    targets, _ = collect_targets(paths, IngestSummary())
    texts, ids, metas = [], [], []
    for target in targets:
        doc = read_document(target.path, target.source, settings.max_upload_bytes)
        for chunk in chunk_document(doc, settings.chunk_size, settings.chunk_overlap):
            texts.append(chunk.embedding_text())
            ids.append(chunk.id)
            metas.append(chunk.metadata())
    return texts, ids, metas


def bench_ingest(work: Path, generated: int) -> list[str]:
    settings = Settings(data_dir=work / "coach")
    knowledge = settings.knowledge_dir
    corpus = work / "corpus"
    make_corpus(knowledge, corpus / "generated", generated)
    shutil.copytree(knowledge / "guides", corpus / "guides")
    runtime = Runtime(settings)
    embedder = runtime.embedder
    embedder.embed(["warm-up"])  # load the model outside every timing
    torch_settings = Settings(data_dir=work / "coach-torch", embedding_backend="torch")
    torch_runtime = Runtime(torch_settings)
    torch_embedder = torch_runtime.embedder
    assert isinstance(torch_embedder, SentenceTransformerEmbedder)
    torch_embedder.embed(["warm-up"])
    texts, ids, metas = chunk_texts([corpus], settings)
    print(f"corpus: {len(texts)} chunks", flush=True)

    # (a) raw encode + add, the floor for any ingest pipeline.
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    def raw() -> None:
        client = chromadb.PersistentClient(path=str(work / "raw"), settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.get_or_create_collection("raw", metadata={"hnsw:space": "cosine"}, embedding_function=None)
        model = torch_embedder._load()
        vectors = model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True)  # type: ignore[attr-defined]
        step = client.get_max_batch_size()
        for start in range(0, len(texts), step):
            collection.add(
                ids=ids[start : start + step],
                embeddings=vectors[start : start + step],
                documents=texts[start : start + step],
                metadatas=metas[start : start + step],
            )  # type: ignore[arg-type]

    _, raw_s = timed(raw)
    print(f"(a) raw encode + add: {raw_s:.1f}s", flush=True)

    _, torch_s = timed(lambda: ingest_paths([corpus], torch_settings, torch_runtime.store, torch_embedder))
    print(f"coach ingest, PyTorch backend: {torch_s:.1f}s", flush=True)
    summary, coach_s = timed(lambda: ingest_paths([corpus], settings, runtime.store, embedder))
    print(f"coach ingest: {coach_s:.1f}s ({summary})", flush=True)
    again, reingest_s = timed(lambda: ingest_paths([corpus], settings, runtime.store, embedder))
    assert again.chunks_embedded == 0
    print(f"coach re-ingest: {reingest_s:.2f}s", flush=True)

    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings

    docs = [Document(page_content=t, metadata=m) for t, m in zip(texts, metas, strict=True)]  # type: ignore[arg-type]

    def langchain() -> None:
        embeddings = HuggingFaceEmbeddings(
            model_name=str(settings.embedding_model_path), encode_kwargs={"normalize_embeddings": True}
        )
        Chroma.from_documents(
            docs, embeddings, ids=ids, persist_directory=str(work / "langchain"), collection_name="langchain-baseline"
        )

    _, lc_s = timed(langchain)
    print(f"(b) LangChain Chroma.from_documents: {lc_s:.1f}s", flush=True)
    rows = [
        ["coach ingest, ONNX Runtime (first run)", f"{coach_s:.1f}", "1.00", ""],
        ["coach ingest, PyTorch backend", f"{torch_s:.1f}", f"{torch_s / coach_s:.2f}x slower", ">= 1.6x slower"],
        ["(a) raw encode + Chroma add", f"{raw_s:.1f}", f"PyTorch ingest/(a) = {torch_s / raw_s:.3f}", "<= 1.15"],
        ["(b) LangChain Chroma.from_documents", f"{lc_s:.1f}", f"{lc_s / coach_s:.2f}x slower", ">= 1.6x slower"],
        [
            "coach re-ingest, nothing changed",
            f"{reingest_s:.2f}",
            f"{coach_s / reingest_s:.0f}x faster",
            ">= 50x faster",
        ],
    ]
    return [
        f"Ingest of {len(texts)} chunks ({len(texts) - generated * 0} incl. knowledge/):",
        "",
        table(["run", "seconds", "ratio", "target"], rows),
    ]


def bench_latency(work: Path, size: int, runtime: Runtime) -> list[object]:
    """Fill a store with ``size`` chunks (synthetic unit vectors) and time hybrid queries."""
    settings = Settings(data_dir=work / f"lat-{size}")
    store = VectorStore(settings)
    rng = np.random.default_rng(size)
    words = [
        "mentor",
        "mentee",
        "feedback",
        "session",
        "trust",
        "agenda",
        "goal",
        "listening",
        "senior",
        "junior",
        "culture",
        "technology",
        "inclusion",
    ]
    step = 5000
    for start in range(0, size, step):
        n = min(step, size - start)
        vectors = rng.normal(size=(n, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        docs = [" ".join(rng.choice(words, 40)) + f" item{start + i}" for i in range(n)]
        metas = [
            {
                "source": f"gen/{(start + i) // 10}.md",
                "title": "Generated",
                "heading": "",
                "position": i % 10,
                "audience": "all",
                "stage": "ongoing",
                "topics": "",
            }
            for i in range(n)
        ]
        store.add([f"c{start + i}" for i in range(n)], vectors, docs, metas)
    store.bump_version()
    retriever = HybridRetriever(store, runtime.embedder, settings)
    retriever.retrieve("warm up the lexical index", k=5)
    query_vectors = {q: runtime.embedder.embed([q])[0] for q in QUERIES}
    without, with_embed = [], []
    for round_ in range(6):
        for q in QUERIES:
            _, s = timed(lambda q=q: retriever.retrieve(q, k=5, query_vector=query_vectors[q]))
            without.append(s * 1000)
            fresh = f"{q} ({round_})"
            _, s = timed(lambda fresh=fresh: retriever.retrieve(fresh, k=5))
            with_embed.append(s * 1000)
    return [
        f"{size:,}",
        f"{percentile(without, 50):.1f}",
        f"{percentile(without, 95):.1f}",
        f"{percentile(with_embed, 50):.1f}",
        f"{percentile(with_embed, 95):.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated-chunks", type=int, default=5000)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="None: skip latency.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        work = Path(tmp)
        report = ["# Ingest and retrieval benchmark", ""]
        report += bench_ingest(work, args.generated_chunks)
        runtime = Runtime(Settings(data_dir=work / "coach"))
        rows = [bench_latency(work, size, runtime) for size in args.sizes]
        report += (
            []
            if not rows
            else [
                "",
                "Hybrid retrieval latency, k=5 (ms):",
                "",
                table(["chunks", "p50 no embed", "p95 no embed", "p50 with embed", "p95 with embed"], rows),
                "",
                "Target: p95 without the query embedding < 50 ms at 100,000 chunks.",
            ]
        )
    text = "\n".join(report)
    print(text)
    print(f"\nSaved to {save('ingest.md', text)}")


if __name__ == "__main__":
    main()
