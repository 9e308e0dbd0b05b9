"""Test fixtures: a throwaway database built by the real migrations, the app over HTTP, isolation.

The database server is the one TEST_DATABASE_URL names, or else the embedded PostgreSQL under
.data/pg-test (started here, stopped at the end). Every test starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from graph import db as gdb
from graph import embedded, migrate
from graph.app import create_app
from graph.db import parse_database_url
from graph.settings import Settings
from tests.sql import StatementCounter

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["verification", "rate_limit", "pending_upload", "files", "todos", "account", "session", '"user"']


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database for this run, migrated from zero with Aerich."""
    server = os.environ.get("TEST_DATABASE_URL")
    started_embedded = False
    if not server:
        # Stopped at the end only if this run started it (another run may be using it).
        started_embedded = not embedded.is_running(ROOT / ".data", name="pg-test")
        server = embedded.start(ROOT / ".data", name="pg-test")
    url = parse_database_url(server).url(f"test_{os.getpid()}_{secrets.token_hex(3)}")

    await migrate.ensure_database(url)
    await migrate.upgrade(url)
    yield url
    await migrate.drop_database(url)
    if started_embedded:
        embedded.stop(ROOT / ".data", name="pg-test")


@pytest.fixture(scope="session")
def make_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Settings]:
    data_dir = tmp_path_factory.mktemp("data")

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "environment": "development",
            "data_dir": data_dir,
            "mail_backend": "memory",
            # Cheap hashing keeps the suite fast; bench/ measures the real parameters.
            "argon2_time_cost": 1,
            "argon2_memory_kib": 1024,
            "public_url": "http://testserver",
            "db_pool_max": 5,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture(scope="session")
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    gdb.observe_statements = True
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def db(app: Starlette) -> gdb.Database:
    """The app's database, with every table emptied: each test starts from nothing."""
    database: gdb.Database = app.state.services.db
    try:
        async with database.transaction() as con:
            await con.execute("SET LOCAL lock_timeout = '10s'")
            await con.execute("TRUNCATE " + ", ".join(TABLES) + " CASCADE")
    except asyncpg.LockNotAvailableError:
        # Someone holds a table lock: name them, so the leak is found rather than guessed at.
        holders = await database.fetch(
            "SELECT pid, application_name, state, wait_event_type, wait_event, xact_start, query_start, "
            "left(query, 600) AS query "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        raise AssertionError("tables are locked by: " + "; ".join(map(str, map(dict, holders)))) from None
    return database


@pytest.fixture
async def client(app: Starlette, db: gdb.Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def sql_counter() -> Iterator[StatementCounter]:
    counter = StatementCounter()
    gdb.statement_observers.append(counter)
    try:
        yield counter
    finally:
        gdb.statement_observers.remove(counter)
