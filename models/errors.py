"""Domain exceptions. Messages are safe to show clients; graph/errors.py assigns the codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure; `message` is client-safe."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(DomainError):
    def __init__(self, message: str = "Authentication required") -> None:
        super().__init__(message)


class PermissionDenied(DomainError):
    def __init__(self, message: str = "Not allowed") -> None:
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, message: str = "Not found") -> None:
        super().__init__(message)


class Conflict(DomainError):
    pass


class Invalid(DomainError):
    """Bad input. `fields` maps input field names to messages (extensions.fields)."""

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or "Invalid input: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class PayloadTooLarge(DomainError):
    pass


class RateLimited(DomainError):
    def __init__(self, retry_after: int, message: str = "Too many attempts, try again later") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(DomainError):
    def __init__(self, message: str = "File storage is unavailable, try again later") -> None:
        super().__init__(message)
