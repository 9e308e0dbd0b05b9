"""Todos over HTTP: filters, search, aggregations (checked against SQL counts), mutations, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from graph.db import Database
from graph.sql.cursor import global_id
from tests.factories import make_session, make_todo, make_user
from tests.graphql import gql

T0 = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
LIST = """query($f: TodoFilter, $o: [TodoOrder!]) {
  todos(first: 100, filter: $f, orderBy: $o) { totalCount nodes { title completed } }
}"""


async def _titles(client: httpx.AsyncClient, token: str, f: dict[str, Any], o: Any = None) -> list[str]:
    body = await gql(client, LIST, {"f": f, "o": o}, token=token)
    assert "errors" not in body, body
    conn = body["data"]["todos"]
    assert conn["totalCount"] == len(conn["nodes"])
    return [n["title"] for n in conn["nodes"]]


async def test_every_filter(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    token = await make_session(db, user["id"])
    titles = ["50% off", "5_0 thing", "back\\slash", "Running late", "run errands", "plain"]
    for i, title in enumerate(titles):
        await make_todo(db, user["id"], title=title, completed=i % 2 == 0, created_at=T0 + timedelta(hours=i))
    assert set(await _titles(client, token, {"completed": True})) == {"50% off", "back\\slash", "run errands"}
    assert await _titles(client, token, {"titleContains": "%"}) == ["50% off"]
    assert await _titles(client, token, {"titleContains": "_"}) == ["5_0 thing"]
    assert await _titles(client, token, {"titleContains": "\\"}) == ["back\\slash"]
    assert await _titles(client, token, {"titleContains": "RUN"}) == ["run errands", "Running late"]
    after = (T0 + timedelta(hours=2)).isoformat()
    before = (T0 + timedelta(hours=4)).isoformat()
    assert await _titles(client, token, {"createdAfter": after, "createdBefore": before}) == [
        "Running late",
        "back\\slash",
    ]
    assert await _titles(client, token, {"completed": False, "titleContains": "run"}) == ["Running late"]


async def test_search_stems_and_ranks(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    token = await make_session(db, user["id"])
    await make_todo(db, user["id"], title="go for a run")
    await make_todo(db, user["id"], title="running shoes for running")
    await make_todo(db, user["id"], title="buy bread")
    found = await _titles(client, token, {"search": "running"}, [{"field": "RELEVANCE", "direction": "DESC"}])
    assert found == ["running shoes for running", "go for a run"]
    body = await gql(client, LIST, {"o": [{"field": "RELEVANCE"}]}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_aggregations_match_independent_counts(client: httpx.AsyncClient, db: Database) -> None:
    alice, bob = await make_user(db, name="Alice"), await make_user(db, name="Bob")
    admin = await make_user(db, role="admin")
    for i in range(7):
        await make_todo(db, alice["id"], completed=i % 3 == 0, created_at=T0 + timedelta(hours=i))
    await make_todo(db, bob["id"], completed=True, created_at=T0)
    token = await make_session(db, alice["id"])
    body = await gql(
        client,
        """{ todoStats { count completed pending firstCreatedAt lastCreatedAt }
             todoGroups(by: [COMPLETED, DAY]) { completed day count user { name } } }""",
        token=token,
    )
    expect = await db.fetchrow(
        "SELECT count(*) c, count(*) FILTER (WHERE completed) d FROM todos WHERE user_id = $1", alice["id"]
    )
    assert expect is not None
    stats = body["data"]["todoStats"]
    assert (stats["count"], stats["completed"], stats["pending"]) == (
        expect["c"],
        expect["d"],
        expect["c"] - expect["d"],
    )
    assert stats["firstCreatedAt"].startswith("2026-03-01T22:00")
    groups = await db.fetch(
        "SELECT completed, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) FROM todos "
        "WHERE user_id = $1 GROUP BY 1, 2",
        alice["id"],
    )
    got = {(g["completed"], g["day"][:10], g["count"]) for g in body["data"]["todoGroups"]}
    assert got == {(g["completed"], g["day"].isoformat(), g["count"]) for g in groups}
    assert all(g["user"] is None for g in body["data"]["todoGroups"])
    admin_token = await make_session(db, admin["id"])
    by_user = await gql(
        client, "{ todoGroups(by: [USER]) { count user { name } completed } }", token=admin_token
    )
    assert sorted((g["user"]["name"], g["count"]) for g in by_user["data"]["todoGroups"]) == [
        ("Alice", 7),
        ("Bob", 1),
    ]


async def test_mutations_validate_and_batches_are_all_or_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    token = await make_session(db, user["id"])
    created = await gql(
        client, 'mutation { createTodo(input: {title: "  hi  "}) { id title completed } }', token=token
    )
    todo = created["data"]["createTodo"]
    assert todo["title"] == "hi" and todo["completed"] is False
    bad = await gql(client, 'mutation { createTodo(input: {title: "   "}) { id } }', token=token)
    assert bad["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": {"title": bad["errors"][0]["extensions"]["fields"]["title"]},
    }
    batch = await gql(
        client,
        "mutation($i: [CreateTodoInput!]!) { createTodos(input: $i) { title } }",
        {"i": [{"title": "a"}, {"title": "x" * 256}, {"title": "c"}]},
        token=token,
    )
    assert list(batch["errors"][0]["extensions"]["fields"]) == ["input.1.title"]
    assert await db.fetchval("SELECT count(*) FROM todos") == 1
    ok = await gql(
        client,
        "mutation($i: [CreateTodoInput!]!) { createTodos(input: $i) { id title } }",
        {"i": [{"title": "z"}, {"title": "a"}]},
        token=token,
    )
    assert [t["title"] for t in ok["data"]["createTodos"]] == ["z", "a"]
    ids = [t["id"] for t in ok["data"]["createTodos"]]
    other = await make_user(db)
    foreign = await make_todo(db, other["id"])
    set_q = "mutation($ids: [ID!]!) { setTodosCompleted(ids: $ids, completed: true) { id completed } }"
    refused = await gql(client, set_q, {"ids": [*ids, global_id("Todo", foreign["id"])]}, token=token)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await db.fetchval("SELECT count(*) FROM todos WHERE completed") == 0
    done = await gql(client, set_q, {"ids": list(reversed(ids))}, token=token)
    assert [t["id"] for t in done["data"]["setTodosCompleted"]] == list(reversed(ids))
    upd = await gql(
        client,
        'mutation($id: ID!) { updateTodo(id: $id, input: {title: " new "}) { title completed updatedAt } }',
        {"id": todo["id"]},
        token=token,
    )
    assert upd["data"]["updateTodo"]["title"] == "new"
    assert (await gql(client, "mutation { deleteCompletedTodos }", token=token))["data"][
        "deleteCompletedTodos"
    ] == 2
    deleted = await gql(client, "mutation($id: ID!) { deleteTodo(id: $id) }", {"id": todo["id"]}, token=token)
    assert deleted["data"]["deleteTodo"] == todo["id"]
    assert await db.fetchval("SELECT count(*) FROM todos") == 1  # only the other user's


async def test_cross_user_isolation(client: httpx.AsyncClient, db: Database) -> None:
    me, other = await make_user(db), await make_user(db)
    token = await make_session(db, me["id"])
    theirs = await make_todo(db, other["id"], title="secret")
    mine = await make_todo(db, me["id"], title="mine")
    tid = global_id("Todo", theirs["id"])
    body = await gql(
        client,
        "query($id: ID!, $u: ID!) { node(id: $id) { id } nodes(ids: [$id, $u]) { id } "
        "todos { nodes { title } } other: todos(filter: {userId: $u}) { totalCount } }",
        {"id": tid, "u": global_id("User", other["id"])},
        token=token,
    )
    assert body["data"] == {
        "node": None,
        "nodes": [None, None],
        "todos": {"nodes": [{"title": "mine"}]},
        "other": {"totalCount": 0},
    }
    for mutation in (
        "mutation($id: ID!) { updateTodo(id: $id, input: {completed: true}) { id } }",
        "mutation($id: ID!) { deleteTodo(id: $id) }",
    ):
        refused = await gql(client, mutation, {"id": tid}, token=token)
        assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await db.fetchrow("SELECT completed FROM todos WHERE id = $1", theirs["id"])) == (
        await db.fetchrow("SELECT false AS completed")
    )
    own = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Todo { title } } }",
        {"id": global_id("Todo", mine["id"])},
        token=token,
    )
    assert own["data"]["node"] == {"title": "mine"}
    bad = await gql(client, 'query { node(id: "%%%") { id } }', token=token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_admin_reads_all_but_writes_only_own(client: httpx.AsyncClient, db: Database) -> None:
    admin, user = await make_user(db, role="admin"), await make_user(db)
    theirs = await make_todo(db, user["id"], title="theirs")
    await make_todo(db, admin["id"], title="admins")
    token = await make_session(db, admin["id"])
    body = await gql(
        client,
        "query($u: ID!, $id: ID!) { todos { totalCount } "
        "mine: todos(filter: {userId: $u}) { nodes { title user { email } } } "
        "node(id: $id) { ... on Todo { title } } }",
        {"u": global_id("User", user["id"]), "id": global_id("Todo", theirs["id"])},
        token=token,
    )
    assert body["data"] == {
        "todos": {"totalCount": 2},
        "mine": {"nodes": [{"title": "theirs", "user": {"email": user["email"]}}]},
        "node": {"title": "theirs"},
    }
    refused = await gql(
        client,
        "mutation($id: ID!) { deleteTodo(id: $id) }",
        {"id": global_id("Todo", theirs["id"])},
        token=token,
    )
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_anonymous_callers_are_unauthenticated(client: httpx.AsyncClient, db: Database) -> None:
    for query in (
        "{ todos { totalCount } }",
        "{ todoStats { count } }",
        "{ users { totalCount } }",
        "{ todoGroups(by: [DAY]) { count } }",
        "{ files { totalCount } }",
        "{ fileStats { count } }",
        'mutation { createTodo(input: {title: "x"}) { id } }',
    ):
        body = await gql(client, query)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", query
    anon = await gql(
        client, 'query { viewer { id } node(id: "VG9kbzp4") { id } nodes(ids: ["VG9kbzp4"]) { id } }'
    )
    assert anon == {"data": {"viewer": None, "node": None, "nodes": [None]}}
