"""Secrets for customer self-service: one-time codes, reset tokens and keyed digests.

Codes and tokens are generated with :mod:`secrets` and never stored or logged in clear:
the CRM keeps a keyed HMAC (codes, e-mail fingerprints) or a SHA-256 (high-entropy reset
tokens) instead. The HMAC key is ``Settings.secret_key``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

from crm_backend.settings import get_settings

CODE_DIGITS = 6


def _key(secret: Optional[str]) -> bytes:
    value = secret if secret is not None else get_settings().secret_key.get_secret_value()
    return value.encode("utf-8")


def keyed_digest(*parts: str, secret: Optional[str] = None) -> str:
    """HMAC-SHA256 (hex, 64 chars) of ``parts`` joined unambiguously."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def digests_match(a: str, b: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def email_fingerprint(normalised_email: str, *, secret: Optional[str] = None) -> str:
    """A stable pseudonym of an e-mail address for rate limits and audit trails."""
    return keyed_digest("email", normalised_email, secret=secret)


def new_code() -> str:
    """A uniformly random 6-digit one-time code (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_token() -> str:
    """A URL-safe token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def new_challenge_id() -> str:
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token (hex, 64 chars): enough to find it, useless to
    forge it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
