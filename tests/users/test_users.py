"""Users: admin-only listing with search, nested per-user connections in constant statements."""

from __future__ import annotations

import httpx

from graph.db import Database
from tests.factories import make_file, make_session, make_todo, make_user
from tests.graphql import gql
from tests.sql import StatementCounter

NESTED = (
    """{ users(first: 50) { nodes { todos(first: 5) { nodes { user { name } } } todoStats { count } } } }"""
)


async def _statements_for(client: httpx.AsyncClient, db: Database, counter: StatementCounter, n: int) -> int:
    await db.execute('TRUNCATE todos, files, session, "user" CASCADE')
    admin = await make_user(db, role="admin", name="Root")
    for i in range(n - 1):
        user = await make_user(db, name=f"U{i}")
        for j in range(7):
            await make_todo(db, user["id"], title=f"{i}-{j}")
    token = await make_session(db, admin["id"])
    counter.reset()
    body = await gql(client, NESTED, token=token)
    assert "errors" not in body, body
    nodes = body["data"]["users"]["nodes"]
    assert len(nodes) == n
    assert sorted(len(u["todos"]["nodes"]) for u in nodes) == [0] + [5] * (n - 1)
    assert sorted(u["todoStats"]["count"] for u in nodes) == [0] + [7] * (n - 1)
    return counter.count


async def test_nested_statement_count_does_not_grow_with_parents(
    client: httpx.AsyncClient, db: Database, sql_counter: StatementCounter
) -> None:
    few = await _statements_for(client, db, sql_counter, 5)
    many = await _statements_for(client, db, sql_counter, 50)
    assert few == many
    assert many <= 5  # auth, users page, todos per user (LATERAL), users of todos, stats


async def test_users_is_admin_only_and_searchable(client: httpx.AsyncClient, db: Database) -> None:
    admin = await make_user(db, role="admin", name="Root", email="root@example.com")
    ada = await make_user(db, name="Ada Lovelace", email="ada@example.com")
    await make_user(db, name="Grace", email="grace_h@example.com")
    user_token = await make_session(db, ada["id"])
    body = await gql(client, "{ users { totalCount } }", token=user_token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    token = await make_session(db, admin["id"])
    found = await gql(client, '{ users(search: "LOVE") { nodes { name email } } }', token=token)
    assert found["data"]["users"]["nodes"] == [{"name": "Ada Lovelace", "email": "ada@example.com"}]
    literal = await gql(client, '{ users(search: "_h@") { totalCount nodes { name } } }', token=token)
    assert literal["data"]["users"] == {"totalCount": 1, "nodes": [{"name": "Grace"}]}
    ordered = await gql(
        client, "{ users(orderBy: [{field: NAME, direction: ASC}]) { nodes { name } } }", token=token
    )
    assert [u["name"] for u in ordered["data"]["users"]["nodes"]] == ["Ada Lovelace", "Grace", "Root"]


async def test_viewer_files_and_file_stats(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    token = await make_session(db, user["id"])
    await make_file(db, user["id"], name="a.png", mime_type="image/png", size=10)
    await make_file(db, user["id"], name="b.png", mime_type="image/png", size=30)
    await make_file(db, user["id"], name="c_report.pdf", mime_type="application/pdf", size=5)
    other = await make_user(db)
    await make_file(db, other["id"], name="x.png", mime_type="image/png", size=999)
    body = await gql(
        client,
        """{ viewer { fileStats { count totalSize maxSize byMimeType { mimeType count totalSize } }
                      files(first: 2, orderBy: [{field: SIZE, direction: ASC}]) {
                        totalCount nodes { name } } }
             images: files(filter: {mimeTypePrefix: "image/", minSize: 20}) { nodes { name size } }
             search: files(filter: {search: "report"}) { nodes { name } }
             fileStats(filter: {nameContains: "_"}) { count totalSize } }""",
        token=token,
    )
    assert "errors" not in body, body
    viewer = body["data"]["viewer"]
    assert viewer["fileStats"] == {
        "count": 3,
        "totalSize": 45.0,
        "maxSize": 30,
        "byMimeType": [
            {"mimeType": "application/pdf", "count": 1, "totalSize": 5.0},
            {"mimeType": "image/png", "count": 2, "totalSize": 40.0},
        ],
    }
    assert viewer["files"] == {"totalCount": 3, "nodes": [{"name": "c_report.pdf"}, {"name": "a.png"}]}
    assert body["data"]["images"]["nodes"] == [{"name": "b.png", "size": 30}]
    assert body["data"]["search"]["nodes"] == [{"name": "c_report.pdf"}]
    assert body["data"]["fileStats"] == {"count": 1, "totalSize": 5.0}
