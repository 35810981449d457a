"""Random tokens kept only as hashes, and UTC times read back from any database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

TOKEN_BYTES = 32


def new_token() -> str:
    """A URL-safe random token (256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def aware(moment: datetime) -> datetime:
    """A stored time as timezone-aware UTC (SQLite hands back naive values)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def normal_email(email: str) -> str:
    """An email as accounts are keyed: trimmed and lower case."""
    return email.strip().lower()
