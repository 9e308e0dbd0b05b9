"""Live updates: publishing todo events and session revocations, and the WebSocket connections
that receive them.

Publishing: `notify_todo` / `notify_sessions_revoked` run `pg_notify` on the writer's
transaction, so PostgreSQL sends the notification only if that transaction commits, in commit
order, to every server process that LISTENs (graph/pubsub.py). A payload must stay under
PostgreSQL's 8000-byte NOTIFY limit: a todo row is small (titles are at most 255 characters), so
it travels whole and subscribers get the todo exactly as committed without another query.

Receiving (graphql-transport-ws on /graphql): `LiveTransportWSHandler` authenticates the
connection in `connection_init` and keeps it honest for its whole life. Close codes:

- 4401 unauthenticated: no valid session at `connection_init` (neither an `Authorization: Bearer
  <token>` entry, any letter case, in the payload, nor the session cookie on the upgrade), or the
  session expired while connected.
- 4403 the session was revoked (sign-out, password reset, revokeSession) while connected.
- 1013 try again later: the client read too slowly and its bounded queue overflowed, or the
  server's listening connection dropped and events may have been missed. Reconnect and refetch.

A `pong` is sent only once every subscription requested before the `ping` is registered and the
process is listening, so a client can use ping/pong as a "subscriptions are live" barrier.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    PingMessage,
    SubscribeMessage,
)

from graph.auth.backend import authenticate
from graph.auth.tokens import token_from_headers
from graph.auth.viewer import Viewer
from graph.context import Context
from graph.pubsub import INTERRUPTED, OVERFLOW, REVOKED, SESSION_CHANNEL, TODO_CHANNEL, PubSub, Subscriber
from models.errors import Unauthenticated

log = logging.getLogger(__name__)

__all__ = [
    "SESSION_CHANNEL",
    "TODO_CHANNEL",
    "LiveConnection",
    "LiveTransportWSHandler",
    "live_connection",
    "notify_sessions_revoked",
    "notify_todo",
]

CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403
CLOSE_TRY_AGAIN = 1013

# Close reasons must fit a WebSocket close frame (123 bytes).
REASONS = {
    OVERFLOW: (CLOSE_TRY_AGAIN, "Too slow: event queue overflowed; reconnect and refetch"),
    INTERRUPTED: (CLOSE_TRY_AGAIN, "Live updates interrupted; reconnect and refetch"),
    REVOKED: (CLOSE_REVOKED, "Session revoked"),
}
UNAUTHENTICATED_REASON = "Unauthenticated: no valid session (Authorization: Bearer <token> or cookie)"
EXPIRED_REASON = "Unauthenticated: session expired"

# How long a ping may wait for subscriptions to register before it is answered anyway.
PING_SETTLE_SECONDS = 5.0

# How soon an expiry check that could not reach the database is retried.
EXPIRY_RETRY = timedelta(seconds=10)

# The session's current expiry (sessions slide, so it may have moved since connection_init).
SESSION_EXPIRY_SQL = 'SELECT expires_at FROM "session" WHERE id = $1'


async def notify_todo(
    con: Any, kind: str, user_id: str, todo_id: str, todo: Mapping[str, Any] | None
) -> None:
    """Queue a todo event (kind CREATED/UPDATED/DELETED) on the transaction `con` runs.

    `todo` is the committed row (column names as in the `todos` table), None for DELETED.
    Subscribers receive it only if the transaction commits, in commit order."""
    payload = {"kind": kind, "user_id": user_id, "id": todo_id, "todo": None if todo is None else dict(todo)}
    await con.execute("SELECT pg_notify($1, $2)", TODO_CHANNEL, orjson.dumps(payload, default=str).decode())


async def notify_sessions_revoked(con: Any, session_ids: list[str]) -> None:
    """Tell every process that these sessions are gone (their subscriptions close with 4403)."""
    if session_ids:
        await con.execute("SELECT pg_notify($1, $2)", SESSION_CHANNEL, orjson.dumps(session_ids).decode())


def pubsub_of(context: Context) -> PubSub:
    pubsub = context.services.extra.get("pubsub")
    if not isinstance(pubsub, PubSub):
        raise RuntimeError("live updates are not started (services.extra['pubsub'])")
    return pubsub


class LiveConnection:
    """One authenticated WebSocket connection: its viewer, its subscribers, and the watches that
    close it when the session is revoked or expires."""

    def __init__(self, handler: LiveTransportWSHandler, viewer: Viewer, pubsub: PubSub) -> None:
        self.viewer = viewer
        self.pubsub = pubsub
        self.subscribers: set[Subscriber] = set()
        # Set whenever a subscriber or an operation comes or goes (the ping barrier waits on it).
        self.changed = asyncio.Event()
        self._handler = handler
        self._closing = False
        self._unwatch = pubsub.watch_session(viewer.session_id, self._on_ended)
        self._expiry = asyncio.create_task(self._close_on_expiry(), name="live-session-expiry")

    def subscribe(self) -> Subscriber:
        subscriber = self.pubsub.subscribe(self.viewer.user_id, on_drop=self._on_ended)
        self.subscribers.add(subscriber)
        self.changed.set()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.pubsub.unsubscribe(subscriber)
        self.subscribers.discard(subscriber)
        self.changed.set()

    def _on_ended(self, why: str) -> None:
        code, reason = REASONS[why]
        self.close(code, reason)

    def close(self, code: int, reason: str) -> None:
        """Close the WebSocket (once); safe to call from any callback."""
        if self._closing:
            return
        self._closing = True
        log.info("closing live connection code=%d session=%s", code, self.viewer.session_id)
        task = asyncio.create_task(self._close(code, reason))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _close(self, code: int, reason: str) -> None:
        # Already closed by the client or by the protocol handler: nothing left to do.
        with contextlib.suppress(Exception):
            await self._handler.websocket.close(code=code, reason=reason)

    async def _close_on_expiry(self) -> None:
        expires_at = self.viewer.session_expires_at
        db = self._handler.context.db
        while True:
            await asyncio.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()))
            # The session may have slid forward (or been deleted) since we last looked.
            try:
                current = await db.fetchval(SESSION_EXPIRY_SQL, self.viewer.session_id)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                # Database unreachable: keep the connection and look again shortly.
                log.warning("session expiry check failed session=%s", self.viewer.session_id, exc_info=True)
                expires_at = datetime.now(UTC) + EXPIRY_RETRY
                continue
            if current is None or current <= datetime.now(UTC):
                self.close(CLOSE_UNAUTHENTICATED, EXPIRED_REASON)
                return
            expires_at = current

    async def release(self) -> None:
        self._closing = True
        self._unwatch()
        for subscriber in list(self.subscribers):
            self.unsubscribe(subscriber)
        self._expiry.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._expiry


def live_connection(context: Context) -> LiveConnection:
    """The authenticated live connection a subscription runs on (UNAUTHENTICATED otherwise)."""
    found = context.loader(LiveConnection, lambda: None)
    if found is None:
        raise Unauthenticated()
    return found


def _init_token(payload: Mapping[str, object]) -> tuple[bool, str | None]:
    """(present, token) from a connection_init payload's `Authorization` entry, any letter case."""
    for key, value in payload.items():
        if key.lower() == "authorization":
            token, _ = token_from_headers(value if isinstance(value, str) else "invalid", None)
            return True, token
    return False, None


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with authentication, revocation/expiry closes and a ping barrier."""

    live: LiveConnection | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload", {})
        if self.connection_init_received or self.connection_timed_out or not isinstance(payload, dict):
            # Protocol errors (duplicate init, late init, bad payload) are the base class's job.
            await super().handle_connection_init(message)
            return
        viewer = await self._authenticate(payload)
        if viewer is None:
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            self.connection_init_received = True
            await self.websocket.close(code=CLOSE_UNAUTHENTICATED, reason=UNAUTHENTICATED_REASON)
            return
        self.context.viewer = viewer
        self.live = LiveConnection(self, viewer, pubsub_of(self.context))
        live = self.live
        self.context.loader(LiveConnection, lambda: live)
        await super().handle_connection_init(message)

    async def _authenticate(self, payload: Mapping[str, object]) -> Viewer | None:
        present, token = _init_token(payload)
        if not present:
            # No entry in the payload: the cookie (or header) on the upgrade request decides.
            return self.context.viewer
        if token is None:
            return None
        return await authenticate(self.context.db, token, self.context.settings)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        await super().handle_subscribe(message)
        operation = self.operations.get(message["id"])
        if self.live is not None and operation is not None and operation.task is not None:
            live = self.live
            operation.task.add_done_callback(lambda _t: live.changed.set())

    async def handle_ping(self, message: PingMessage) -> None:
        if self.live is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settle(self.live), PING_SETTLE_SECONDS)
        await super().handle_ping(message)

    async def _settle(self, live: LiveConnection) -> None:
        """Return once every running operation is a registered subscriber and we are listening."""
        while True:
            running = sum(1 for op in self.operations.values() if op.task is not None and not op.task.done())
            if len(live.subscribers) >= running:
                break
            live.changed.clear()
            await live.changed.wait()
        await live.pubsub.wait_connected()

    async def send_message(self, message: Message) -> None:
        # The view's orjson encoder yields bytes, which the base adapter sends as BINARY frames;
        # graphql-ws clients (browsers) parse only text frames.
        websocket = self.context.request
        assert isinstance(websocket, WebSocket)
        try:
            await websocket.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def shutdown(self) -> None:
        await super().shutdown()
        if self.live is not None:
            await self.live.release()
