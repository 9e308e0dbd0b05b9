"""Requests failed, and seconds to recover, across a PostgreSQL restart under load.

Start the API first (e.g. `graph-api serve --port 8011`), then:

    python bench/restart.py --url http://127.0.0.1:8011/graphql \
        --restart "pg_ctlcluster --skip-systemctl-redirect 15 main restart"

N concurrent clients run an authenticated query in a loop; after --before seconds the restart
command runs; the script reports every outcome by code, how long requests kept failing (first
failure to the first success after it), the slowest failed request (failing fast matters), and
whether any request came back INTERNAL or HTTP 500.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import time

import httpx
from _client import QUERY, outcome, sign_up


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--restart", required=True, help="shell command that restarts PostgreSQL")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--before", type=float, default=3.0, help="seconds of load before the restart")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of load after the restart returns")
    args = parser.parse_args()

    async with httpx.AsyncClient(timeout=30) as client:
        token = await sign_up(client, args.url)
        headers = {"Authorization": f"Bearer {token}"}
        events: list[tuple[float, str, float]] = []  # (finished at, outcome, latency)
        stop = asyncio.Event()

        async def worker() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    response = await client.post(args.url, json={"query": QUERY}, headers=headers)
                    result = outcome(response)
                except httpx.HTTPError as exc:
                    result = f"transport-{type(exc).__name__}"
                now = time.perf_counter()
                events.append((now, result, now - started))

        workers = [asyncio.create_task(worker()) for _ in range(args.concurrency)]
        await asyncio.sleep(args.before)
        restart_started = time.perf_counter()
        await asyncio.to_thread(subprocess.run, args.restart, shell=True, check=True)
        restart_done = time.perf_counter()
        await asyncio.sleep(args.after)
        stop.set()
        await asyncio.gather(*workers)

    counts = collections.Counter(result for _, result, _ in events)
    failures = [(at, result, latency) for at, result, latency in events if result != "ok"]
    print(f"requests: {len(events)}  by outcome: {dict(counts)}")
    print(f"restart command took {restart_done - restart_started:.2f}s")
    if failures:
        first_failure = failures[0][0]
        recovered = next((at for at, result, _ in events if at > failures[-1][0] and result == "ok"), None)
        slowest = max(latency for _, _, latency in failures)
        print(f"failed requests: {len(failures)}  slowest failed request: {slowest:.3f}s")
        if recovered is None:
            print("NOT recovered by the end of the run")
        else:
            print(
                f"seconds failing (first failure -> first success after the last failure): "
                f"{recovered - first_failure:.2f}"
            )
            print(f"recovered {recovered - restart_done:+.2f}s relative to the restart command returning")
    else:
        print("no request failed")
    bad = counts.get("INTERNAL", 0) + counts.get("http-500", 0)
    print(f"INTERNAL or HTTP 500: {bad}")


if __name__ == "__main__":
    asyncio.run(main())
