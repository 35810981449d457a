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

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.schemas import Citation, Passage
    from coach.storage import Database

ROLES = ("junior mentor", "senior mentee", "coordinator")
QUERY_NAME, QUERY_ROLE = "name", "role"
KEPT_PREFIX, KEPT_VALUES = "kept_", "_kept_values"
MIB = 1024 * 1024
WARM_UP_TEXT = "In Monday's review you interrupted me twice. Could you let me finish next time?"
LLM_FIELDS = ("llm_provider", "llm_model", "llm_base_url", "llm_api_key")
_ID_REFERENCE = re.compile(r"\s?\[[0-9a-f]{16,}\]")
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
    if index_is_empty(rt):
        with st.status("First run: indexing the guidance library…", expanded=True) as status:
            bar = st.progress(0.0, text="Reading documents")

            def progress(phase: str, done: int, total: int) -> None:
                label = "Reading documents" if phase == "read" else "Embedding passages"
                bar.progress(done / max(total, 1), text=f"{label}: {done}/{total}")

            summary = rt.ingest(progress=progress)
            status.update(label=f"Guidance indexed: {summary}", state="complete", expanded=False)
    st.session_state["_index_checked"] = str(rt.settings.data_dir)
    return rt


@st.cache_resource(show_spinner=False)
def _warm_scorer(key: str, _runtime: Runtime) -> bool:
    from coach.flows.feedback import score_feedback

    del key
    score_feedback(WARM_UP_TEXT, _runtime.embedder)
    return True


def warm_rehearsal() -> Runtime:
    """Load the embedding model, the feedback scorer and the chat model now, with a visible status.

    Paid once per process when the Rehearsal page opens, so the first reply is not the slow one.
    """
    rt = ensure_index()
    key = f"{rt.settings.data_dir}|{rt.settings.embedding_model_path}"
    if st.session_state.get("_warmed") != key:
        with st.spinner("Getting the feedback scorer and the persona ready…"):
            _warm_scorer(key, rt)
            flow_model()
        st.session_state["_warmed"] = key
    return rt


# --- who is using the app: every page asks here, nothing else reads it -----------------
def _from_url(key: str, default: str) -> str:
    """A value kept in the page address, so it survives a browser refresh."""
    value = st.query_params.get(key, default)
    return " ".join(str(value).split())[:80]


def owner() -> str:
    """The display name entered on Home (empty until set); restored from the address after a refresh."""
    if "owner" not in st.session_state:
        st.session_state["owner"] = _from_url(QUERY_NAME, "")
    return str(st.session_state.get("owner", "")).strip()


def role() -> str:
    """The role picked on Home; restored from the address after a refresh."""
    if "role" not in st.session_state:
        saved = _from_url(QUERY_ROLE, ROLES[0])
        st.session_state["role"] = saved if saved in ROLES else ROLES[0]
    return str(st.session_state.get("role", ROLES[0]))


def set_identity(name: str, chosen_role: str) -> None:
    """Remember the display name and role for this browser session and its address."""
    st.session_state["owner"] = " ".join(name.split())
    st.session_state["role"] = chosen_role if chosen_role in ROLES else ROLES[0]
    remember_identity()


def remember_identity() -> None:
    """Write the name and role into the address (page switches drop query parameters)."""
    name, current = owner(), role()
    if name and st.query_params.get(QUERY_NAME) != name:
        st.query_params[QUERY_NAME] = name
    elif not name and QUERY_NAME in st.query_params:
        del st.query_params[QUERY_NAME]
    if st.query_params.get(QUERY_ROLE) != current:
        st.query_params[QUERY_ROLE] = current


def require_owner() -> str | None:
    """The display name, or a prompt to set it on Home (returns None then)."""
    name = owner()
    if not name:
        st.warning("Enter your display name on Home first: private items are kept under it.")
        st.page_link("app_pages/home.py", label="Go to Home", icon=":material/home:")
        return None
    return name


# --- view state -------------------------------------------------------------------------
def keep_view_state() -> None:
    """Note the values of ``kept_*`` widgets, so they come back when their page is opened again.

    Streamlit forgets a widget's value once a run does not draw it (another page is open).
    Values are only read here; ``kept`` puts one back only when its widget's value is gone,
    so text being typed on the page is never overwritten by a rerun.
    """
    store: dict[str, Any] = st.session_state.setdefault(KEPT_VALUES, {})
    for key in [k for k in st.session_state if str(k).startswith(KEPT_PREFIX)]:
        store[str(key)] = st.session_state[key]


def kept_key(key: str) -> str:
    """The widget key under which ``keep_view_state`` notes a value."""
    return KEPT_PREFIX + key


def remembered(key: str, default: Any) -> Any:
    """The last value of widget ``kept_key(key)``, for its ``value=``/``index=`` (``default`` at first).

    A widget with a key keeps its own state while its page is shown, so this only matters
    when the page is opened again; nothing is written, so nothing being typed is overwritten.
    """
    return st.session_state.get(KEPT_VALUES, {}).get(KEPT_PREFIX + key, default)


