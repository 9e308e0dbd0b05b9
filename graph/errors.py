"""The one table from failure to `extensions.code`, and the extension that applies it.

Domain code raises `models.errors` exceptions with client-safe messages; this module is the only
place that assigns codes. Anything unexpected becomes INTERNAL with a generic message, and its
traceback is logged once, here, with the request id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import asyncpg
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
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable, try again shortly"
PERSISTED_QUERY_NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # what Apollo clients look for

# The database went away (restart, failover, network): the request fails fast with a clear
# code, and the pool reconnects on its own once PostgreSQL is back.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash shutdown
    asyncpg.exceptions.TooManyConnectionsError,
)

# Driver errors that are the client's mistake, not ours; a safety net behind each area's own checks.
# Messages stay generic: constraint and column names are internal.
DRIVER_CODES: dict[type[BaseException], tuple[str, str]] = {
    asyncpg.UniqueViolationError: (CONFLICT, "Already exists"),
    asyncpg.ForeignKeyViolationError: (BAD_USER_INPUT, "Refers to a record that does not exist"),
    asyncpg.CharacterNotInRepertoireError: (BAD_USER_INPUT, "Text contains characters that cannot be stored"),
    asyncpg.UntranslatableCharacterError: (BAD_USER_INPUT, "Text contains characters that cannot be stored"),
}

_TOO_MANY_TOKENS = re.compile(r"Document contains more than \d+ tokens")
_SUGGESTION = re.compile(r" ?Did you mean .*\?$")


def _raised_in_asyncpg(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg"):
            return True
        tb = tb.tb_next
    return False


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) means PostgreSQL could not be reached.

    Besides the driver's connection errors, any OSError raised inside asyncpg counts (a missing
    unix socket is FileNotFoundError, an unknown host socket.gaierror); OSErrors from anywhere
    else (local files) do not.
    """
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if isinstance(current, UNAVAILABLE_ERRORS):
            return True
        if isinstance(current, OSError) and _raised_in_asyncpg(current):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A GraphQL-shaped body for failures outside execution (transport, limits, outages)."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


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


def _recoded(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, extensions=extensions
    )


def client_error(
    error: GraphQLError, request_id: str | None = None, *, suggestions: bool = True
) -> GraphQLError:
    """The error as a client may see it: coded, and with nothing internal left in it.

    Idempotent (an already coded graphql-core error passes through), so it can run both in the
    schema extension and on the HTTP result. `suggestions=False` drops graphql-core's "Did you
    mean ...?" hints, which would otherwise reveal the schema when introspection is off.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError) and original.original_error is None:
        source = error if original is None else original
        # Raised by graphql-core itself (syntax, validation, variable coercion): safe to show.
        message = source.message if suggestions else _SUGGESTION.sub("", source.message)
        extensions = dict(source.extensions or {})
        if "code" not in extensions:
            too_big = _TOO_MANY_TOKENS.search(message) is not None
            extensions["code"] = QUERY_TOO_COMPLEX if too_big else BAD_USER_INPUT
        elif message == source.message and source is error:
            return error
        log.info("request refused request_id=%s code=%s: %s", request_id, extensions["code"], message)
        return _recoded(error, message, extensions)
    if isinstance(original, GraphQLError):
        return client_error(original, request_id, suggestions=suggestions)
    if isinstance(original, e.DomainError):
        extensions = extensions_for(original)
        log.info("request failed request_id=%s code=%s path=%s", request_id, extensions["code"], error.path)
        return _recoded(error, original.message, extensions)
    for cls in type(original).__mro__:
        if cls in DRIVER_CODES:
            code, message = DRIVER_CODES[cls]
            log.info(
                "request failed request_id=%s code=%s path=%s: %s", request_id, code, error.path, cls.__name__
            )
            return _recoded(error, message, {"code": code})
    if database_unavailable(original):
        log.warning(
            "database unavailable request_id=%s path=%s: %s", request_id, error.path, type(original).__name__
        )
        return _recoded(error, DATABASE_UNAVAILABLE_MESSAGE, {"code": SERVICE_UNAVAILABLE})
    log.error(
        "unexpected error request_id=%s path=%s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _recoded(error, INTERNAL_MESSAGE, {"code": INTERNAL})


def request_id_of(context: object) -> str | None:
    request = getattr(context, "request", None)
    return getattr(getattr(request, "state", None), "request_id", None)


def suggestions_allowed(context: object) -> bool:
    settings = getattr(context, "settings", None)
    return bool(getattr(settings, "introspection_enabled", True))


class ErrorCodes(SchemaExtension):
    """Shaped like Strawberry's MaskErrors: after the operation, rewrite every error."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            context = self.execution_context.context
            request_id, suggestions = request_id_of(context), suggestions_allowed(context)
            result.errors = [client_error(err, request_id, suggestions=suggestions) for err in errors]
