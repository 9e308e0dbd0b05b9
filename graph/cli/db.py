"""`graph-api db ...`: migrations, init, reset and seed."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import asyncpg

from graph import migrate
from graph.cli.common import CliError, database_url, describe, load_settings, run_db
from graph.db import parse_database_url
from graph.seed import ADMIN_EMAIL, seed_admin, seed_bulk
from graph.settings import Settings


def _connect_kwargs(url: str) -> dict[str, Any]:
    p = parse_database_url(url)
    return {
        "host": p.host,
        "port": p.port,
        "user": p.user,
        "password": p.password,
        "database": p.database,
        "timeout": 5,
    }


async def prepare(url: str, settings: Settings, *, seed: bool, create: bool) -> str | None:
    """Create the database if asked, apply migrations, seed the admin; returns a generated password."""
    if create:
        await migrate.ensure_database(url)
    await migrate.upgrade(url)
    if not seed:
        return None
    con = await asyncpg.connect(**_connect_kwargs(url))
    try:
        return await seed_admin(con, settings)
    finally:
        await con.close()


def print_admin_password(password: str | None) -> None:
    if password:
        print(
            f"Created {ADMIN_EMAIL} with password: {password} (shown once; "
            "set SEED_ADMIN_PASSWORD to choose it)"
        )


def cmd_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    url, is_embedded = database_url(settings)

    async def work() -> list[str]:
        if is_embedded:
            await migrate.ensure_database(url)
        return await migrate.upgrade(url)

    applied = run_db(url, work)
    print(
        f"applied {len(applied)} migration(s) to {describe(url)}"
        + (": " + ", ".join(applied) if applied else "")
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    url, is_embedded = database_url(settings)

    async def work() -> str:
        await migrate.ensure_database(url)
        await migrate.upgrade(url)
        return await migrate.make_migration(url, args.name, empty=args.empty)

    result = run_db(url, work)
    print(f"wrote {result}" if result else "no changes: the migrations already match the models")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    settings = load_settings()
    url, _ = database_url(settings)
    password = run_db(url, lambda: prepare(url, settings, seed=True, create=True))
    print(f"database ready at {describe(url)}")
    print_admin_password(password)
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    settings = load_settings()
    url, _ = database_url(settings)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("refusing to drop the database without --yes")
        answer = input(f"Drop every table in {describe(url)} and rebuild it? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("aborted")
            return 1

    async def work() -> str | None:
        await migrate.drop_database(url)
        return await prepare(url, settings, seed=True, create=True)

    password = run_db(url, work)
    print(f"database reset at {describe(url)}")
    print_admin_password(password)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    settings = load_settings()
    url, is_embedded = database_url(settings)
    for name in ("users", "todos_per_user", "files_per_user"):
        if getattr(args, name) < 0:
            raise CliError(f"--{name.replace('_', '-')} must not be negative")

    async def work() -> tuple[str | None, dict[str, int] | None]:
        if is_embedded:
            await migrate.ensure_database(url)
            await migrate.upgrade(url)
        con = await asyncpg.connect(**_connect_kwargs(url))
        try:
            password = await seed_admin(con, settings)
            bulk = None
            if args.users:
                bulk = await seed_bulk(con, args.users, args.todos_per_user, args.files_per_user)
            return password, bulk
        finally:
            await con.close()

    started = time.monotonic()
    password, bulk = run_db(url, work)
    print_admin_password(password)
    if bulk:
        print(
            f"seeded {bulk['users']} users, {bulk['todos']} todos, {bulk['files']} files "
            f"in {time.monotonic() - started:.1f}s"
        )
    else:
        print("seeded the admin user and sample todos")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("db", help="migrations, init, reset and seed")
    dsub = p.add_subparsers(dest="db_command", required=True, parser_class=type(p))

    m = dsub.add_parser("migrate", help="create a migration from model changes (aerich migrate)")
    m.add_argument("--name", required=True, help="what changed, e.g. add_product")
    m.add_argument("--empty", action="store_true", help="an empty migration for hand-written SQL")
    m.set_defaults(handler=cmd_migrate)

    u = dsub.add_parser("upgrade", help="apply pending migrations")
    u.set_defaults(handler=cmd_upgrade)

    i = dsub.add_parser("init", help="create the database if missing, migrate, seed the admin")
    i.set_defaults(handler=cmd_init)

    r = dsub.add_parser("reset", help="drop the database, migrate and seed (asks first)")
    r.add_argument("--yes", action="store_true", help="do not ask")
    r.set_defaults(handler=cmd_reset)

    s = dsub.add_parser("seed", help="the admin user and sample todos; with --users, bulk demo data")
    s.add_argument("--users", type=int, default=0, help="demo users to add")
    s.add_argument("--todos-per-user", type=int, default=100)
    s.add_argument("--files-per-user", type=int, default=0)
    s.set_defaults(handler=cmd_seed)
