"""Query limits trip with QUERY_TOO_COMPLEX before any resolver runs; a normal app query passes."""

from __future__ import annotations

import httpx

from graph.db import Database
from tests.factories import make_session, make_todo, make_user
from tests.graphql import gql
from tests.sql import StatementCounter


def _code(result: dict[str, object]) -> object:
    errors = result["errors"]
    assert isinstance(errors, list)
    return errors[0]["extensions"]["code"]


async def test_depth_over_limit(client: httpx.AsyncClient) -> None:
    def nested(depth: int) -> str:  # __schema, types, fields, type, then ofType until `depth`
        inner = "{ name }"
        for _ in range(depth - 5):
            inner = "{ ofType " + inner + " }"
        return "{ __schema { types { fields { type " + inner + " } } } }"

    result = await gql(client, nested(16))
    assert result["data"] is None
    assert _code(result) == "QUERY_TOO_COMPLEX"
    assert "errors" not in await gql(client, nested(15))


async def test_aliases_over_limit(client: httpx.AsyncClient) -> None:
    ok = " ".join(f"a{i}: __typename" for i in range(30))
    assert "errors" not in await gql(client, "{ " + ok + " }")
    result = await gql(client, "{ " + ok + " a30: __typename }")
    assert _code(result) == "QUERY_TOO_COMPLEX"


async def test_tokens_over_limit(client: httpx.AsyncClient) -> None:
    result = await gql(client, "{ " + "__typename " * 10_000 + "}")
    assert result["data"] is None
    assert _code(result) == "QUERY_TOO_COMPLEX"


async def test_cost_multiplies_page_sizes_and_stops_before_resolvers(
    client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    query = """query($n: Int) { users(first: 100) { edges { node {
        todos(first: $n) { edges { node { id title } } } } } } }"""
    sql_counter.reset()
    result = await gql(client, query, {"n": 200})
    assert result["data"] is None
    assert _code(result) == "QUERY_TOO_COMPLEX"
    assert result["errors"][0]["extensions"]["cost"] == 1 + 3 * 100 + 4 * 100 * 200
    assert sql_counter.count == 0  # no resolver ran
    # The same shape with small pages is cheap enough, and so is the default page size (20).
    assert _code(await gql(client, query, {"n": 5})) != "QUERY_TOO_COMPLEX"
    assert _code(await gql(client, query)) != "QUERY_TOO_COMPLEX"


async def test_normal_app_query_passes(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    await make_todo(db, user["id"])
    token = await make_session(db, user["id"])
    result = await gql(
        client,
        """{ viewer { id name todos(first: 50) { totalCount edges { cursor node { id title } } } } }""",
        token=token,
    )
    assert "errors" not in result
    assert result["data"]["viewer"]["todos"]["totalCount"] == 1
