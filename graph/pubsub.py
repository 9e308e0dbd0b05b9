"""In-process fan-out of PostgreSQL notifications: ONE dedicated LISTEN connection per process.

Writers publish with `pg_notify` inside their transaction (graph/live.py), so PostgreSQL delivers
a notification only after commit, in commit order, to every listening process. This module
owns the listening side:

- `PubSub.start()` runs a supervisor task holding one asyncpg connection (never from the app's
  pool: a pooled connection would be reset and reused). A dropped connection is noticed at once
  (termination listener) or by a periodic keepalive, and re-established with capped exponential
  backoff; the server keeps serving HTTP meanwhile.
- Todo events go to the subscribers of the todo's owner, each with a BOUNDED queue. A subscriber
  whose queue is full is dropped (its `on_drop` runs, the queue is emptied and ends): a slow client
  can never make the server buffer without bound.
- Notifications sent while the listener was disconnected are lost, so after a reconnect every
  subscriber and session watcher that lived across the gap is ended (`INTERRUPTED`): clients
  reconnect, re-authenticate and refetch instead of silently missing events or revocations.

Nothing here knows GraphQL: subscribers receive the decoded notification payloads (dicts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import orjson

from graph.db import parse_database_url

log = logging.getLogger(__name__)

TODO_CHANNEL = "todo_events"
SESSION_CHANNEL = "session_revoked"

# Why a subscriber or watcher was ended (passed to its callback; graph/live.py maps them to close codes).
OVERFLOW = "overflow"
INTERRUPTED = "interrupted"
REVOKED = "revoked"

_END = object()  # queue sentinel: the subscription is over


class Subscriber:
    """One subscription's bounded queue of payloads; iterate it with `events()`."""

    def __init__(self, pubsub: PubSub, user_id: str, maxsize: int, on_drop: Callable[[str], None] | None):
        self.user_id = user_id
        self._pubsub = pubsub
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize + 1)  # +1: room for the sentinel
        self._maxsize = maxsize
        self._on_drop = on_drop
        self.dropped: str | None = None

    def offer(self, payload: dict[str, Any]) -> None:
        if self.dropped is not None:
            return
        if self._queue.qsize() >= self._maxsize:
            self.drop(OVERFLOW)
            return
        self._queue.put_nowait(payload)

    def drop(self, reason: str) -> None:
        """End this subscription: no more payloads; what is queued is discarded."""
        if self.dropped is not None:
            return
        self.dropped = reason
        self._pubsub._remove(self)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_END)
        if self._on_drop is not None:
            self._on_drop(reason)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Payloads in commit order until the subscription is dropped (then it just ends)."""
        while True:
            item = await self._queue.get()
            if item is _END:
                return
            assert isinstance(item, dict)
            yield item


class PubSub:
    """The process's LISTEN connection and its subscriber registry (see the module docstring)."""

    def __init__(
        self,
        database_url: str,
        *,
        queue_size: int = 256,
        keepalive_seconds: float = 15.0,
        backoff_max_seconds: float = 5.0,
    ) -> None:
        self._params = parse_database_url(database_url)
        self.queue_size = queue_size
        self._keepalive = keepalive_seconds
        self._backoff_max = backoff_max_seconds
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._watchers: dict[str, set[Callable[[str], None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        # How many times a LISTEN connection was established; > 1 means there was a gap.
        self.connections = 0

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening in the background; returns at once (the database may still be down)."""
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name="pubsub-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for subscriber in [s for subs in self._subscribers.values() for s in subs]:
            subscriber.drop(INTERRUPTED)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        """Return once the LISTEN connection is up (callers bound the wait themselves)."""
        await self._connected.wait()

    async def _connect(self) -> Any:  # asyncpg.Connection, untyped generics in the stubs
        p = self._params
        con = await asyncpg.connect(
            host=p.host,
            port=p.port,
            user=p.user,
            password=p.password or None,
            database=p.database,
            timeout=5,
            # Named so operators (and tests) can find the listener in pg_stat_activity.
            server_settings={"application_name": "graph-api-listener"},
        )
        try:
            await con.add_listener(TODO_CHANNEL, self._on_todo)
            await con.add_listener(SESSION_CHANNEL, self._on_sessions)
        except BaseException:
            await con.close()
            raise
        return con

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            try:
                con = await self._connect()
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                attempt += 1
                delay = min(self._backoff_max, 0.1 * 2**attempt) * (0.5 + random.random() / 2)
                log.warning("listener connect failed attempt=%d retry_in=%.2fs error=%s", attempt, delay, exc)
                await asyncio.sleep(delay)
                continue
            attempt = 0
            self.connections += 1
            if self.connections > 1:
                # Anything published while we were away is lost: end the streams that spanned it.
                log.warning("listener reconnected; ending live streams that spanned the gap")
                self._interrupt_all()
            lost = asyncio.Event()
            con.add_termination_listener(lambda _con, lost=lost: lost.set())
            self._connected.set()
            log.info("listening channels=%s,%s", TODO_CHANNEL, SESSION_CHANNEL)
            try:
                await self._hold(con, lost)
            finally:
                self._connected.clear()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(con.close(), 2)
            log.warning("listener connection lost; reconnecting")

    async def _hold(self, con: Any, lost: asyncio.Event) -> None:
        """Return when the connection is gone: terminated, or silent to a keepalive probe."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self._keepalive)
                return
            try:
                await con.fetchval("SELECT 1", timeout=5)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                return

    def _interrupt_all(self) -> None:
        for subscriber in [s for subs in self._subscribers.values() for s in subs]:
            subscriber.drop(INTERRUPTED)
        watchers = [w for ws in self._watchers.values() for w in ws]
        self._watchers.clear()
        for watcher in watchers:
            watcher(INTERRUPTED)

    # --- fan-out -----------------------------------------------------------------------------

    def _on_todo(self, _con: object, _pid: int, _channel: str, raw: object) -> None:
        try:
            payload = orjson.loads(raw)  # type: ignore[arg-type]  # asyncpg passes the payload as str
            subscribers = self._subscribers.get(payload["user_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.error("malformed todo notification ignored")
            return
        for subscriber in list(subscribers or ()):
            subscriber.offer(payload)

    def _on_sessions(self, _con: object, _pid: int, _channel: str, raw: object) -> None:
        try:
            session_ids = orjson.loads(raw)  # type: ignore[arg-type]  # asyncpg passes the payload as str
        except orjson.JSONDecodeError:
            log.error("malformed session notification ignored")
            return
        for session_id in session_ids:
            for watcher in self._watchers.pop(session_id, ()):
                watcher(REVOKED)

    # --- registration ------------------------------------------------------------------------

    def subscribe(self, user_id: str, on_drop: Callable[[str], None] | None = None) -> Subscriber:
        """Register a subscriber for `user_id`'s todo events; `unsubscribe` (or a drop) ends it."""
        subscriber = Subscriber(self, user_id, self.queue_size, on_drop)
        self._subscribers.setdefault(user_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._remove(subscriber)

    def _remove(self, subscriber: Subscriber) -> None:
        subs = self._subscribers.get(subscriber.user_id)
        if subs is not None:
            subs.discard(subscriber)
            if not subs:
                del self._subscribers[subscriber.user_id]

    def watch_session(self, session_id: str, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call `callback(REVOKED)` once when the session is revoked (or `INTERRUPTED` after a
        listener gap). Returns the function that stops watching."""
        self._watchers.setdefault(session_id, set()).add(callback)

        def unwatch() -> None:
            watchers = self._watchers.get(session_id)
            if watchers is not None:
                watchers.discard(callback)
                if not watchers:
                    del self._watchers[session_id]

        return unwatch

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
