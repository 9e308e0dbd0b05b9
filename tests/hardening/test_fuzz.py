"""Property-based fuzzing: generated queries and mutations never yield a 500 or an INTERNAL error."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from graph.db import Database
from graph.schema import schema
from tests.factories import make_session, make_todo, make_user

SCHEMA = schema._schema
SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat())),
    "Upload": st.just(nodes.Null),  # uploads only come in multipart bodies
}
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def token(db: Database) -> str:
    user = await make_user(db)
    for _ in range(3):
        await make_todo(db, user["id"])
    return await make_session(db, user["id"])


async def _check(client: httpx.AsyncClient, token: str, query: str) -> None:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code != 500, (query, response.text)
    body: Any = response.json()
    for result in body if isinstance(body, list) else [body]:
        codes = [error.get("extensions", {}).get("code") for error in result.get("errors", [])]
        assert "INTERNAL" not in codes, (query, result)
        assert None not in codes, (query, result)


@FUZZ
@given(query=queries(SCHEMA, custom_scalars=SCALARS))
async def test_generated_queries_never_fail_internally(
    client: httpx.AsyncClient, token: str, query: str
) -> None:
    await _check(client, token, query)


@FUZZ
@given(mutation=mutations(SCHEMA, custom_scalars=SCALARS))
async def test_generated_mutations_never_fail_internally(
    client: httpx.AsyncClient, token: str, mutation: str
) -> None:
    await _check(client, token, mutation)
