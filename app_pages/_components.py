"""Rendering helpers and cached resources shared by the pages.

Heavy collaborators are built lazily and cached with ``st.cache_resource``: one
``Runtime`` per data directory (embedder, store, retriever), one chat model per model
setting, one database per URL. User and document text is always escaped before it is
shown as Markdown and never rendered as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import CoachError
from coach.runtime import Runtime

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.schemas import Citation, Passage
    from coach.storage import Database

ROLES = tuple(r.value for r in Role)
SESSION_KEY = "auth_token"
SESSION_COOKIE, COOKIE_PENDING, SIGNED_OUT = "coach_session", "_cookie_pending", "_signed_out"
EVERYONE = tuple(Role)
# Which roles see which page; each page also calls ``require_actor`` with the same roles,
# and the functions it calls check again in ``coach``.
PAGE_ROLES: dict[str, tuple[Role, ...]] = {
    "app_pages/agenda.py": (Role.MENTOR, Role.MENTEE, Role.COORDINATOR),
    "app_pages/questions.py": (Role.MENTEE, Role.MENTOR),
    "app_pages/ask.py": EVERYONE,
    "app_pages/rehearsal.py": (Role.MENTOR,),
    "app_pages/reflection.py": (Role.MENTOR, Role.MENTEE),
    "app_pages/history.py": (Role.MENTOR, Role.MENTEE),
    "app_pages/dashboard.py": (Role.COORDINATOR, Role.ADMINISTRATOR),
    "app_pages/knowledge.py": (Role.COORDINATOR, Role.ADMINISTRATOR),
    "app_pages/people.py": (Role.COORDINATOR, Role.ADMINISTRATOR),
    "app_pages/matching.py": EVERYONE,
    "app_pages/my_program.py": (Role.MENTOR, Role.MENTEE),
    "app_pages/pair_health.py": (Role.COORDINATOR, Role.ADMINISTRATOR),
    "app_pages/program_report.py": (Role.COORDINATOR, Role.ADMINISTRATOR),
    "app_pages/settings.py": (Role.ADMINISTRATOR,),
}
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
def _model_runtime(key: str, _settings: Settings) -> Runtime:
    del key
    return Runtime(_settings)


def chat_model() -> BaseChatModel:
    """The runtime's chat model, or, when this session chose another in Settings, that choice's runtime's."""
    current = settings()
    shared = runtime()
    key = "|".join(str(getattr(current, f)) for f in LLM_FIELDS) + f"|{current.local_model_path}"
    if key == "|".join(str(getattr(shared.settings, f)) for f in LLM_FIELDS) + f"|{shared.settings.local_model_path}":
        return shared.chat_model
    if current.llm_api_key is not None:
        key += "|" + str(hash(current.llm_api_key.get_secret_value()))
    return _model_runtime(key, current).chat_model


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


@st.cache_resource(show_spinner=False)
def _warm_scorer(key: str, _runtime: Runtime) -> bool:
    from coach.flows.feedback.scoring import score_feedback

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


# --- who is signed in ------------------------------------------------------------------
def client() -> str:
    """The visitor's address as Streamlit sees it (for the sign-in back-off and the audit trail)."""
    try:
        return str(st.context.ip_address or "")
    except Exception:  # no request context (headless tests)
        return ""


def company_sign_in() -> bool:
    """True when the operator configured OpenID Connect in Streamlit's secrets (``[auth]``)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _company_actor() -> Actor | None:
    """After ``st.login``: the account mapped from the identity provider's email (or None)."""
    from coach.accounts.identity import actor_for_identity

    if not company_sign_in() or not st.user.is_logged_in:
        return None
    if st.session_state.get("_company_refused") == st.user.get("email"):
        return None
    try:
        found = actor_for_identity(
            database(), st.user.get("email"), st.user.get("name"), st.user.get("email_verified"), client()
        )
    except CoachError as exc:
        st.session_state["_company_refused"] = st.user.get("email")
        st.session_state["_company_error"] = str(exc)
        return None
    sign_in(found)
    return found


def _cookie_token() -> str | None:
    """The session token this browser kept in its cookie (so a refresh keeps the sign-in)."""
    try:
        value = st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # no request context (headless tests)
        return None
    return str(value) if value else None


