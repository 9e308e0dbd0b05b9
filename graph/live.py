"""Live updates: events are published with pg_notify inside the writing transaction, so they
go out only if it commits, in commit order, to every server process that LISTENs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

TODO_CHANNEL = "todo_events"
SESSION_CHANNEL = "session_revoked"


async def notify_todo(
    con: Any, kind: str, user_id: str, todo_id: str, todo: Mapping[str, Any] | None
) -> None:
    """Queue a todo event (kind CREATED/UPDATED/DELETED) on the transaction `con` runs."""
    payload = {"kind": kind, "user_id": user_id, "id": todo_id, "todo": None if todo is None else dict(todo)}
    await con.execute("SELECT pg_notify($1, $2)", TODO_CHANNEL, orjson.dumps(payload, default=str).decode())


async def notify_sessions_revoked(con: Any, session_ids: list[str]) -> None:
    """Tell every process that these sessions are gone (their subscriptions close with 4403)."""
    if session_ids:
        await con.execute("SELECT pg_notify($1, $2)", SESSION_CHANNEL, orjson.dumps(session_ids).decode())
