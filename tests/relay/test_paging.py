"""Keyset paging over HTTP: both directions, ties, inserts/deletes between pages, bad arguments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from graph.db import Database
from tests.factories import make_session, make_todo, make_user
from tests.graphql import gql

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $order: [TodoOrder!]) {
  todos(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    edges { cursor node { title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def _page(client: httpx.AsyncClient, token: str, **variables: Any) -> dict[str, Any]:
    body = await gql(client, PAGE, variables, token=token)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["todos"]
    return page


def _titles(page: dict[str, Any]) -> list[str]:
    return [e["node"]["title"] for e in page["edges"]]


async def _user_with_todos(db: Database, n: int, *, same_time: bool = False) -> tuple[str, str]:
    user = await make_user(db)
    for i in range(n):
        created = T0 if same_time else T0 + timedelta(minutes=i)
        await make_todo(db, user["id"], title=f"t{i:02d}", created_at=created)
    return user["id"], await make_session(db, user["id"])


async def test_forward_then_backward_with_insert_and_delete_between_pages(
    client: httpx.AsyncClient, db: Database
) -> None:
    user_id, token = await _user_with_todos(db, 7)
    first = await _page(client, token, first=3)
    assert _titles(first) == ["t06", "t05", "t04"]
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    # A newer todo appears and the next row is deleted: keyset paging neither repeats nor skips.
    await make_todo(db, user_id, title="new", created_at=T0 + timedelta(days=1))
    await db.execute("DELETE FROM todos WHERE title = 't03'")
    second = await _page(client, token, first=3, after=first["pageInfo"]["endCursor"])
    assert _titles(second) == ["t02", "t01", "t00"]
    assert second["pageInfo"] == {**second["pageInfo"], "hasNextPage": False, "hasPreviousPage": True}
    back = await _page(client, token, last=2, before=second["pageInfo"]["startCursor"])
    assert _titles(back) == ["t05", "t04"]
    assert back["pageInfo"]["hasPreviousPage"] is True and back["pageInfo"]["hasNextPage"] is True
    top = await _page(client, token, last=5, before=back["pageInfo"]["startCursor"])
    assert _titles(top) == ["new", "t06"]
    assert top["pageInfo"]["hasPreviousPage"] is False and top["pageInfo"]["hasNextPage"] is True


async def test_ties_in_sort_key_are_broken_by_id_in_both_directions(
    client: httpx.AsyncClient, db: Database
) -> None:
    _, token = await _user_with_todos(db, 9, same_time=True)
    everything = _titles(await _page(client, token, first=100))
    seen: list[str] = []
    after = None
    while True:
        page = await _page(client, token, first=2, after=after)
        seen += _titles(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything and len(set(seen)) == 9
    backwards: list[str] = []
    before = None
    while True:
        page = await _page(client, token, last=4, before=before)
        backwards = _titles(page) + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backwards == everything


async def test_mixed_directions_use_expanded_keyset(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    token = await make_session(db, user["id"])
    for i, title in enumerate(["b", "a", "b", "a", "c"]):
        await make_todo(db, user["id"], title=title, created_at=T0 + timedelta(minutes=i))
    order = [{"field": "TITLE", "direction": "ASC"}, {"field": "CREATED_AT", "direction": "DESC"}]
    whole = (await _page(client, token, first=10, order=order))["edges"]
    first = await _page(client, token, first=3, order=order)
    rest = await _page(client, token, first=10, after=first["pageInfo"]["endCursor"], order=order)
    assert [e["cursor"] for e in first["edges"] + rest["edges"]] == [e["cursor"] for e in whole]
    assert _titles(first) + _titles(rest) == ["a", "a", "b", "b", "c"]


async def test_bad_paging_arguments_are_bad_user_input(client: httpx.AsyncClient, db: Database) -> None:
    _, token = await _user_with_todos(db, 3)
    cursor = (await _page(client, token, first=1))["pageInfo"]["endCursor"]
    cases: list[dict[str, Any]] = [
        {"first": 101},
        {"first": -1},
        {"last": -5},
        {"first": 2, "after": "not-a-cursor"},
        {"first": 2, "after": cursor, "order": [{"field": "TITLE", "direction": "ASC"}]},
        {"first": 2, "after": cursor, "order": [{"field": "CREATED_AT", "direction": "ASC"}]},
        {"first": 1, "last": 1},
    ]
    for variables in cases:
        body = await gql(client, PAGE, variables, token=token)
        assert body["data"] is None, variables
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables
    files_cursor = await gql(
        client, "query($a: String) { files(first: 1, after: $a) { totalCount } }", {"a": cursor}, token=token
    )
    assert files_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_default_page_is_20_and_100_is_allowed(client: httpx.AsyncClient, db: Database) -> None:
    _, token = await _user_with_todos(db, 25)
    assert len((await _page(client, token))["edges"]) == 20
    assert len((await _page(client, token, first=100))["edges"]) == 25
