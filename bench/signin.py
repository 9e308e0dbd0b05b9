"""Time one sign-in over HTTP against a running server (uvicorn), with its Argon2id parameters.

    graph-api serve --port 8000 &        # default ARGON2_* settings unless overridden
    .venv/bin/python bench/signin.py --url http://127.0.0.1:8000/graphql -n 50

Signs up a throwaway user, then times sequential signIn calls (each is one Argon2id verify plus
two or three SQL statements), a few failures (wrong password, unknown email: these should cost
the same) and a burst of parallel sign-ins (hashing runs in worker threads, so the event loop
keeps serving). Failures are capped below the rate limits (10 per account, 50 per address).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from typing import Any

import httpx

SIGN_UP = "mutation($i: SignUpInput!) { signUp(input: $i) { token } }"
SIGN_IN = "mutation($i: SignInInput!) { signIn(input: $i) { token } }"


async def call(
    client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any]
) -> tuple[float, Any]:
    started = time.perf_counter()
    response = await client.post(url, json={"query": query, "variables": variables})
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def summary(label: str, ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{label:<28} n={len(ms):<4} mean={statistics.fmean(ms):7.1f} ms  "
        f"p50={statistics.median(ms):7.1f} ms  p95={p95:7.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("-n", type=int, default=50, help="sequential sign-ins to time")
    parser.add_argument("--parallel", type=int, default=8, help="sign-ins fired at once")
    args = parser.parse_args()

    email = f"bench-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    creds = {"email": email, "password": password}
    async with httpx.AsyncClient(timeout=60) as client:
        _, body = await call(client, args.url, SIGN_UP, {"i": {**creds, "name": "Bench"}})
        assert "errors" not in body, body
        await call(client, args.url, SIGN_IN, {"i": creds})  # warm-up: connections, statement cache

        ok = []
        for _ in range(args.n):
            elapsed, body = await call(client, args.url, SIGN_IN, {"i": creds})
            assert "errors" not in body, body
            ok.append(elapsed)
        # Before the failures: in-flight attempts count toward the limit until they succeed.
        started = time.perf_counter()
        results = await asyncio.gather(
            *(call(client, args.url, SIGN_IN, {"i": creds}) for _ in range(args.parallel))
        )
        burst = (time.perf_counter() - started) * 1000
        errors = [body["errors"] for _, body in results if "errors" in body]
        assert not errors, errors

        wrong, unknown = [], []
        for _ in range(4):
            elapsed, body = await call(
                client, args.url, SIGN_IN, {"i": {**creds, "password": "wrong password"}}
            )
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
            wrong.append(elapsed)
            other = {"email": f"nobody-{secrets.token_hex(4)}@example.com", "password": password}
            elapsed, body = await call(client, args.url, SIGN_IN, {"i": other})
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
            unknown.append(elapsed)

    print(summary("signIn (correct password)", ok))
    print(summary("signIn (wrong password)", wrong))
    print(summary("signIn (unknown email)", unknown))
    print(f"{args.parallel} parallel signIn            wall={burst:7.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
