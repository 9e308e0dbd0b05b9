from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from graph.db import Database
from tests.cli import GRAPH_API, run_cli


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["db", "--help"],
        ["db", "seed", "--help"],
        ["db", "migrate", "--help"],
        ["db", "reset", "--help"],
        ["schema", "--help"],
    ):
        result = run_cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "usage:" in result.stdout


def test_bad_argument_is_one_clear_line() -> None:
    result = run_cli("db", "seed", "--users", "many")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--users" in lines[0] and "invalid int value" in lines[0]


def test_unknown_command_is_one_clear_line() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_database_is_one_clear_line() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_cli("db", "upgrade", env={"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/x"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("graph-api: cannot reach the database at 127.0.0.1:")


def test_invalid_settings_are_one_clear_line() -> None:
    result = run_cli("db", "upgrade", env={"DATABASE_URL": "mysql://nope", "PORT": "eighty"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "invalid settings" in lines[0] and "DATABASE_URL" in lines[0] and "PORT" in lines[0]


def test_reset_refuses_without_yes_when_not_interactive(database_url: str) -> None:
    result = run_cli("db", "reset", env={"DATABASE_URL": database_url}, input="")
    assert result.returncode == 1
    assert "--yes" in result.stderr


async def test_seed_is_idempotent(database_url: str, db: Database) -> None:
    env = {"DATABASE_URL": database_url, "SEED_ADMIN_PASSWORD": "correct horse battery"}
    first = run_cli("db", "seed", env=env)
    assert first.returncode == 0, first.stderr
    counts = await db.fetchrow(
        'SELECT (SELECT count(*) FROM "user") u, (SELECT count(*) FROM todos) t, '
        "(SELECT count(*) FROM account) a"
    )
    second = run_cli("db", "seed", env=env)
    assert second.returncode == 0, second.stderr
    again = await db.fetchrow(
        'SELECT (SELECT count(*) FROM "user") u, (SELECT count(*) FROM todos) t, '
        "(SELECT count(*) FROM account) a"
    )
    assert counts == again and counts is not None and counts["u"] == 1 and counts["t"] > 0
    admin = await db.fetchrow('SELECT role, email FROM "user"')
    assert admin is not None and (admin["role"], admin["email"]) == ("admin", "admin@example.com")
    # The password came from SEED_ADMIN_PASSWORD and is stored only as an Argon2id hash.
    stored = await db.fetchval("SELECT password FROM account WHERE provider_id = 'credential'")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert "password" not in first.stdout


async def test_seed_without_password_prints_a_generated_one_once(database_url: str, db: Database) -> None:
    first = run_cli("db", "seed", env={"DATABASE_URL": database_url})
    assert re.search(r"admin@example.com with password: \S+", first.stdout)
    second = run_cli("db", "seed", env={"DATABASE_URL": database_url})
    assert "password" not in second.stdout


async def test_bulk_seed(database_url: str, db: Database) -> None:
    result = run_cli(
        "db",
        "seed",
        "--users",
        "7",
        "--todos-per-user",
        "11",
        "--files-per-user",
        "3",
        env={"DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM \"user\" WHERE role = 'user') u, "
        "(SELECT count(*) FROM todos t JOIN \"user\" u ON u.id = t.user_id WHERE u.role = 'user') t, "
        "(SELECT count(*) FROM files) f"
    )
    assert row is not None and (row["u"], row["t"], row["f"]) == (7, 77, 21)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_until_ready(cwd: Path, port: int) -> tuple[subprocess.Popen[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TEST_"))}
    started = time.monotonic()
    proc = subprocess.Popen(
        [GRAPH_API, "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = started + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not become ready")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return out


def test_serve_with_no_environment_runs_the_embedded_default(tmp_path: Path) -> None:
    port = _free_port()
    proc, _ = _serve_until_ready(tmp_path, port)
    try:
        r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"})
        assert r.json() == {"data": {"__typename": "Query"}}
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
    finally:
        first_output = _stop(proc)
    assert proc.returncode in (0, 143), first_output
    assert "admin@example.com with password" in first_output
    assert (tmp_path / ".data" / "postgres" / "PG_VERSION").exists()
    # Stopping the server stopped its PostgreSQL too.
    assert not (tmp_path / ".data" / "postgres" / "postmaster.pid").exists()

    # A second run reuses the data (the admin is not created again).
    proc, _ = _serve_until_ready(tmp_path, port)
    second_output = _stop(proc)
    assert "admin@example.com with password" not in second_output
