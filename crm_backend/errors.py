"""Typed errors raised by CRM services; entrypoints map them to replies or HTTP codes."""

from __future__ import annotations

from typing import Optional


class CRMError(Exception):
    """Base of every expected (non-bug) CRM failure; ``message`` is safe to show a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CRMError):
    """The requested record does not exist (or the caller may not know it exists)."""


class OrderNotFound(NotFound):
    """No order matches the number *and* identity given.

    Raised identically for an unknown order number and for an identity mismatch so callers
    cannot probe for other customers' orders.
    """

    MESSAGE = "No order matches these details."

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


class NotOwner(CRMError):
    """The record exists but belongs to someone else (use only where that may be revealed)."""


class InvalidState(CRMError):
    """The operation is not allowed in the record's current state (e.g. cancel a shipped
    order)."""


class ValidationError(CRMError):
    """The caller's input is malformed; ``field`` names the offending input if known."""

    def __init__(self, message: str, *, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(CRMError):
    """The operation would violate a uniqueness rule (e.g. e-mail already registered)."""


__all__ = [
    "CRMError",
    "Conflict",
    "InvalidState",
    "NotFound",
    "NotOwner",
    "OrderNotFound",
    "ValidationError",
]
