"""Row factories: write rows with plain SQL through the `db` fixture, return them as dicts.

Every factory returns the inserted row (RETURNING *), so tests can compare against real values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graph.auth.tokens import new_token, token_hash
from graph.db import Database
from models.ids import new_id


async def _insert(db: Database, table: str, values: dict[str, Any]) -> dict[str, Any]:
    columns = ", ".join(f'"{c}"' for c in values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await db.fetchrow(
        f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders}) RETURNING *', *values.values()
    )
    assert row is not None
    return dict(row)


async def make_user(
    db: Database,
    *,
    email: str | None = None,
    name: str = "Ada",
    role: str = "user",
    email_verified: bool = False,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    user_id = new_id()
    now = created_at or datetime.now(UTC)
    return await _insert(
        db,
        "user",
        {
            "id": user_id,
            "name": name,
            "email": (email or f"{user_id}@example.com").lower(),
            "email_verified": email_verified,
            "role": role,
            "created_at": now,
            "updated_at": now,
        },
    )


async def make_session(db: Database, user_id: str, *, expires_in: timedelta = timedelta(days=7)) -> str:
    """A session for `user_id`; returns the bearer token (only its SHA-256 is stored)."""
    token = new_token()
    await _insert(
        db,
        "session",
        {
            "id": new_id(),
            "token": token_hash(token),
            "expires_at": datetime.now(UTC) + expires_in,
            "user_id": user_id,
        },
    )
    return token


async def make_todo(
    db: Database,
    user_id: str,
    *,
    title: str = "Buy milk",
    completed: bool = False,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    now = created_at or datetime.now(UTC)
    return await _insert(
        db,
        "todos",
        {
            "id": new_id(),
            "title": title,
            "completed": completed,
            "user_id": user_id,
            "created_at": now,
            "updated_at": now,
        },
    )


async def make_file(
    db: Database,
    user_id: str,
    *,
    name: str = "report.pdf",
    mime_type: str = "application/pdf",
    size: int = 1024,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    file_id = new_id()
    now = created_at or datetime.now(UTC)
    return await _insert(
        db,
        "files",
        {
            "id": file_id,
            "name": name,
            "original_name": name,
            "mime_type": mime_type,
            "size": size,
            "path": f"{user_id}/{file_id}/{name}",
            "user_id": user_id,
            "created_at": now,
            "updated_at": now,
        },
    )
