"""In-flight requests drained on SIGTERM.

Starts `graph-api serve` itself (DATABASE_URL must name a migrated database), starts N requests
whose bodies arrive slowly (spread over --hold seconds, so they are genuinely in flight), sends
SIGTERM in the middle, and reports how many still completed with 200, whether a new connection
was refused after the signal, and how long the server took to exit.

    DATABASE_URL=postgresql://... python bench/drain.py --port 8012 --requests 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
from _client import sign_up

SLOW = "query BenchDrain { viewer { todos(first: 100) { totalCount edges { node { id title } } } } }"


async def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if proc.poll() is not None:
                raise SystemExit("the server exited during start-up")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not become ready")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--grace", type=int, default=20)
    parser.add_argument("--hold", type=float, default=2.0, help="seconds each request body takes to arrive")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL to a migrated database")

    base = f"http://127.0.0.1:{args.port}"
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "graph.cli", "serve", "--port", str(args.port), "--grace", str(args.grace)]
    )
    try:
        await wait_ready(base + "/healthz", proc)
        async with httpx.AsyncClient(timeout=60) as client:
            token = await sign_up(client, base + "/graphql")
            headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
            body = json.dumps({"query": SLOW}).encode()

            async def slow_body() -> AsyncIterator[bytes]:
                steps = 10
                for i in range(steps):
                    yield body[i * len(body) // steps : (i + 1) * len(body) // steps]
                    await asyncio.sleep(args.hold / steps)

            async def one() -> str:
                try:
                    response = await client.post(base + "/graphql", content=slow_body(), headers=headers)
                    return str(response.status_code)
                except httpx.HTTPError as exc:
                    return type(exc).__name__

            inflight = [asyncio.create_task(one()) for _ in range(args.requests)]
            await asyncio.sleep(args.hold / 2)  # every request started, none finished
            signalled = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.2)
            try:
                late = (await client.get(base + "/healthz")).status_code
                after = f"answered {late}"
            except httpx.HTTPError as exc:
                after = f"refused ({type(exc).__name__})"
            results = await asyncio.gather(*inflight)
        code = await asyncio.to_thread(proc.wait, args.grace + 10)
        done = time.perf_counter()
    finally:
        if proc.poll() is None:
            proc.kill()
    ok = results.count("200")
    others = [r for r in results if r != "200"]
    print(f"in flight at SIGTERM: {args.requests}  completed 200: {ok}  other: {others}")
    print(f"new request after SIGTERM: {after}")
    print(f"server exited with {code} {done - signalled:.2f}s after SIGTERM")


if __name__ == "__main__":
    asyncio.run(main())