def write_session_cookie() -> None:
    """Write (or clear) the sign-in cookie asked for by ``sign_in``/``sign_out``, once.

    The cookie holds only the opaque token; the database keeps its hash, and signing out,
    disabling the account or the session's expiry makes an old cookie worthless.
    """
    import json

    import streamlit.components.v1 as components

    pending = st.session_state.pop(COOKIE_PENDING, None)
    if pending is None:
        return
    token, max_age = pending
    cookie = f"{SESSION_COOKIE}={token}; path=/; max-age={max_age}; SameSite=Strict"
    components.html(f"<script>window.parent.document.cookie = {json.dumps(cookie)};</script>", height=0)


def actor() -> Actor | None:
    """The signed-in account, resolved from the database on every run (None: nobody)."""
    from coach.accounts.signin import resolve_session

    token = st.session_state.get(SESSION_KEY)
    if token is None and not st.session_state.get(SIGNED_OUT):
        token = _cookie_token()
        if token is not None:
            st.session_state[SESSION_KEY] = token
    found = resolve_session(database(), token) if token is not None else None
    if found is None and token is not None:
        st.session_state.pop(SESSION_KEY, None)  # expired, revoked, disabled or tampered with
    return found or _company_actor()


def sign_in(found: Actor) -> None:
    """Keep a new session token for this browser session, and in a cookie for a refresh."""
    from coach.accounts.signin import start_session

    current = settings()
    token = start_session(database(), found, current)
    st.session_state[SESSION_KEY] = token
    st.session_state.pop(SIGNED_OUT, None)
    st.session_state[COOKIE_PENDING] = (token, current.session_hours * 3600)


def sign_out() -> None:
    """End the session here and in the database (and at the identity provider's cookie)."""
    from coach.accounts.signin import end_session

    end_session(database(), st.session_state.pop(SESSION_KEY, None))
    for key in list(st.session_state):
        if key not in ("llm_overrides",):
            del st.session_state[key]
    st.session_state[SIGNED_OUT] = True  # the old cookie is revoked; do not even try it
    st.session_state[COOKIE_PENDING] = ("", 0)
    if company_sign_in() and st.user.is_logged_in:
        st.logout()


def may_open(page: str, who: Actor | None) -> bool:
    """Whether ``who`` may open ``page`` (Home always; Ask the guide anonymously if allowed)."""
    if page == "app_pages/home.py":
        return True
    if page not in PAGE_ROLES:
        return who is not None  # a page nobody listed is never open to anonymous visitors
    if who is None:
        return page == "app_pages/ask.py" and settings().anonymous_guide
    return who.role in PAGE_ROLES[page]


def require_actor(*roles: Role) -> Actor:
    """The signed-in account holding one of ``roles``; otherwise a prompt or a refusal, then ``st.stop()``."""
    from coach.accounts import audit

    found = actor()
    if found is None:
        st.warning("Sign in first: this page is only for signed-in members of the program.")
        with suppress(StreamlitAPIException):  # a page run on its own has no navigation to link to
            st.page_link("app_pages/home.py", label="Go to sign-in", icon=":material/login:")
        st.stop()
    if roles and found.role not in roles:
        try:
            audit.check_role(database(), found, *roles, action="open this page")
        except CoachError as exc:
            show_error(exc)
        st.stop()
    return found


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

    who = actor()
    pairs = repo.list_pairs(database(), who) if who is not None else []
    wanted = st.session_state.pop(f"_{key}_select", None)
    if wanted is None and key not in st.session_state:
        wanted = st.session_state.get(f"_{key}_last")  # back on the page: show the pair chosen before
    if wanted is not None:
        st.session_state[key] = next((p for p in pairs if p.id == wanted), None)
    options: list[Any] = [None, *pairs]
    label = "New pair (enter profiles)" if allow_new else "No pair"
    chosen = st.selectbox(
        "Pair",
        options,
        key=key,
        format_func=lambda p: label if p is None else p.label,
    )
    st.session_state[f"_{key}_last"] = chosen.id if chosen is not None else None
    return chosen


def select_pair_next_run(key: str, pair_id: int) -> None:
    """Make ``pair_picker(key)`` show this pair on the next run."""
    st.session_state[f"_{key}_select"] = pair_id
