"""The process's listener and fan-out, driven by real notifications from committed transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from graph.db import Database
from graph.live import notify_sessions_revoked, notify_todo
from graph.pubsub import INTERRUPTED, OVERFLOW, REVOKED, PubSub
from tests.factories import make_todo, make_user


@pytest.fixture
async def pubsub(database_url: str) -> AsyncIterator[PubSub]:
    ps = PubSub(database_url, queue_size=2, backoff_max_seconds=0.5)
    await ps.start()
    await ps.wait_connected()
    yield ps
    await ps.stop()


async def _created(db: Database, user_id: str, title: str) -> dict[str, Any]:
    todo = await make_todo(db, user_id, title=title)
    async with db.transaction() as con:
        await notify_todo(con, "CREATED", user_id, todo["id"], todo)
    return todo


async def _next(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    return await anext(events)


async def test_a_full_queue_drops_the_subscriber_instead_of_buffering(db: Database, pubsub: PubSub) -> None:
    user = await make_user(db)
    dropped: list[str] = []
    slow = pubsub.subscribe(user["id"], on_drop=dropped.append)
    fast = pubsub.subscribe(user["id"])
    fast_events = fast.events()
    titles = []
    for n in range(3):
        await _created(db, user["id"], f"todo {n}")
        # The fast reader got event n, so fan-out to the slow one happened too (same callback).
        titles.append((await _next(fast_events))["todo"]["title"])
    assert titles == ["todo 0", "todo 1", "todo 2"]
    assert dropped == [OVERFLOW]
    assert slow.dropped == OVERFLOW
    # What was queued is discarded and the stream simply ends.
    assert [e async for e in slow.events()] == []
    assert pubsub.subscriber_count == 1


async def test_rolled_back_notifications_are_never_delivered(db: Database, pubsub: PubSub) -> None:
    user = await make_user(db)
    events = pubsub.subscribe(user["id"]).events()
    with pytest.raises(RuntimeError):
        async with db.transaction() as con:
            await notify_todo(con, "DELETED", user["id"], "rolled-back", None)
            raise RuntimeError("abort")
    kept = await _created(db, user["id"], "committed")
    event = await _next(events)
    assert (event["kind"], event["id"], event["todo"]["title"]) == ("CREATED", kept["id"], "committed")


async def test_session_watchers_hear_revocations_once(db: Database, pubsub: PubSub) -> None:
    heard: list[tuple[str, str]] = []
    pubsub.watch_session("s1", lambda why: heard.append(("s1", why)))
    unwatch = pubsub.watch_session("s2", lambda why: heard.append(("s2", why)))
    unwatch()
    user = await make_user(db)
    barrier = pubsub.subscribe(user["id"]).events()
    async with db.transaction() as con:
        await notify_sessions_revoked(con, ["s1", "s2"])
    async with db.transaction() as con:
        await notify_sessions_revoked(con, ["s1"])
    await _created(db, user["id"], "barrier")  # delivered after both revocations
    await _next(barrier)
    assert heard == [("s1", REVOKED)]


async def test_a_dropped_listener_reconnects_and_ends_streams_that_spanned_the_gap(
    db: Database, pubsub: PubSub
) -> None:
    user = await make_user(db)
    before = pubsub.subscribe(user["id"])
    watched: list[str] = []
    pubsub.watch_session("s1", watched.append)
    terminated = await db.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'graph-api-listener' AND datname = current_database()"
    )
    assert terminated >= 1
    # The stream that lived across the gap ends (it may have missed events) ...
    assert [e async for e in before.events()] == []
    assert before.dropped == INTERRUPTED
    assert watched == [INTERRUPTED]
    # ... and the reconnected listener delivers to new subscribers.
    await pubsub.wait_connected()
    events = pubsub.subscribe(user["id"]).events()
    todo = await _created(db, user["id"], "after reconnect")
    assert (await _next(events))["id"] == todo["id"]