def kept(key: str, default: Any) -> str:
    """The widget key ``kept_<key>``, preset through session state to its last value (``default`` at first).

    For widgets whose value the page also sets itself (the persona in progress, the
    session number after Build); plain form fields use ``remembered`` instead.
    """
    full = KEPT_PREFIX + key
    if full not in st.session_state:
        st.session_state[full] = st.session_state.get(KEPT_VALUES, {}).get(full, default)
    return full


def upload_limit_bytes(current: Settings | None = None) -> int:
    """The one upload limit: the smaller of ``COACH_MAX_UPLOAD_BYTES`` and Streamlit's ``server.maxUploadSize``."""
    current = current or settings()
    streamlit_bytes = int(st.get_option("server.maxUploadSize")) * MIB
    return min(current.max_upload_bytes, streamlit_bytes)


def size_words(size: int) -> str:
    """A byte count the way people say it: "10 MB", "4 KB"."""
    if size >= MIB:
        return f"{size / MIB:.0f} MB"
    return f"{max(1, size // 1024)} KB"


# --- errors -----------------------------------------------------------------------------
def show_error(exc: CoachError) -> None:
    """A clean error with how to fix it."""
    text = escape(exc.message)
    if exc.hint:
        text += f"  \n**How to fix:** {escape(exc.hint)}"
    st.error(text, icon=":material/error:")


@contextmanager
def guard() -> Iterator[None]:
    """Turn a ``CoachError`` raised inside the block into ``st.error`` with its fix."""
    try:
        yield
    except CoachError as exc:
        show_error(exc)


# --- rendering --------------------------------------------------------------------------
def escape(text: str) -> str:
    """Text made inert for ``st.markdown``: no formatting, links, images or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def model_words(current: Settings) -> tuple[str, bool]:
    """The model in plain words, and whether text stays on this computer."""
    destination = current.text_destination
    local = destination.startswith("stays")
    if current.llm_provider == "fake":
        return "Demo model: your text stays on this computer", True
    if current.llm_provider == "local":
        return "Local model: your text stays on this computer", True
    if local:
        return "Model server on this computer: your text stays on this computer", True
    return f"Online model: your text is {destination}", False


def model_badge(current: Settings | None = None) -> None:
    """Which kind of model is in use and whether text stays on this computer, in plain words."""
    current = current or settings()
    words, local = model_words(current)
    if local:
        st.success(f"**{escape(words)}.**", icon=":material/lock:")
    else:
        st.warning(f"**{escape(words)}.**", icon=":material/public:")


def status_mark(ok: bool | None, yes: str = "Met", no: str = "Not met", partly: str = "Partly met") -> str:
    """A status as an icon and words (never an emoji alone), for ``st.markdown``."""
    if ok is None:
        return f":orange[:material/radio_button_partial: {partly}]"
    return f":green[:material/check_circle: {yes}]" if ok else f":red[:material/cancel: {no}]"


def time_bar(minutes: int, total: int, start: int) -> None:
    """A bar showing an item's share of the session and its clock time."""
    label = f"{start // 60}:{start % 60:02d}–{(start + minutes) // 60}:{(start + minutes) % 60:02d} · {minutes} min"
    st.progress(min(1.0, minutes / max(total, 1)), text=label)


def citation_label(number: int, citation: Citation, heading: str = "") -> str:
    """A source card's label: its number, document title and section heading (no ids or paths)."""
    parts = [citation.title.strip() or "Guidance"]
    if heading and heading.strip() and heading.strip() != parts[0]:
        parts.append(heading.strip())
    return f"[{number}] " + " · ".join(parts)


def citation_cards(citations: Iterable[Citation], passages: Iterable[Passage] = ()) -> None:
    """One expandable card per citation: title, section heading, quote and the full passage."""
    full = {p.id: p for p in passages}
    for number, citation in enumerate(citations, 1):
        passage = full.get(citation.id)
        with st.expander(citation_label(number, citation, passage.heading if passage else "")):
            st.markdown(f"> {escape(citation.quote)}")
            if passage is not None and passage.text.strip() != citation.quote.strip():
                st.text(passage.text)


def numbered_references(text: str, citations: Iterable[Citation]) -> str:
    """``text`` with passage-id references such as ``[c5999…]`` replaced by card numbers ``[1]``."""
    for number, citation in enumerate(citations, 1):
        text = text.replace(f"[{citation.id}]", f"[{number}]")
    return _ID_REFERENCE.sub("", text)


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
    if wanted is None and key not in st.session_state:
        wanted = st.session_state.get(f"_{key}_last")  # back on the page: show the pair chosen before
    if wanted is not None:
        st.session_state[key] = next((p for p in pairs if p.id == wanted), None)
    options: list[Any] = [None, *pairs]
    label = "New pair (enter profiles)" if allow_new else "No pair"
    chosen = st.selectbox(
        "Pair", options, key=key, format_func=lambda p: label if p is None else p.label,
    )
    st.session_state[f"_{key}_last"] = chosen.id if chosen is not None else None
    return chosen


def select_pair_next_run(key: str, pair_id: int) -> None:
    """Make ``pair_picker(key)`` show this pair on the next run."""
    st.session_state[f"_{key}_select"] = pair_id
