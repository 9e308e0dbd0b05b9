"""The compiled read path answers exactly what the resolver path answers, in one statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from starlette.applications import Starlette

from graph.app import create_app
from graph.db import Database
from graph.settings import Settings
from tests.factories import make_file, make_session, make_todo, make_user
from tests.sql import StatementCounter

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = {p.stem: p.read_text() for p in sorted((ROOT / "bench" / "queries").glob("q*.graphql"))}

QUERIES = [
    *WORKLOAD.values(),
    "{ __typename viewer { __typename id name email emailVerified image role createdAt updatedAt } }",
    "{ viewer { todoStats { count completed pending firstCreatedAt lastCreatedAt } "
    'fileStats(filter: {mimeTypePrefix: "image/"}) { count totalSize maxSize byMimeType { mimeType count totalSize } } } }',
    "{ todos(last: 3) { edges { cursor node { id title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
    "totalCount } }",
    "{ a: todos(first: 2, orderBy: [{field: TITLE, direction: ASC}], filter: {completed: false}) "
    "{ edges { cursor node { title completed updatedAt user { id name } } } pageInfo { endCursor hasNextPage } } "
    'b: todos(first: 1, filter: {titleContains: "%_"}) { totalCount nodes { title } } }',
    "{ todoGroups(by: [DAY, COMPLETED]) { day completed count user { id } } all: todoGroups(by: []) { count } "
    "byUser: todoGroups(by: [USER]) { count user { name } } }",
    '{ users(first: 2, search: "a") { totalCount pageInfo { hasNextPage endCursor } '
    "nodes { id email todos(first: 2, orderBy: [{field: CREATED_AT, direction: ASC}]) "
    "{ totalCount pageInfo { hasNextPage } nodes { title } } todoStats { count } } } }",
    '{ files(first: 3, filter: {search: "report"}, orderBy: [{field: SIZE}]) { nodes { name size user { email } } } }',
    '{ todos(first: 2, filter: {search: "milk"}, orderBy: [{field: RELEVANCE}]) { nodes { title } } }',
    "query Q($n: Int, $f: TodoFilter) { todos(first: $n, filter: $f) { nodes { title } } }",
    "{ todos(first: 500) { nodes { id } } }",
    '{ node(id: "VG9kbzp4") { id } }',
]


@pytest.fixture(scope="module")
async def resolver_app(make_settings: Callable[..., Settings]) -> AsyncIterator[Starlette]:
    """The same app with the compiler switched off: the reference answers."""
    app = create_app(make_settings(compiled_reads=False))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def world(db: Database) -> dict[str, str]:
    """Two users with todos and files, an admin; returns a token per caller (None: anonymous)."""
    start = datetime(2025, 3, 1, tzinfo=UTC)
    ada = await make_user(db, email="ada@example.com", name="Ada")
    bob = await make_user(db, email="bob@example.com", name="Bob")
    admin = await make_user(db, email="root@example.com", name="Root", role="admin")
    titles = ["Buy milk", "Write report", "Buying milk again", "Call mum %_", "Fix car"]
    for i in range(12):
        await make_todo(
            db,
            ada["id"],
            title=titles[i % 5],
            completed=i % 3 == 0,
            created_at=start + timedelta(hours=7 * (i // 2)),
        )
    for i in range(4):
        await make_todo(db, bob["id"], title=f"Bob thing {i}", created_at=start + timedelta(days=i))
    for i, mime in enumerate(["image/png", "application/pdf", "image/jpeg"]):
        await make_file(
            db,
            ada["id"],
            name=f"report-{i}.bin",
            mime_type=mime,
            size=1000 * (i + 1),
            created_at=start + timedelta(days=i),
        )
    return {
        "owner": await make_session(db, ada["id"]),
        "other": await make_session(db, bob["id"]),
        "admin": await make_session(db, admin["id"]),
    }


async def both(
    client: httpx.AsyncClient,
    reference: httpx.AsyncClient,
    query: str,
    token: str | None,
    variables: dict[str, Any] | None = None,
) -> tuple[Any, Any, str | None]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables or {}}
    compiled = await client.post("/graphql", json=body, headers=headers)
    resolved = await reference.post("/graphql", json=body, headers=headers)
    assert compiled.status_code == resolved.status_code
    return compiled.json(), resolved.json(), compiled.headers.get("x-graphql-path")


@pytest.fixture
async def reference(resolver_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=resolver_app), base_url="http://t") as c:
        yield c


async def test_every_read_query_answers_the_same_on_both_paths(
    client: httpx.AsyncClient, reference: httpx.AsyncClient, world: dict[str, str]
) -> None:
    compiled_count = 0
    for query in QUERIES:
        for who in ("owner", "other", "admin", None):
            token = world[who] if who else None
            variables = {"n": 2, "f": {"completed": True}} if "$n" in query else None
            if "$after" in query:
                first = await reference.post(
                    "/graphql",
                    json={"query": WORKLOAD["q3_cursor"]},
                    headers={"Authorization": f"Bearer {token}"} if token else {},
                )
                cursor = ((first.json().get("data") or {}).get("todos") or {}).get("pageInfo", {})
                variables = {"after": cursor.get("endCursor")}
            got, want, path = await both(client, reference, query, token, variables)
            assert got == want, (query, who)
            compiled_count += path == "compiled"
    # The comparison means something only if the compiler answered most of them.
    assert compiled_count >= 30


async def test_paging_through_cursors_matches(
    client: httpx.AsyncClient, reference: httpx.AsyncClient, world: dict[str, str]
) -> None:
    query = (
        "query P($after: String, $before: String, $first: Int, $last: Int) { todos(first: $first, "
        "after: $after, last: $last, before: $before) { edges { cursor node { title } } "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    )
    after = None
    for _ in range(2):
        got, want, path = await both(client, reference, query, world["owner"], {"first": 4, "after": after})
        assert got == want and path == "compiled"
        after = got["data"]["todos"]["pageInfo"]["endCursor"]
    before = after
    got, want, path = await both(client, reference, query, world["owner"], {"last": 5, "before": before})
    assert got == want and path == "compiled"
    page = got["data"]["todos"]
    assert len(page["edges"]) == 5 and page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["hasPreviousPage"] is True


async def test_each_workload_operation_is_one_statement(
    client: httpx.AsyncClient, world: dict[str, str], sql_counter: StatementCounter, db: Database
) -> None:
    for name, query in WORKLOAD.items():
        token = world["admin"] if name == "q4" else world["owner"]
        headers = {"Authorization": f"Bearer {token}"}
        variables: dict[str, Any] = {}
        if name == "q3":
            cursor = await client.post("/graphql", json={"query": WORKLOAD["q3_cursor"]}, headers=headers)
            variables = {"after": cursor.json()["data"]["todos"]["pageInfo"]["endCursor"]}
        sql_counter.reset()
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert response.headers["x-graphql-path"] == "compiled", name
        assert sql_counter.count == 1, (name, sql_counter.statements)


async def test_fields_computed_in_python_take_the_resolver_path(
    client: httpx.AsyncClient, world: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {world['owner']}"}
    response = await client.post(
        "/graphql", json={"query": "{ files { nodes { name url } } }"}, headers=headers
    )
    assert "x-graphql-path" not in response.headers
    assert all(node["url"] for node in response.json()["data"]["files"]["nodes"])


async def test_switch_off_answers_on_the_resolver_path(
    reference: httpx.AsyncClient, world: dict[str, str]
) -> None:
    response = await reference.post(
        "/graphql", json={"query": WORKLOAD["q1"]}, headers={"Authorization": f"Bearer {world['owner']}"}
    )
    assert response.status_code == 200 and "x-graphql-path" not in response.headers
    assert response.json()["data"]["todos"]["totalCount"] == 12


async def test_deep_page_keyset_uses_the_index(db: Database, world: dict[str, str], app: Starlette) -> None:
    from graph.auth.tokens import token_hash
    from graph.sql.cursor import encode_cursor, order_digest

    view_compiled = app.state.compiled
    cursor = encode_cursor(
        order_digest("Todo", (("CREATED_AT", True),)), [datetime(2025, 3, 2, tzinfo=UTC), "x"]
    )
    prepared = view_compiled.prepare(WORKLOAD["q3"], None)
    built = view_compiled.statement(prepared, {"after": cursor})
    assert built is not None
    sql, params = built
    params = [token_hash(world["owner"]), *params[1:]]
    async with db.pool.acquire() as con:
        await con.execute("SET enable_seqscan = off")  # a tiny table: make the planner show its index choice
        plan = "\n".join(r[0] for r in await con.fetch("EXPLAIN " + sql, *params))
        await con.execute("RESET enable_seqscan")
    index = await db.fetchval(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'todos' AND indexdef LIKE '%(user_id, created_at, id)%'"
    )
    assert index in plan
    assert "Seq Scan on todos" not in plan


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_generated_queries_answer_the_same(
    data: st.DataObject, client: httpx.AsyncClient, reference: httpx.AsyncClient, world: dict[str, str]
) -> None:
    from graph.schema import schema

    query = data.draw(
        queries(
            schema.as_str(),
            fields=["viewer", "todos", "files", "todoStats", "todoGroups", "fileStats", "users"],
        )
    )
    who = data.draw(st.sampled_from(["owner", "other", "admin", None]))
    got, want, _ = await both(client, reference, query, world[who] if who else None)
    assert got == want, query
