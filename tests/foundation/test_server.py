from __future__ import annotations

import httpx

from tests.graphql import gql


async def test_typename_and_anonymous_viewer(client: httpx.AsyncClient) -> None:
    assert await gql(client, "{ __typename viewer { id } }") == {
        "data": {"__typename": "Query", "viewer": None}
    }


async def test_query_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_browser_get_serves_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok")
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] is True


async def test_malformed_token_is_anonymous(client: httpx.AsyncClient) -> None:
    result = await gql(client, "{ viewer { id } }", token="not-a-token")
    assert result == {"data": {"viewer": None}}
