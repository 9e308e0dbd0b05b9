"""Aerich, driven from Python: create and apply migrations, and check the models match them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from aerich import Command
from tortoise import Tortoise

from graph.db import APP, parse_database_url, tortoise_config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@asynccontextmanager
async def _command(database_url: str) -> AsyncIterator[Command]:
    """An initialised Aerich command. Tortoise is initialised explicitly every time: Aerich skips
    it when Tortoise says it is inited, which stays true after an earlier close."""
    config = tortoise_config(database_url, pool_min=1, pool_max=2)
    command = Command(tortoise_config=config, app=APP, location=str(MIGRATIONS))
    await Tortoise.init(config=config)
    try:
        await command.init()
        yield command
    finally:
        await Tortoise.close_connections()


async def ensure_database(database_url: str) -> bool:
    """Create the URL's database if it does not exist. Returns True when it was created."""
    p = parse_database_url(database_url)
    con = await asyncpg.connect(
        host=p.host, port=p.port, user=p.user, password=p.password, database="postgres", timeout=5
    )
    try:
        exists = await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", p.database)
        if exists:
            return False
        await con.execute(f'CREATE DATABASE "{p.database}"')
        return True
    finally:
        await con.close()


async def drop_database(database_url: str) -> None:
    p = parse_database_url(database_url)
    con = await asyncpg.connect(
        host=p.host, port=p.port, user=p.user, password=p.password, database="postgres", timeout=5
    )
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{p.database}" WITH (FORCE)')
    finally:
        await con.close()


async def upgrade(database_url: str) -> list[str]:
    """Apply every migration not applied yet; returns the names applied."""
    async with _command(database_url) as command:
        applied: list[str] = await command.upgrade(run_in_transaction=True)
        return applied


async def make_migration(database_url: str, name: str, empty: bool = False) -> str:
    """Write a migration for what the models changed (or an empty one for hand-written SQL)."""
    async with _command(database_url) as command:
        result: Any = await command.migrate(name=name, empty=empty)
        return str(result or "")


async def pending_model_changes(database_url: str) -> list[str]:
    """SQL Aerich would put in a new migration now; empty when the migrations match the models.

    Runs Aerich's own diff (the one `migrate` uses) without writing a file.
    """
    from aerich.migrate import Migrate
    from aerich.utils import get_models_describe

    async with _command(database_url):
        Migrate.upgrade_operators.clear()
        Migrate.downgrade_operators.clear()
        new = get_models_describe(APP)
        last: Any = Migrate._last_version_content
        last, new = Migrate._exclude_model_name_changes(last, new)
        Migrate.diff_models(last, new, no_input=True)
        Migrate.diff_models(new, last, False, no_input=True)
        Migrate._merge_operators()
        pending = list(Migrate.upgrade_operators)
        Migrate.upgrade_operators.clear()
        Migrate.downgrade_operators.clear()
        return pending
