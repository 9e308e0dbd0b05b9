"""Automatic persisted queries (Apollo APQ) and the production allow-list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from graph.app import create_app
from graph.db import Database
from graph.settings import Settings

QUERY = "query PersistedProbe { __typename }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def _apq(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_apq_miss_register_then_hash_only_over_post_and_get(client: httpx.AsyncClient) -> None:
    digest = hashlib.sha256((QUERY + " # fresh").encode()).hexdigest()
    query = QUERY + " # fresh"
    miss = await client.post("/graphql", json={"extensions": _apq(digest)})
    assert miss.status_code == 200
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await client.post("/graphql", json={"query": query, "extensions": _apq(digest)})
    assert registered.json() == {"data": {"__typename": "Query"}}
    hit = await client.post("/graphql", json={"extensions": _apq(digest)})
    assert hit.json() == {"data": {"__typename": "Query"}}
    get = await client.get("/graphql", params={"extensions": json.dumps(_apq(digest))})
    assert get.status_code == 200
    assert get.json() == {"data": {"__typename": "Query"}}


async def test_apq_hash_is_verified_on_register(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": QUERY, "extensions": _apq("0" * 64)})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    miss = await client.post("/graphql", json={"extensions": _apq("0" * 64)})
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_persisted_mutation_still_refused_over_get(client: httpx.AsyncClient) -> None:
    mutation = "mutation { __typename }"
    digest = hashlib.sha256(mutation.encode()).hexdigest()
    await client.post("/graphql", json={"query": mutation, "extensions": _apq(digest)})
    response = await client.get("/graphql", params={"extensions": json.dumps(_apq(digest))})
    assert response.status_code == 405


@pytest.fixture
async def allow_list_client(
    make_settings: Callable[..., Settings], db: Database, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    manifest = tmp_path / "persisted.json"
    manifest.write_text(json.dumps({HASH: QUERY}))
    settings = make_settings(persisted_queries_only=True, persisted_queries_manifest=manifest)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_allow_list_runs_only_manifest_operations(allow_list_client: httpx.AsyncClient) -> None:
    by_hash = await allow_list_client.post("/graphql", json={"extensions": _apq(HASH)})
    assert by_hash.json() == {"data": {"__typename": "Query"}}
    by_text = await allow_list_client.post("/graphql", json={"query": QUERY})
    assert by_text.json() == {"data": {"__typename": "Query"}}
    other = "{ viewer { id } }"
    refused = await allow_list_client.post("/graphql", json={"query": other})
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    digest = hashlib.sha256(other.encode()).hexdigest()
    register = await allow_list_client.post("/graphql", json={"query": other, "extensions": _apq(digest)})
    assert register.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
