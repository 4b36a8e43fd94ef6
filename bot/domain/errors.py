"""Typed domain errors. Each carries a polite message that says what to do instead."""

from __future__ import annotations


class MicromentorError(Exception):
    """Base of every error a person can cause; `message` is safe to show them."""

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # The input this is about (`minutes`, `question`), so a form can show it there.
        self.field = field

    def user_text(self) -> str:
        """The message and the hint, as one text for the person who acted."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class UsageError(MicromentorError):
    """The command text could not be understood."""


class InvalidInput(MicromentorError):
    """A value is out of range, too long, or not one of the allowed ones."""


class NotFound(MicromentorError):
    """An id names nothing this person can see."""


class NotAllowed(MicromentorError):
    """The person may not do this (not theirs, wrong role, suspended, ...)."""


class Conflict(MicromentorError):
    """The thing is in a state that does not allow this any more (e.g. already taken)."""


class LimitReached(MicromentorError):
    """A configured limit (open requests, weekly requests, capacity) stops this."""


class NotConfigured(MicromentorError):
    """This workspace or server is not mapped to any community."""
