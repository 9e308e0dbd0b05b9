"""Abuse limits: failed sign-ins per account and per client address, reset requests per email.
The counters live in PostgreSQL, so every server process sees the same ones."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import httpx
from starlette.applications import Starlette

from graph.app import create_app
from graph.db import Database
from graph.settings import Settings
from tests.auth.helpers import PASSWORD, REQUEST_RESET, error_code, sign_in, sign_up
from tests.graphql import gql


async def test_eleventh_failed_sign_in_for_an_account_is_rate_limited(
    client: httpx.AsyncClient, db: Database, make_settings: Callable[..., Settings]
) -> None:
    await sign_up(client)
    for _ in range(10):
        assert error_code(await sign_in(client, email="Ada@example.com", password="wrong guess")) == (
            "UNAUTHENTICATED"
        )
    limited = await sign_in(client)  # even the right password, until the window ends
    assert error_code(limited) == "RATE_LIMITED"
    assert 0 < limited["errors"][0]["extensions"]["retryAfter"] <= 15 * 60
    row = await db.fetchrow(
        "SELECT count, reset_at > now() AS open FROM rate_limit WHERE key = $1",
        "signin:account:ada@example.com",
    )
    assert row is not None and row["count"] == 11 and row["open"]

    # Another server process (its own app and pool) sees the same counter.
    other = create_app(make_settings())
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c2:
            assert error_code(await sign_in(c2)) == "RATE_LIMITED"

    # When the window is over, the account can sign in again.
    await db.execute("UPDATE rate_limit SET reset_at = now() - interval '1 second'")
    assert "errors" not in await sign_in(client)


async def test_successful_sign_ins_do_not_count(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client)
    for _ in range(12):
        assert "errors" not in await sign_in(client)
    assert await db.fetchval("SELECT max(count) FROM rate_limit") == 0


async def test_parallel_guesses_cannot_pass_the_limit(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client)
    results = await asyncio.gather(*(sign_in(client, password=f"guess {i}") for i in range(25)))
    assert Counter(error_code(r) for r in results) == {"UNAUTHENTICATED": 10, "RATE_LIMITED": 15}


async def test_fifty_failures_from_one_address_block_it_for_every_account(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, email="victim@example.com")
    for n in range(50):  # five accounts, ten failures each: no single account is over its limit
        result = await sign_in(client, email=f"user{n % 5}@example.com", password="wrong guess")
        assert error_code(result) == "UNAUTHENTICATED"
    # Spoofing X-Forwarded-For does not help while the proxy is not trusted.
    blocked = await sign_in(
        client, email="victim@example.com", password=PASSWORD, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert error_code(blocked) == "RATE_LIMITED"
    assert await db.fetchval("SELECT count FROM rate_limit WHERE key = 'signin:address:127.0.0.1'") == 51


async def test_trusted_proxy_address_is_the_last_forwarded_hop(
    app: Starlette, db: Database, make_settings: Callable[..., Settings]
) -> None:
    proxied = create_app(make_settings(trust_forwarded_for=True))
    async with proxied.router.lifespan_context(proxied):
        transport = httpx.ASGITransport(app=proxied)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            payload = await sign_up(c)
            assert payload["session"]["ipAddress"] == "127.0.0.1"
            result = await sign_in(c, headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.7"})
    assert result["data"]["signIn"]["session"]["ipAddress"] == "198.51.100.7"


async def test_sixth_reset_request_for_an_email_within_the_hour_is_rate_limited(
    client: httpx.AsyncClient, db: Database
) -> None:
    for _ in range(5):
        ok = await gql(client, REQUEST_RESET, {"email": "nobody@example.com"})
        assert ok == {"data": {"requestPasswordReset": True}}
    limited = await gql(client, REQUEST_RESET, {"email": "NOBODY@example.com"})
    assert error_code(limited) == "RATE_LIMITED"
    assert 3500 < limited["errors"][0]["extensions"]["retryAfter"] <= 3600
    other = await gql(client, REQUEST_RESET, {"email": "someone@example.com"})
    assert other == {"data": {"requestPasswordReset": True}}
