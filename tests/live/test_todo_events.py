"""Subscription.todoEvents end to end: subscribe on one server process, mutate on another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from graph.db import Database
from graph.live import notify_todo
from graph.sql.cursor import global_id
from tests.factories import make_session, make_todo, make_user
from tests.graphql import gql
from tests.live.conftest import live_client, session_id_of
from tests.servers import Server

CREATE = "mutation($t: String!) { createTodo(input: {title: $t}) { id title completed createdAt updatedAt } }"
UPDATE = (
    "mutation($id: ID!) { updateTodo(id: $id, input: {completed: true}) { id title completed updatedAt } }"
)
DELETE = "mutation($id: ID!) { deleteTodo(id: $id) }"
CREATE_MANY = "mutation($in: [CreateTodoInput!]!) { createTodos(input: $in) { id } }"


@pytest.fixture
async def other(servers: list[Server], db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP to the second process (the subscriptions are on the first)."""
    async with httpx.AsyncClient(base_url=servers[1].http) as client:
        yield client


async def _user(db: Database, **session: Any) -> tuple[str, str]:
    user = await make_user(db)
    return user["id"], await make_session(db, user["id"], **session)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_events_from_another_process_arrive_in_commit_order(
    servers: list[Server], db: Database, other: httpx.AsyncClient
) -> None:
    _, token = await _user(db)
    async with live_client(servers[0].ws) as live:
        assert (await live.init(_bearer(token)))["type"] == "connection_ack"
        await live.subscribe()
        created = (await gql(other, CREATE, {"t": "Buy milk"}, token=token))["data"]["createTodo"]
        updated = (await gql(other, UPDATE, {"id": created["id"]}, token=token))["data"]["updateTodo"]
        deleted = (await gql(other, DELETE, {"id": created["id"]}, token=token))["data"]["deleteTodo"]

        assert await live.event() == {"kind": "CREATED", "id": created["id"], "todo": created}
        event = await live.event()
        assert event["kind"] == "UPDATED" and event["id"] == created["id"]
        assert event["todo"] == {**created, **updated}
        assert await live.event() == {"kind": "DELETED", "id": deleted, "todo": None}


async def test_another_users_subscriber_receives_nothing(
    servers: list[Server], db: Database, other: httpx.AsyncClient
) -> None:
    _, mine = await _user(db)
    _, theirs = await _user(db)
    async with live_client(servers[0].ws) as live:
        await live.init(_bearer(mine))
        await live.subscribe()
        await gql(other, CREATE, {"t": "their secret"}, token=theirs)
        # Barrier: my own later event arrives first, so theirs was never sent to me.
        own = (await gql(other, CREATE, {"t": "mine"}, token=mine))["data"]["createTodo"]
        event = await live.event()
        assert (event["kind"], event["id"]) == ("CREATED", own["id"])


