"""Rendering helpers and cached resources shared by the pages.

Heavy collaborators are built lazily and cached with ``st.cache_resource``: one
``Runtime`` per data directory (embedder, store, retriever), one chat model per model
setting, one database per URL. User and document text is always escaped before it is
shown as Markdown and never rendered as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import streamlit as st

from coach.config import Settings
from coach.errors import CoachError
from coach.runtime import Runtime
from coach.services import model_description

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.schemas import Citation, Passage
    from coach.storage import Database

ROLES = ("junior mentor", "senior mentee", "coordinator")
LLM_FIELDS = ("llm_provider", "llm_model", "llm_base_url", "llm_api_key")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<:$&])")


# --- settings and cached resources ------------------------------------------------------
def settings() -> Settings:
    """Settings from the environment, with this browser session's model choices applied."""
    overrides = st.session_state.get("llm_overrides", {})
    return Settings(**overrides)


@st.cache_resource(show_spinner=False)
def _runtime(key: str, _settings: Settings) -> Runtime:
    del key
    return Runtime(_settings)


def runtime() -> Runtime:
    """The shared runtime for the configured data directory (built once per process)."""
    base = settings()
    key = f"{base.data_dir}|{base.knowledge_dir}|{base.vector_store}|{base.chroma_host}:{base.chroma_port}"
    return _runtime(key, base)


@st.cache_resource(show_spinner=False)
def _chat_model(key: str, _settings: Settings) -> BaseChatModel:
    del key
    from coach.llm.providers import build_chat_model

    return build_chat_model(_settings)


def chat_model() -> BaseChatModel:
    """The chat model chosen in Settings (built on first use, then shared)."""
    current = settings()
    key = "|".join(str(getattr(current, f)) for f in LLM_FIELDS) + f"|{current.local_model_path}"
    if current.llm_api_key is not None:
        key += "|" + str(hash(current.llm_api_key.get_secret_value()))
    return _chat_model(key, current)


@st.cache_resource(show_spinner=False)
def _database(url: str, _settings: Settings) -> Database:
    from coach.storage import open_database

    del url
    return open_database(_settings)


def database() -> Database:
    """The app's database, migrated on first use in this process."""
    current = settings()
    return _database(current.resolved_database_url, current)


def ensure_index() -> Runtime:
    """The runtime, after ingesting ``knowledge/`` with a progress bar if the index is empty."""
    from coach.services import index_is_empty

    rt = runtime()
    if st.session_state.get("_index_checked") == str(rt.settings.data_dir):
        return rt
    empty: bool | None = None
    with guard():
        empty = index_is_empty(rt)
    if empty is None:  # the store failed; the error is shown and the check runs again next time
        return rt
    if empty:
        with st.status("First run: indexing the guidance library…", expanded=True) as status:
            bar = st.progress(0.0, text="Reading documents")

            def progress(phase: str, done: int, total: int) -> None:
                label = "Reading documents" if phase == "read" else "Embedding passages"
                bar.progress(done / max(total, 1), text=f"{label}: {done}/{total}")

            summary = rt.ingest(progress=progress)
            status.update(label=f"Guidance indexed: {summary}", state="complete", expanded=False)
    st.session_state["_index_checked"] = str(rt.settings.data_dir)
    return rt


# --- view state -------------------------------------------------------------------------
def owner() -> str:
    """The display name entered on Home (empty until set)."""
    return str(st.session_state.get("owner", "")).strip()


def role() -> str:
    """The role picked on Home."""
    return str(st.session_state.get("role", ROLES[0]))


def require_owner() -> str | None:
    """The display name, or a prompt to set it on Home (returns None then)."""
    name = owner()
    if not name:
        st.warning("Enter your display name on Home first: private items are kept under it.")
        st.page_link("app_pages/home.py", label="Go to Home", icon=":material/home:")
        return None
    return name


