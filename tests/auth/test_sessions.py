"""Sessions: listing with `current`, expiry, sliding refresh, revocation, and one user never
acting on another's sessions."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from starlette.applications import Starlette

from graph.auth.tokens import COOKIE_NAME, token_hash
from graph.db import Database
from tests.auth.helpers import (
    REVOKE_OTHERS,
    REVOKE_SESSION,
    VIEWER,
    VIEWER_SESSIONS,
    error_code,
    sign_in,
    sign_up,
)
from tests.graphql import gql
from tests.sql import StatementCounter


def session_id(pk: str) -> str:
    return base64.b64encode(f"Session:{pk}".encode()).decode()


async def session_pk(db: Database, token: str) -> str:
    pk: str = await db.fetchval('SELECT id FROM "session" WHERE token = $1', token_hash(token))
    return pk


async def test_viewer_sessions_lists_live_ones_newest_first_with_current(
    client: httpx.AsyncClient, db: Database
) -> None:
    first = (await sign_up(client))["token"]
    second = (await sign_in(client, headers={"User-Agent": "phone/1.0"}))["data"]["signIn"]["token"]
    expired = (await sign_in(client))["data"]["signIn"]["token"]
    await db.execute(
        "UPDATE \"session\" SET expires_at = now() - interval '1 second' WHERE token = $1",
        token_hash(expired),
    )
    result = await gql(client, VIEWER_SESSIONS, token=first)
    sessions = result["data"]["viewer"]["sessions"]
    assert [s["id"] for s in sessions] == [
        session_id(await session_pk(db, second)),
        session_id(await session_pk(db, first)),
    ]
    assert [s["current"] for s in sessions] == [False, True]
    assert sessions[0]["userAgent"] == "phone/1.0"


async def test_session_lookup_is_one_statement(
    client: httpx.AsyncClient, db: Database, sql_counter: StatementCounter
) -> None:
    token = (await sign_up(client))["token"]
    sql_counter.reset()
    await gql(client, "{ __typename }", token=token)
    assert sql_counter.count == 1
    assert "token = $1" in sql_counter.statements[0]


async def test_expired_session_is_anonymous(client: httpx.AsyncClient, db: Database) -> None:
    token = (await sign_up(client))["token"]
    await db.execute("UPDATE \"session\" SET expires_at = now() - interval '1 second'")
    assert (await gql(client, VIEWER, token=token)) == {"data": {"viewer": None}}
    assert error_code(await gql(client, REVOKE_OTHERS, token=token)) == "UNAUTHENTICATED"


async def test_session_slides_when_used_after_the_refresh_interval(
    app: Starlette, client: httpx.AsyncClient, db: Database, sql_counter: StatementCounter
) -> None:
    token = (await sign_up(client))["token"]
    # Used within the refresh interval: nothing is written.
    before = await db.fetchrow('SELECT expires_at, updated_at FROM "session"')
    await gql(client, VIEWER, token=token)
    assert await db.fetchrow('SELECT expires_at, updated_at FROM "session"') == before

    # Last extended two days ago, expiring in one: the next use extends it to a full week again.
    await db.execute(
        "UPDATE \"session\" SET updated_at = now() - interval '2 days', expires_at = now() + interval '1 day'"
    )
    sql_counter.reset()
    response = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["data"]["viewer"] is not None
    # The refresh rides in the lookup: one statement on the compiled path (lookup, refresh and the
    # viewer's row together), two on the resolver path (lookup+refresh, then the user row).
    assert sql_counter.count == (1 if response.headers.get("x-graphql-path") == "compiled" else 2)
    row = await db.fetchrow('SELECT expires_at, updated_at, now() AS now FROM "session"')
    assert row is not None
    assert row["expires_at"] - row["now"] > timedelta(days=6, hours=23)
    assert row["now"] - row["updated_at"] < timedelta(minutes=1)
    # A bearer client gets no cookie; a cookie client gets its cookie renewed with the session.
    assert "set-cookie" not in response.headers
    await db.execute("UPDATE \"session\" SET updated_at = now() - interval '2 days'")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies={COOKIE_NAME: token}
    ) as browser:
        renewed = await browser.post("/graphql", json={"query": VIEWER})
    assert renewed.json()["data"]["viewer"] is not None
    assert renewed.headers["set-cookie"].startswith(f"{COOKIE_NAME}={token};")


async def test_revoke_session_ends_that_session_only(client: httpx.AsyncClient, db: Database) -> None:
    keep = (await sign_up(client))["token"]
    other = (await sign_in(client))["data"]["signIn"]
    result = await gql(client, REVOKE_SESSION, {"id": other["session"]["id"]}, token=keep)
    assert result == {"data": {"revokeSession": True}}
    assert (await gql(client, VIEWER, token=other["token"])) == {"data": {"viewer": None}}
    assert (await gql(client, VIEWER, token=keep))["data"]["viewer"] is not None
    again = await gql(client, REVOKE_SESSION, {"id": other["session"]["id"]}, token=keep)
    assert error_code(again) == "NOT_FOUND"


async def test_one_user_cannot_see_or_revoke_anothers_sessions(
    client: httpx.AsyncClient, db: Database
) -> None:
    ada = await sign_up(client, email="ada@example.com")
    bob = await sign_up(client, email="bob@example.com")
    result = await gql(client, REVOKE_SESSION, {"id": ada["session"]["id"]}, token=bob["token"])
    assert result["data"] is None
    assert error_code(result) == "NOT_FOUND"
    assert (await gql(client, VIEWER, token=ada["token"]))["data"]["viewer"]["email"] == "ada@example.com"
    # A well-formed id of another type, and garbage, name no session either.
    todo_id = base64.b64encode(b"Todo:whatever").decode()
    wrong_type = await gql(client, REVOKE_SESSION, {"id": todo_id}, token=bob["token"])
    assert error_code(wrong_type) == "NOT_FOUND"
    assert error_code(await gql(client, REVOKE_SESSION, {"id": "%%"}, token=bob["token"])) == "BAD_USER_INPUT"
    assert await db.fetchval('SELECT count(*) FROM "session"') == 2


async def test_node_hides_another_users_session(client: httpx.AsyncClient, db: Database) -> None:
    ada = await sign_up(client, email="ada@example.com")
    bob = await sign_up(client, email="bob@example.com")
    query = "query($id: ID!) { node(id: $id) { id ... on Session { current } } }"
    mine = await gql(client, query, {"id": ada["session"]["id"]}, token=ada["token"])
    assert mine == {"data": {"node": {"id": ada["session"]["id"], "current": True}}}
    theirs = await gql(client, query, {"id": ada["session"]["id"]}, token=bob["token"])
    assert theirs == {"data": {"node": None}}


async def test_revoke_other_sessions_keeps_the_current_one(client: httpx.AsyncClient, db: Database) -> None:
    current = (await sign_up(client))["token"]
    others = [(await sign_in(client))["data"]["signIn"]["token"] for _ in range(3)]
    bob = (await sign_up(client, email="bob@example.com"))["token"]
    assert (await gql(client, REVOKE_OTHERS, token=current)) == {"data": {"revokeOtherSessions": 3}}
    for token in others:
        assert (await gql(client, VIEWER, token=token)) == {"data": {"viewer": None}}
    assert (await gql(client, VIEWER, token=current))["data"]["viewer"] is not None
    assert (await gql(client, VIEWER, token=bob))["data"]["viewer"] is not None
    assert (await gql(client, REVOKE_OTHERS, token=current)) == {"data": {"revokeOtherSessions": 0}}


async def test_revocations_are_announced_to_live_subscriptions(
    client: httpx.AsyncClient, db: Database
) -> None:
    current = (await sign_up(client))["token"]
    other = (await sign_in(client))["data"]["signIn"]["token"]
    other_pk = await session_pk(db, other)
    con = await db.pool.acquire()
    heard: list[str] = []

    def listen(*args: object) -> None:
        heard.append(str(args[3]))

    try:
        await con.add_listener("session_revoked", listen)
        await gql(client, REVOKE_OTHERS, token=current)
        # The notification is delivered before any later query's result on this connection.
        await con.fetchval("SELECT 1")
    finally:
        await con.remove_listener("session_revoked", listen)
        await db.pool.release(con)
    assert heard == [f'["{other_pk}"]']


async def test_admin_reads_a_users_sessions_but_others_see_none(
    client: httpx.AsyncClient, db: Database
) -> None:
    ada = await sign_up(client, email="ada@example.com")
    bob = await sign_up(client, email="bob@example.com")
    admin = await sign_up(client, email="root@example.com")
    await db.execute("UPDATE \"user\" SET role = 'admin' WHERE email = 'root@example.com'")
    query = "query($id: ID!) { node(id: $id) { ... on User { sessions { id current } } } }"
    as_admin = await gql(client, query, {"id": ada["user"]["id"]}, token=admin["token"])
    assert as_admin["data"]["node"]["sessions"] == [{"id": ada["session"]["id"], "current": False}]
    as_bob = await gql(client, query, {"id": ada["user"]["id"]}, token=bob["token"])
    assert as_bob == {"data": {"node": None}}
    # An admin may read sessions, not end them.
    revoke = await gql(client, REVOKE_SESSION, {"id": ada["session"]["id"]}, token=admin["token"])
    assert error_code(revoke) == "NOT_FOUND"