async def test_a_rejected_batch_emits_nothing(
    servers: list[Server], db: Database, other: httpx.AsyncClient
) -> None:
    _, token = await _user(db)
    async with live_client(servers[0].ws) as live:
        await live.init(_bearer(token))
        await live.subscribe()
        rejected = await gql(other, CREATE_MANY, {"in": [{"title": "fine"}, {"title": "   "}]}, token=token)
        assert rejected["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        after = (await gql(other, CREATE, {"t": "after"}, token=token))["data"]["createTodo"]
        assert (await live.event())["id"] == after["id"]


async def test_a_rolled_back_transaction_emits_nothing(servers: list[Server], db: Database) -> None:
    user_id, token = await _user(db)
    async with live_client(servers[0].ws) as live:
        await live.init(_bearer(token))
        await live.subscribe()
        doomed = await make_todo(db, user_id, title="doomed")
        with pytest.raises(RuntimeError):
            async with db.transaction() as con:
                await notify_todo(con, "UPDATED", user_id, doomed["id"], doomed)
                raise RuntimeError("the writer failed after notifying")
        kept = await make_todo(db, user_id, title="kept")
        async with db.transaction() as con:
            await notify_todo(con, "CREATED", user_id, kept["id"], kept)
        event = await live.event()
        assert (event["id"], event["todo"]["title"]) == (global_id("Todo", kept["id"]), "kept")


async def test_signing_out_closes_that_sessions_subscription_with_4403(
    servers: list[Server], db: Database, other: httpx.AsyncClient
) -> None:
    _, token = await _user(db)
    async with live_client(servers[0].ws) as live:
        await live.init(_bearer(token))
        await live.subscribe()
        assert (await gql(other, "mutation { signOut }", token=token))["data"] == {"signOut": True}
        assert await live.closed() == (4403, "Session revoked")


async def test_revoking_another_session_leaves_this_one_open(
    servers: list[Server], db: Database, other: httpx.AsyncClient
) -> None:
    user_id, token = await _user(db)
    second = await make_session(db, user_id)
    async with live_client(servers[0].ws) as live:
        await live.init(_bearer(token))
        await live.subscribe()
        revoke = "mutation($id: ID!) { revokeSession(id: $id) }"
        second_id = global_id("Session", await session_id_of(db, second))
        assert (await gql(other, revoke, {"id": second_id}, token=token))["data"] == {"revokeSession": True}
        own = (await gql(other, CREATE, {"t": "still here"}, token=token))["data"]["createTodo"]
        assert (await live.event())["id"] == own["id"]


@pytest.mark.parametrize(
    "payload",
    [{}, {"Authorization": "Bearer not-a-real-token"}, {"authorization": "Basic abc"}, {"Authorization": 42}],
)
async def test_a_connection_without_a_valid_session_is_refused_with_4401(
    servers: list[Server], db: Database, payload: dict[str, Any]
) -> None:
    async with live_client(servers[0].ws) as live:
        await live.send({"type": "connection_init", "payload": payload})
        code, reason = await live.closed()
        assert code == 4401 and reason.startswith("Unauthenticated")


async def test_an_expired_session_is_refused_with_4401(servers: list[Server], db: Database) -> None:
    _, token = await _user(db, expires_in=timedelta(seconds=-1))
    async with live_client(servers[0].ws) as live:
        await live.send({"type": "connection_init", "payload": _bearer(token)})
        assert (await live.closed())[0] == 4401


async def test_a_session_expiring_while_connected_closes_with_4401(
    servers: list[Server], db: Database
) -> None:
    _, token = await _user(db, expires_in=timedelta(seconds=1))
    async with live_client(servers[0].ws) as live:
        assert (await live.init(_bearer(token)))["type"] == "connection_ack"
        await live.subscribe()
        assert await live.closed() == (4401, "Unauthenticated: session expired")


@pytest.mark.parametrize("how", ["cookie", "lower-case key", "upgrade header"])
async def test_cookie_header_and_any_letter_case_authenticate(
    servers: list[Server], db: Database, other: httpx.AsyncClient, how: str
) -> None:
    _, token = await _user(db)
    headers = {"cookie": f"session_token={token}"} if how == "cookie" else None
    payload: dict[str, Any] = {"aUtHoRiZaTiOn": f"bearer {token}"} if how == "lower-case key" else {}
    if how == "upgrade header":
        headers = _bearer(token)
    async with live_client(servers[0].ws, headers=headers) as live:
        assert (await live.init(payload))["type"] == "connection_ack"
        await live.subscribe()
        own = (await gql(other, CREATE, {"t": how}, token=token))["data"]["createTodo"]
        event = await live.event()
        assert (event["id"], event["todo"]["title"]) == (own["id"], how)


async def test_a_subscription_on_an_unacknowledged_connection_is_refused(
    servers: list[Server], db: Database
) -> None:
    async with live_client(servers[0].ws) as live:
        await live.send(
            {"id": "1", "type": "subscribe", "payload": {"query": "subscription { todoEvents { id } }"}}
        )
        assert (await live.closed())[0] == 4401
