"""Transport rules: JSON-only POSTs, no mutations over GET, GraphQL-shaped 4xx bodies, body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.graphql import gql


def _code(response: httpx.Response) -> str:
    body = response.json()
    return str(body["errors"][0]["extensions"]["code"])


@pytest.mark.parametrize("body", ["nope", "{", "123", '"query"', "[]", "[1]"])
async def test_non_graphql_json_body_is_400_with_graphql_errors(client: httpx.AsyncClient, body: str) -> None:
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert _code(response) == "BAD_USER_INPUT"


async def test_missing_query_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"variables": {}})
    assert response.status_code == 400
    assert _code(response) == "BAD_USER_INPUT"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
async def test_post_without_json_content_type_is_refused(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert _code(response) == "BAD_USER_INPUT"


async def test_mutation_over_get_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _code(response) == "BAD_USER_INPUT"


async def test_body_over_limit_is_413_before_parsing(client: httpx.AsyncClient) -> None:
    padding = " " * (1024 * 1024 + 1)
    response = await client.post(
        "/graphql",
        content=b'{"query": "{ __typename }"' + padding.encode() + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert _code(response) == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "x": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert _code(response) == "PAYLOAD_TOO_LARGE"


async def test_graphql_error_in_well_formed_request_is_200(client: httpx.AsyncClient) -> None:
    result = await gql(client, "{ noSuchField }")
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_syntax_error_and_bad_variables_get_a_code(client: httpx.AsyncClient) -> None:
    result = await gql(client, "{ viewer { ")
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    result = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": {"a": 1}})
    assert {e["extensions"]["code"] for e in result["errors"]} == {"BAD_USER_INPUT"}


async def test_batch_runs_up_to_max_batch(client: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"}] * 2
    response = await client.post("/graphql", json=batch)
    assert response.status_code == 200
    assert response.json() == [{"data": {"__typename": "Query"}}] * 2
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 11)
    assert response.status_code == 400
    assert _code(response) == "BAD_USER_INPUT"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    body = {"query": "{ __typename }"}
    response = await client.post("/graphql", json=body, headers={"x-request-id": "abc-123_x"})
    assert response.headers["x-request-id"] == "abc-123_x"
    response = await client.post("/graphql", json=body, headers={"x-request-id": "bad id\x01"})
    generated = response.headers["x-request-id"]
    assert generated != "bad id\x01" and len(generated) == 32
    refused = await client.post("/graphql", content=b"nope", headers={"content-type": "application/json"})
    assert refused.headers["x-request-id"]


async def test_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    page = await client.get("/graphql", headers={"accept": "text/html"})
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "cdn" not in page.text.lower() and "/static/graphiql/graphiql.min.js" in page.text
    asset = await client.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 200
