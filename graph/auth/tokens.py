"""Opaque bearer tokens: 256 random bits for the client, only their SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets

COOKIE_NAME = "session_token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_from_headers(authorization: str | None, cookie: str | None) -> tuple[str | None, bool]:
    """The presented token and whether it came from the cookie (cookie requests need CSRF checks)."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip(), False
        return None, False
    if cookie:
        return cookie, True
    return None, False
