"""The coach's error hierarchy.

Every error a user can cause or fix is a ``CoachError`` whose message says what went
wrong and how to fix it. The CLI and the app translate these into a clean message;
anything else is a bug and propagates.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base class for errors with a user-facing message."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class InputError(CoachError):
    """Bad user input: out-of-range numbers, empty text, unknown names."""


class DocumentError(CoachError):
    """A document that cannot be read or indexed."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ConfigurationError(CoachError):
    """A setting or installed component that is missing or wrong."""


class StoreError(CoachError):
    """The vector store or database cannot be reached or used."""


class ModelError(CoachError):
    """A language model endpoint failed in a way the user can fix."""


class PermissionDenied(CoachError):
    """The acting account may not read or change this item."""


class SignInError(CoachError):
    """A sign-in, invitation or reset that did not go through (the message never says why in detail)."""
