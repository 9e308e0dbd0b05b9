"""Live fan-out benchmark: S graphql-transport-ws subscribers of one user, N todo mutations.

Talks only HTTP/WebSocket to a running server, e.g.:

    DATABASE_URL=postgresql://... .venv/bin/graph-api serve --port 8010 &
    .venv/bin/python bench/live_fanout.py --url http://127.0.0.1:8010 --subscribers 100 --mutations 500

Signs up a fresh user, opens S subscriptions (ping/pong barrier: all live before the clock starts),
then sends N createTodo mutations from C concurrent HTTP clients. Reports events delivered per
second (S x N events, from the first mutation sent to the last event received) and the delay from
sending a mutation to the last subscriber receiving its event.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

SUBSCRIBE = "subscription { todoEvents { kind id todo { id title completed updatedAt } } }"
CREATE = "mutation($t: String!) { createTodo(input: {title: $t}) { id } }"
SIGN_UP = "mutation($in: SignUpInput!) { signUp(input: $in) { token } }"


async def _subscriber(
    url: str, token: str, ready: asyncio.Event, expected: int, seen: dict[str, float]
) -> float:
    """Subscribe, signal ready, then record (first) arrival times; returns the last arrival."""
    ws_url = url.replace("http", "ws", 1) + "/graphql"
    ws: ClientConnection
    async with connect(ws_url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:  # type: ignore[list-item]
        await ws.send(
            orjson.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            ).decode()
        )
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}).decode()
        )
        await ws.send(orjson.dumps({"type": "ping"}).decode())
        assert orjson.loads(await ws.recv())["type"] == "pong"
        ready.set()
        last = 0.0
        for _ in range(expected):
            message = orjson.loads(await ws.recv())
            last = time.perf_counter()
            title = message["payload"]["data"]["todoEvents"]["todo"]["title"]
            seen[title] = max(seen.get(title, 0.0), last)
        return last


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8010")
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--mutations", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent HTTP mutation clients")
    args = parser.parse_args()

    async with httpx.AsyncClient(base_url=args.url, timeout=30) as http:
        email = f"bench-{secrets.token_hex(4)}@example.com"
        body = {
            "query": SIGN_UP,
            "variables": {"in": {"email": email, "password": "bench-password", "name": "B"}},
        }
        token = (await http.post("/graphql", json=body)).json()["data"]["signUp"]["token"]
        headers = {"Authorization": f"Bearer {token}"}

        seen: dict[str, float] = {}
        readies = [asyncio.Event() for _ in range(args.subscribers)]
        subs = [
            asyncio.create_task(_subscriber(args.url, token, ready, args.mutations, seen))
            for ready in readies
        ]
        # A subscriber that failed never sets its event: fail instead of waiting forever.
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)

        sent: dict[str, float] = {}
        todo = iter(range(args.mutations))

        async def mutate() -> None:
            for n in todo:
                sent[f"t{n}"] = time.perf_counter()
                body = {"query": CREATE, "variables": {"t": f"t{n}"}}
                r = await http.post("/graphql", json=body, headers=headers)
                assert "errors" not in r.json(), r.text

        start = time.perf_counter()
        await asyncio.gather(*(mutate() for _ in range(args.concurrency)))
        mutated = time.perf_counter()
        last = max(await asyncio.gather(*subs))

    events = args.subscribers * args.mutations
    # From sending the mutation to the LAST subscriber receiving its event.
    delays = sorted((seen[title] - t) * 1000 for title, t in sent.items())
    print(f"subscribers={args.subscribers} mutations={args.mutations} concurrency={args.concurrency}")
    print(f"mutations/s={args.mutations / (mutated - start):.0f}")
    print(f"events delivered={events} in {last - start:.2f}s -> events/s={events / (last - start):.0f}")
    p50, p99 = statistics.median(delays), delays[max(0, int(len(delays) * 0.99) - 1)]
    print(f"mutation sent->last subscriber received ms: p50={p50:.1f} p99={p99:.1f} max={delays[-1]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
