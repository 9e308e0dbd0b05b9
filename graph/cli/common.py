"""What the subcommands share: settings, the database URL (embedded when unset), error lines."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from graph import embedded
from graph.db import parse_database_url
from graph.settings import Settings

T = TypeVar("T")

EMBEDDED_DATABASE = "graph"


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_settings() -> Settings:
    return Settings()


def database_url(settings: Settings) -> tuple[str, bool]:
    """The URL to use and whether it is the embedded server (started here when needed)."""
    if settings.database_url:
        return settings.database_url, False
    try:
        base = embedded.start(settings.data_dir)
    except embedded.EmbeddedPostgresError as exc:
        raise CliError(str(exc)) from exc
    p = parse_database_url(base)
    return p.url(EMBEDDED_DATABASE), True


def describe(url: str) -> str:
    p = parse_database_url(url)
    return f"{p.host}:{p.port}/{p.database}" if not p.host.startswith("/") else f"{p.host}/{p.database}"


def run_db(url: str, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` and turn connection failures into one line naming the database."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except (
        OSError,
        asyncpg.PostgresConnectionError,
        asyncpg.CannotConnectNowError,
        socket.gaierror,
        TimeoutError,
    ) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(f"cannot reach the database at {describe(url)}: {reason}") from exc
    except asyncpg.InvalidCatalogNameError as exc:
        raise CliError(f"database does not exist at {describe(url)} (run: graph-api db init)") from exc
    except asyncpg.InvalidPasswordError as exc:
        raise CliError(f"the database refused the credentials for {describe(url)}") from exc


def export_database_url(url: str) -> None:
    # Worker processes (uvicorn --workers) read their settings from the environment.
    os.environ["DATABASE_URL"] = url
