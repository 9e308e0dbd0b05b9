"""Shared bits of the hardening benchmarks: they only talk HTTP to a running server."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

QUERY = "query BenchViewer { viewer { id email todos(first: 5) { totalCount } } }"


async def sign_up(client: httpx.AsyncClient, url: str) -> str:
    """A fresh account's bearer token (signUp from the contract)."""
    email = f"bench-{secrets.token_hex(6)}@example.com"
    mutation = "mutation($i: SignUpInput!) { signUp(input: $i) { token } }"
    variables = {"i": {"email": email, "password": secrets.token_urlsafe(16), "name": "Bench"}}
    response = await client.post(url, json={"query": mutation, "variables": variables})
    body: Any = response.json()
    if "errors" in body:
        raise SystemExit(f"signUp failed: {body['errors']}")
    return str(body["data"]["signUp"]["token"])


def outcome(response: httpx.Response) -> str:
    """ok, or the error code the client saw (HTTP status when there is none)."""
    try:
        body: Any = response.json()
    except ValueError:
        return f"http-{response.status_code}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return "ok" if response.status_code == 200 else f"http-{response.status_code}"
    return str(errors[0].get("extensions", {}).get("code", "UNCODED"))
