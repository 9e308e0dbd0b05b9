"""Opaque identifiers: Relay global ids and keyset cursors (pure, no I/O, no GraphQL).

A global id is base64("Type:pk"). A cursor is base64url of JSON [digest, values]: the order
key values of one row plus a digest of the ordering (type, keys, directions), so a cursor
from another ordering or another type is refused instead of silently paging wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from graph.sql.declare import Kind
from graph.types.scalars import serialize_datetime
from models.errors import Invalid


def global_id(type_name: str, pk: str) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def parse_global_id(value: str, field: str = "id") -> tuple[str, str]:
    """(type name, pk) of a global id; BAD_USER_INPUT (Invalid) when it is not one."""
    try:
        type_name, sep, pk = base64.b64decode(value.encode(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        raise Invalid({field: "Not a valid id"}) from None
    if not sep or not type_name or not pk:
        raise Invalid({field: "Not a valid id"})
    return type_name, pk


def pk_of(value: str, type_name: str, field: str = "id") -> str | None:
    """The pk if `value` is a well-formed id of `type_name`; None for a well-formed id of another
    type (which names nothing the caller could reach); Invalid when malformed."""
    found_type, pk = parse_global_id(value, field)
    return pk if found_type == type_name else None


def order_digest(type_name: str, order: tuple[tuple[str, bool], ...]) -> str:
    spec = type_name + "|" + ",".join(f"{name}:{'D' if desc else 'A'}" for name, desc in order)
    return hashlib.sha256(spec.encode()).hexdigest()[:10]


def _jsonable(value: Any) -> Any:
    # The DateTime scalar's fixed form, which SQL reproduces (the compiled path builds cursors too).
    return serialize_datetime(value) if isinstance(value, datetime) else value


def encode_cursor(digest: str, values: list[Any]) -> str:
    raw = orjson.dumps([digest, [_jsonable(v) for v in values]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_DECODE: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: lambda v: v if isinstance(v, str) else None,
    Kind.INT: lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None,
    Kind.FLOAT: lambda v: float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None,
    Kind.TIMESTAMP: lambda v: datetime.fromisoformat(v) if isinstance(v, str) else None,
}


def decode_cursor(cursor: str, digest: str, kinds: list[Kind], field: str) -> list[Any]:
    """The order key values in `cursor`; Invalid unless it was made for this exact ordering."""
    bad = Invalid({field: "Not a valid cursor for this list and ordering"})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        found_digest, values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if found_digest != digest or not isinstance(values, list) or len(values) != len(kinds):
            raise bad
        decoded = [_DECODE[kind](value) for kind, value in zip(kinds, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise bad from None
    if any(v is None for v in decoded):
        raise bad
    return decoded
