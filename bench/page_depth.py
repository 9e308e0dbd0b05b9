"""Page 1 vs page 5,000: seed one user with many todos, then time both pages over HTTP.

Usage (the server must run against the same database, e.g. `graph-api serve --port 5690`):
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/page_depth \
    .venv/bin/python bench/page_depth.py --url http://127.0.0.1:5690/graphql --rows 100000

Seeds (once) user `depth` with `--rows` todos and a session token `tok-depth`, walks cursors
to the page at depth `--depth` (20 rows per page) by asking for the 100-row pages in between,
then measures `--repeat` requests of page 1 and of the deep page and prints median/p95, plus
EXPLAIN (ANALYZE, BUFFERS) of the deep page's keyset statement.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import time

import asyncpg
import httpx

QUERY = (
    "query($after: String) { todos(first: 20, after: $after) { nodes { id title } pageInfo { endCursor } } }"
)
URL = "http://127.0.0.1:5690/graphql"  # replaced by --url
WALK = "query($after: String) { todos(first: 100, after: $after) { pageInfo { endCursor } } }"


async def seed(url: str, rows: int) -> None:
    con = await asyncpg.connect(url)
    try:
        if await con.fetchval("SELECT count(*) FROM todos WHERE user_id = 'depth'") >= rows:
            return
        await con.execute("DELETE FROM \"user\" WHERE id = 'depth'")
        await con.execute(
            "INSERT INTO \"user\" (id, name, email) VALUES ('depth', 'Depth', 'depth@example.com')"
        )
        await con.execute(
            "INSERT INTO session (id, token, expires_at, user_id) "
            "VALUES ('depth', $1, now() + interval '30 days', 'depth')",
            hashlib.sha256(b"tok-depth").hexdigest(),
        )
        await con.execute(
            "INSERT INTO todos (id, title, user_id, completed, created_at, updated_at) "
            "SELECT 'd' || g, 'todo ' || g, 'depth', g % 3 = 0, now() - g * interval '1 second', now() "
            "FROM generate_series(1, $1) g",
            rows,
        )
        await con.execute("ANALYZE todos")
    finally:
        await con.close()


async def timed(client: httpx.AsyncClient, after: str | None, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        r = await client.post(URL, json={"query": QUERY, "variables": {"after": after}})
        samples.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200 and "errors" not in r.json(), r.text
    return samples


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:5690/graphql")
    ap.add_argument("--rows", type=int, default=100_020)
    ap.add_argument("--depth", type=int, default=5000, help="page number (20 rows per page)")
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    global URL
    URL = args.url
    db_url = os.environ["DATABASE_URL"]
    await seed(db_url, args.rows)
    headers = {"Authorization": "Bearer tok-depth"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        after = None
        for _ in range((args.depth - 1) * 20 // 100):
            r = await client.post(URL, json={"query": WALK, "variables": {"after": after}})
            after = r.json()["data"]["todos"]["pageInfo"]["endCursor"]
        for label, cursor in (("page 1", None), (f"page {args.depth}", after)):
            await timed(client, cursor, 20)  # warm-up
            s = sorted(await timed(client, cursor, args.repeat))
            print(f"{label:>10}: median {statistics.median(s):.2f} ms  p95 {s[int(len(s) * 0.95)]:.2f} ms")
    con = await asyncpg.connect(db_url)
    try:
        row = await con.fetchrow(
            "SELECT created_at, id FROM todos WHERE user_id = 'depth' ORDER BY created_at DESC, id DESC "
            "OFFSET $1 LIMIT 1",
            (args.depth - 1) * 20 - 1,
        )
        assert row is not None
        plan = await con.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT id, title FROM todos t WHERE (FALSE OR t.user_id = 'depth') "
            "AND (t.created_at, t.id) < ($1, $2) ORDER BY t.created_at DESC, t.id DESC LIMIT 21",
            row["created_at"],
            row["id"],
        )
        print("\n".join(r[0] for r in plan))
    finally:
        await con.close()


if __name__ == "__main__":
    asyncio.run(main())
