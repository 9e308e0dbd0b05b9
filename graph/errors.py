"""The one table from failure to `extensions.code`, and the extension that applies it.

Domain code raises `models.errors` exceptions with client-safe messages; this module is the only
place that assigns codes. Anything unexpected becomes INTERNAL with a generic message, and its
traceback is logged once, here, with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from models import errors as e

log = logging.getLogger(__name__)

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
BAD_USER_INPUT = "BAD_USER_INPUT"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
RATE_LIMITED = "RATE_LIMITED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL = "INTERNAL"

CODES: dict[type[e.DomainError], str] = {
    e.Unauthenticated: UNAUTHENTICATED,
    e.PermissionDenied: FORBIDDEN,
    e.NotFound: NOT_FOUND,
    e.Conflict: CONFLICT,
    e.Invalid: BAD_USER_INPUT,
    e.PayloadTooLarge: PAYLOAD_TOO_LARGE,
    e.RateLimited: RATE_LIMITED,
    e.StorageUnavailable: SERVICE_UNAVAILABLE,
}

INTERNAL_MESSAGE = "Internal server error"


def code_for(exc: e.DomainError) -> str:
    for cls in type(exc).__mro__:
        if cls in CODES:
            return CODES[cls]  # type: ignore[index]
    return INTERNAL


def extensions_for(exc: e.DomainError) -> dict[str, Any]:
    ext: dict[str, Any] = {"code": code_for(exc)}
    if isinstance(exc, e.Invalid):
        ext["fields"] = exc.fields
    if isinstance(exc, e.RateLimited):
        ext["retryAfter"] = exc.retry_after
    return ext


def client_error(error: GraphQLError, request_id: str | None = None) -> GraphQLError:
    """The error as a client may see it: coded, and with nothing internal left in it."""
    original = error.original_error
    if original is None:
        # Raised by graphql-core itself (syntax, validation, variable coercion): safe to show.
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions={**(error.extensions or {}), "code": BAD_USER_INPUT},
        )
    if isinstance(original, GraphQLError):
        return client_error(original, request_id)
    if isinstance(original, e.DomainError):
        return GraphQLError(
            original.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions=extensions_for(original),
        )
    log.error(
        "unexpected error request_id=%s path=%s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return GraphQLError(
        INTERNAL_MESSAGE,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        extensions={"code": INTERNAL},
    )


class ErrorCodes(SchemaExtension):
    """Shaped like Strawberry's MaskErrors: after the operation, rewrite every error."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            context = self.execution_context.context
            request = getattr(context, "request", None)
            request_id = getattr(getattr(request, "state", None), "request_id", None)
            result.errors = [client_error(err, request_id) for err in errors]