# --- errors -----------------------------------------------------------------------------
def show_error(exc: CoachError) -> None:
    """A clean error with how to fix it."""
    text = escape(exc.message)
    if exc.hint:
        text += f"  \n**How to fix:** {escape(exc.hint)}"
    st.error(text, icon=":material/error:")


@contextmanager
def guard() -> Iterator[None]:
    """Turn a ``CoachError`` raised inside the block, or a failed server (the Chroma server,
    the model endpoint, the database), into ``st.error`` with its fix.

    Widgets keep their values, so whatever the user typed is still there to send again.
    """
    from coach.failures import server_failure

    try:
        yield
    except CoachError as exc:
        show_error(exc)
    except Exception as exc:
        failure = server_failure(exc, settings())
        if failure is None:
            raise
        show_error(failure)


# --- rendering --------------------------------------------------------------------------
def escape(text: str) -> str:
    """Text made inert for ``st.markdown``: no formatting, links, images or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def model_badge(current: Settings | None = None) -> None:
    """Which model is in use and whether text stays on this machine."""
    current = current or settings()
    destination = current.text_destination
    icon = "🔒" if destination.startswith("stays") else "🌐"
    text = f"**Model:** {escape(model_description(current))}  \n{icon} **Your text {escape(destination)}.**"
    if destination.startswith("stays"):
        st.success(text)
    else:
        st.warning(text)


def time_bar(minutes: int, total: int, start: int) -> None:
    """A bar showing an item's share of the session and its clock time."""
    label = f"{start // 60}:{start % 60:02d}–{(start + minutes) // 60}:{(start + minutes) % 60:02d} · {minutes} min"
    st.progress(min(1.0, minutes / max(total, 1)), text=label)


def citation_cards(citations: Iterable[Citation], passages: Iterable[Passage] = ()) -> None:
    """One expandable card per citation: title, document, quote and the full passage."""
    full = {p.id: p for p in passages}
    for number, citation in enumerate(citations, 1):
        with st.expander(f"[{number}] {citation.title} · {citation.source}"):
            st.markdown(f"> {escape(citation.quote)}")
            passage = full.get(citation.id)
            if passage is not None and passage.text.strip() != citation.quote.strip():
                st.caption(escape(passage.heading or "Passage"))
                st.text(passage.text)
            st.caption(f"Chunk {escape(citation.id)}")


def highlighted(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Markdown for ``text`` with the given character spans on an orange background (all escaped)."""
    parts: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor or end <= start:
            continue
        parts.append(escape(text[cursor:start]))
        parts.append(f":orange-background[{escape(text[start:end])}]")
        cursor = end
    parts.append(escape(text[cursor:]))
    return "".join(parts).replace("\n", "  \n")


def dataframe_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Pydantic models as plain dicts for ``st.dataframe``."""
    return [r.model_dump() if hasattr(r, "model_dump") else dict(r) for r in rows]


def flow_model() -> BaseChatModel | None:
    """The chat model for flows that work without one: on a set-up error, warn and go without."""
    try:
        return chat_model()
    except CoachError as exc:
        st.warning(f"Working without the language model: {escape(str(exc))}")
        return None


def pair_picker(key: str, allow_new: bool = True) -> Any:
    """A select box of saved pairs; returns the ``PairView`` or None for 'new pair' / no pair."""
    from coach.storage import repositories as repo

    pairs = repo.list_pairs(database())
    wanted = st.session_state.pop(f"_{key}_select", None)
    if wanted is not None:
        st.session_state[key] = next((p for p in pairs if p.id == wanted), None)
    options: list[Any] = [None, *pairs]
    label = "New pair (enter profiles)" if allow_new else "No pair"
    return st.selectbox(
        "Pair", options, key=key, format_func=lambda p: label if p is None else f"{p.label} (#{p.id})",
    )


def select_pair_next_run(key: str, pair_id: int) -> None:
    """Make ``pair_picker(key)`` show this pair on the next run."""
    st.session_state[f"_{key}_select"] = pair_id
