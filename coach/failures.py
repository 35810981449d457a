"""Failures of the servers the coach depends on, as one clear ``CoachError``.

The vector store (a Chroma server over HTTP), a model endpoint and the database can go
away while the app or a command is running. Their client libraries raise their own
exceptions (httpx, chromadb, openai, SQLAlchemy and its drivers); ``server_failure``
recognises those by where they come from and says which server failed and how to fix it.
The CLI and the app's error guard call it, once, at the boundary; anything it does not
recognise is a bug and propagates.
"""

from __future__ import annotations

from coach.config import Settings
from coach.errors import CoachError, ModelError, StoreError

_CHROMA = ("chromadb", "httpx", "httpcore")
_DATABASE = ("sqlalchemy", "psycopg", "psycopg2", "sqlite3", "alembic")
_MODEL = ("openai", "llama_cpp")


def _origin(exc: BaseException) -> str:
    return type(exc).__module__.split(".")[0]


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def server_failure(exc: BaseException, settings: Settings | None = None) -> CoachError | None:
    """The ``CoachError`` for a failed server (``exc`` itself when it already is one), else None."""
    if isinstance(exc, CoachError):
        return exc
    origins = [_origin(e) for e in _chain(exc)]
    kind = type(exc).__name__
    if any(o in _DATABASE for o in origins):
        where = settings.resolved_database_url.split("@")[-1] if settings else "the database"
        return StoreError(
            f"The database is not reachable or refused the request ({kind}) at {where}.",
            hint="Start the database server or check COACH_DATABASE_URL, then try again; nothing typed is lost.",
        )
    if any(o in _MODEL for o in origins):
        return ModelError(
            f"The model endpoint failed ({kind}).",
            hint="Check COACH_LLM_BASE_URL and that the server is running, or choose the local provider.",
        )
    if any(o in _CHROMA for o in origins) or isinstance(exc, ConnectionError | TimeoutError):
        where = f"{settings.chroma_host}:{settings.chroma_port}" if settings else "its address"
        return StoreError(
            f"The vector store stopped answering ({kind}) at {where}.",
            hint="Start it again with 'chroma run --path DIR --port N' (or set COACH_VECTOR_STORE=embedded), "
            "then try again.",
        )
    return None
