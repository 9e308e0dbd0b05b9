"""Database wiring: the Tortoise config (Aerich reads the same), the app's asyncpg pool, SQL helpers.

Tortoise models are the schema's source of truth and Aerich migrates them. The running app
does not go through the ORM: every read and write is SQL generated from the types'
declarations (graph/sql), run on one asyncpg pool that returns plain records. The same
declarations feed the compiled read path, so there is one description of each table.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from models import MODEL_MODULES

log = logging.getLogger(__name__)

APP = "models"

# Observers of every SQL statement the pool runs (the test suite counts statements with them).
# Off unless `observe_statements` is set before the pool opens, so the hot path pays nothing.
observe_statements = False
statement_observers: list[Callable[[str], None]] = []


@dataclass(frozen=True)
class ConnParams:
    host: str
    port: int
    user: str
    password: str
    database: str

    def url(self, database: str | None = None) -> str:
        from urllib.parse import quote

        db = database or self.database
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{db}?host={quote(self.host, safe='/')}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{db}"


def parse_database_url(url: str) -> ConnParams:
    """Split a postgres:// URL, including the unix-socket form `postgresql://u@/db?host=/dir`."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    port = int(query.get("port", [parts.port or 5432])[0])
    return ConnParams(
        host=unquote(host),
        port=port,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/") or "postgres"),
    )


# Connections whose last command was interrupted (the task was cancelled, e.g. graphql-core
# aborting sibling resolvers once a non-null error nulls their parent).
_interrupted: weakref.WeakSet[Any] = weakref.WeakSet()


async def _reset(con: asyncpg.Connection) -> None:  # type: ignore[type-arg]
    """Runs on every release instead of asyncpg's reset query (RESET ALL; UNLISTEN *; ...):
    pooled connections never change session state, so a normal release costs no round trip.

    An interrupted command is the exception: asyncpg prepares with Parse/Describe/Flush and
    sends Sync only with the execute, so a task cancelled in between leaves the server inside an
    implicit transaction that holds the tables' locks. One simple query ends it.
    """
    if con in _interrupted:
        _interrupted.discard(con)
        await con.execute("ROLLBACK")


def _log_statement(record: Any) -> None:  # asyncpg.LoggedQuery, untyped in the stubs
    for observer in list(statement_observers):
        observer(record.query)


async def _init_connection(con: asyncpg.Connection) -> None:  # type: ignore[type-arg]
    if observe_statements:
        con.add_query_logger(_log_statement)


def tortoise_config(
    database_url: str,
    *,
    pool_min: int = 1,
    pool_max: int = 10,
    command_timeout: float | None = None,
) -> dict[str, Any]:
    p = parse_database_url(database_url)
    credentials: dict[str, Any] = {
        "host": p.host,
        "port": p.port,
        "user": p.user,
        "password": p.password,
        "database": p.database,
        "minsize": pool_min,
        "maxsize": pool_max,
        "reset": _reset,
        "init": _init_connection,
        # Fail fast when the database is down instead of hanging a request.
        "timeout": 5,
    }
    if command_timeout:
        credentials["command_timeout"] = command_timeout
    return {
        "connections": {"default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}},
        "apps": {APP: {"models": [*MODEL_MODULES, "aerich.models"], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


class Database:
    """The application's handle on PostgreSQL: plain SQL over the one pool, records out."""

    def __init__(self, pool: asyncpg.Pool) -> None:  # type: ignore[type-arg]
        self.pool = pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:  # a pooled asyncpg connection
        """A pooled connection; if the caller is cancelled mid-command, it is cleaned on release."""
        async with self.pool.acquire() as con:
            try:
                yield con
            except asyncio.CancelledError:
                _interrupted.add(getattr(con, "_con", con))  # the proxy's underlying connection
                raise

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self.connection() as con:
            rows: list[asyncpg.Record] = await con.fetch(sql, *args)
            return rows

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with self.connection() as con:
            row: asyncpg.Record | None = await con.fetchrow(sql, *args)
            return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self.connection() as con:
            return await con.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        async with self.connection() as con:
            status: str = await con.execute(sql, *args)
            return status

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:  # a pooled asyncpg connection
        """One connection in one transaction: everything inside commits together or not at all."""
        async with self.connection() as con, con.transaction():
            yield con

    async def ping(self) -> bool:
        try:
            return bool(await self.pool.fetchval("SELECT 1", timeout=2))
        except Exception:  # noqa: BLE001 - readiness only reports, the cause is logged
            log.warning("database ping failed", exc_info=True)
            return False


async def open_database(
    database_url: str,
    *,
    pool_min: int = 1,
    pool_max: int = 10,
    command_timeout: float | None = None,
) -> Database:
    """Open the app's pool. Connections are made lazily after the first, so a database that is
    down at start only fails requests (fast), and the pool recovers when it is back."""
    p = parse_database_url(database_url)
    pool = await asyncpg.create_pool(
        host=p.host,
        port=p.port,
        user=p.user,
        password=p.password or None,
        database=p.database,
        min_size=pool_min,
        max_size=pool_max,
        command_timeout=command_timeout,
        timeout=5,
        reset=_reset,
        init=_init_connection,
        # Statements are prepared and cached per connection, and planned once (generic plans):
        # values are bound parameters and visibility is a literal per branch, so a generic plan
        # is as good as a custom one, while re-planning a compiled read cost more than running it.
        # JIT off: a generic plan's cost counts branches that never run (the admin branch of a
        # compiled read), which would trigger JIT compilation (tens of ms) on every execution.
        statement_cache_size=1024,
        server_settings={"plan_cache_mode": "force_generic_plan", "jit": "off"},
    )
    return Database(pool)


async def close_database(db: Database) -> None:
    try:
        await asyncio.wait_for(db.pool.close(), 10)
    except TimeoutError:
        db.pool.terminate()
