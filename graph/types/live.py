"""Live updates: `Subscription.todoEvents` (graphql-transport-ws; see graph/live.py for the
connection's authentication and close codes)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from graph.context import Info
from graph.live import live_connection
from graph.sql.cursor import global_id
from graph.types.todo import Todo


@strawberry.enum(description="What happened to a todo.")
class TodoEventKind(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"


@strawberry.type(description="A committed change to one of the viewer's todos.")
class TodoEvent:
    kind: TodoEventKind
    id: strawberry.ID = strawberry.field(description="The todo's global id (also for DELETED).")
    todo: Todo | None = strawberry.field(description="The todo as the change committed it; null on DELETED.")

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> TodoEvent:
        """Build the event from a notification payload (graph.live.notify_todo: JSON, so the
        row's timestamps arrive as ISO 8601 strings)."""
        row = payload["todo"]
        todo = None
        if row is not None:
            todo = Todo.from_row(
                {
                    **row,
                    "created_at": datetime.fromisoformat(row["created_at"]),
                    "updated_at": datetime.fromisoformat(row["updated_at"]),
                }
            )
        return cls(
            kind=TodoEventKind(payload["kind"]), id=strawberry.ID(global_id("Todo", payload["id"])), todo=todo
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "CREATED, UPDATED and DELETED events for the viewer's own todos, in commit order, from "
            "every server instance; nothing for rolled-back changes. Needs an authenticated "
            "graphql-transport-ws connection (close code 4401 otherwise, 4403 once the session is "
            "revoked, 1013 when the client falls too far behind)."
        )
    )
    async def todo_events(self, info: Info) -> AsyncGenerator[TodoEvent, None]:
        live = live_connection(info.context)
        subscriber = live.subscribe()
        try:
            async for payload in subscriber.events():
                yield TodoEvent.from_payload(payload)
        finally:
            live.unsubscribe(subscriber)
