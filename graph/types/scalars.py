"""Shared scalars and enums."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition


@strawberry.enum(description="What a user may do: users see their own data, admins read everything.")
class Role(Enum):
    USER = "user"
    ADMIN = "admin"


def serialize_datetime(value: object) -> str:
    """UTC, always with microseconds: `2025-01-01T08:30:00.000000Z`.

    One fixed form, so PostgreSQL can produce the same text
    (`to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`) when a read is answered
    by a single SQL statement: both paths' responses must be identical.
    """
    if not isinstance(value, dt.datetime):
        raise TypeError(f"DateTime cannot represent {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f"DateTime must be an ISO 8601 string, got {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise StrawberryInputCoercionError(f"DateTime cannot represent {value!r}") from None
    if parsed.tzinfo is None:
        raise StrawberryInputCoercionError(f"DateTime {value!r} must include a timezone")
    return parsed


DATETIME = ScalarDefinition(
    name="DateTime",
    description="ISO 8601 date and time with timezone; the server answers in UTC with microseconds.",
    specified_by_url=None,
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=None,
    origin=dt.datetime,
)

SCALARS: dict[object, ScalarDefinition] = {dt.datetime: DATETIME}
