"""One helper for every GraphQL call over HTTP."""

from __future__ import annotations

from typing import Any

import httpx


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL request as JSON and return the decoded body (asserting HTTP 200)."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation_name is not None:
        body["operationName"] = operation_name
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    response = await client.post("/graphql", json=body, headers=sent)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
