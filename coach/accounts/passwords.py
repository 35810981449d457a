"""Argon2id password hashes and the password policy (minimum length, common passwords).

``argon2-cffi`` hashes with Argon2id and its RFC 9106 low-memory parameters; a stored hash
carries its own parameters, so raising them later only needs ``needs_rehash`` at sign-in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from coach.errors import InputError

_HASHER = PasswordHasher(type=Type.ID)
_TRAILING = re.compile(r"[\d\W_]+$")
# Verifying against this when no account matches keeps the time the same either way.
_DUMMY_HASH = _HASHER.hash("not a real password: equal timing for unknown accounts")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The packaged list of passwords people pick first (lower case)."""
    text = resources.files("coach.accounts").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password(password: str, min_length: int, email: str = "") -> None:
    """Refuse a password that is too short, common, or the email itself.

    Raises:
        InputError: saying which rule the password breaks (never echoing it).
    """
    if len(password) < min_length:
        raise InputError(
            f"The password is shorter than {min_length} characters.",
            hint="Use a longer passphrase, for example four unrelated words.",
        )
    lowered = password.lower()
    stem = _TRAILING.sub("", lowered)
    local = email.lower().split("@")[0]
    if lowered in common_passwords() or stem in common_passwords() or len(set(lowered)) <= 2:
        raise InputError("That password is on the list of common passwords.", hint="Choose one nobody would guess.")
    if local and (lowered == email.lower() or stem == local):
        raise InputError("The password must not be your email address.", hint="Choose something else.")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted; parameters encoded in the hash)."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; a missing hash still costs one verification."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored_hash)
