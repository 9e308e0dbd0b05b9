"""Error masking: a driver failure is INTERNAL with nothing internal in it; production hides schema hints."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from graph.app import create_app
from graph.db import Database
from graph.logging import JsonFormatter, RequestIdFilter
from graph.settings import Settings
from tests.factories import make_session, make_todo, make_user
from tests.graphql import gql


async def test_forced_driver_error_is_internal_without_internals(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    await make_todo(db, user["id"])
    token = await make_session(db, user["id"])
    # A real driver error: the column the resolver selects is gone (restored below).
    # The production log format: one JSON object per line, stamped with the request id.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)
    await db.execute("ALTER TABLE todos RENAME COLUMN title TO title_gone")
    try:
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { todos { edges { node { id title } } } } }"},
            headers={"Authorization": f"Bearer {token}", "x-request-id": "req-masking-1"},
        )
    finally:
        await db.execute("ALTER TABLE todos RENAME COLUMN title_gone TO title")
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 200
    body = response.json()
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"INTERNAL"}
    assert {error["message"] for error in body["errors"]} == {"Internal server error"}
    shown = json.dumps([[e["message"], e["extensions"]] for e in body["errors"]]).lower()
    for leak in ("title", "column", "select", "asyncpg", "traceback", ".py", "postgres"):
        assert leak not in shown
    text = response.text.lower()
    for leak in ("title_gone", "select", "asyncpg", "traceback", ".py", "postgres"):
        assert leak not in text
    # ...but the server log has it, with the request id.
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    logged = [
        line for line in lines if line.get("request_id") == "req-masking-1" and line["level"] == "ERROR"
    ]
    assert logged and "UndefinedColumnError" in logged[0]["exc"]


@pytest.fixture
async def production_client(
    make_settings: Callable[..., Settings], db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(environment="production", url_signing_secret="test-secret-for-production")
    app: Starlette = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_production_hides_introspection_suggestions_and_graphiql(
    production_client: httpx.AsyncClient,
) -> None:
    result: dict[str, Any] = await gql(production_client, "{ __schema { types { name } } }")
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    result = await gql(production_client, "{ viewr { id } }")
    assert "did you mean" not in result["errors"][0]["message"].lower()
    page = await production_client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "graphiql" not in page.text.lower()


async def test_text_postgres_cannot_store_is_bad_user_input(client: httpx.AsyncClient, db: Database) -> None:
    # Found by the fuzz test: a NUL character used to reach PostgreSQL and come back INTERNAL.
    user = await make_user(db)
    token = await make_session(db, user["id"])
    result = await gql(
        client,
        "mutation($t: String!) { createTodo(input: {title: $t}) { id } }",
        {"t": "a\x00b"},
        token=token,
    )
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await db.fetchval("SELECT count(*) FROM todos") == 0
