from __future__ import annotations

import asyncpg

from graph import migrate
from graph.db import Database
from tests.cli import run_cli


async def test_migrations_from_zero_match_the_models(database_url: str) -> None:
    # The session database was built from zero by the migrations; Aerich must find nothing to add.
    assert await migrate.pending_model_changes(database_url) == []


async def test_tables_and_columns_are_the_contract_names(db: Database) -> None:
    rows = await db.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = ANY($1::text[])",
        ["user", "session", "account", "verification", "todos", "files"],
    )
    columns: dict[str, set[str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], set()).add(row["column_name"])
    assert columns["user"] >= {
        "id",
        "name",
        "email",
        "email_verified",
        "image",
        "role",
        "created_at",
        "updated_at",
    }
    assert columns["session"] >= {
        "id",
        "token",
        "expires_at",
        "ip_address",
        "user_agent",
        "user_id",
        "created_at",
        "updated_at",
    }
    assert columns["account"] >= {
        "id",
        "account_id",
        "provider_id",
        "user_id",
        "access_token",
        "refresh_token",
        "id_token",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "scope",
        "password",
        "created_at",
        "updated_at",
    }
    assert columns["verification"] >= {"id", "identifier", "value", "expires_at", "created_at", "updated_at"}
    assert columns["todos"] >= {"id", "title", "completed", "user_id", "created_at", "updated_at"}
    assert columns["files"] >= {
        "id",
        "name",
        "original_name",
        "mime_type",
        "size",
        "path",
        "url",
        "user_id",
        "created_at",
        "updated_at",
    }


async def test_plain_sql_rows_get_database_defaults(db: Database) -> None:
    await db.execute("INSERT INTO \"user\" (id, name, email) VALUES ('u1', 'Ada', 'ada@example.com')")
    await db.execute("INSERT INTO todos (id, title, user_id) VALUES ('t1', 'Plain SQL', 'u1')")
    user = await db.fetchrow('SELECT role, email_verified, created_at, updated_at FROM "user"')
    todo = await db.fetchrow("SELECT completed, created_at, updated_at FROM todos")
    assert user is not None and todo is not None
    assert (user["role"], user["email_verified"]) == ("user", False)
    assert user["created_at"] is not None and user["updated_at"] is not None
    assert todo["completed"] is False and todo["created_at"] is not None


async def test_deleting_a_user_cascades(db: Database) -> None:
    await db.execute("INSERT INTO \"user\" (id, name, email) VALUES ('u1', 'Ada', 'ada@example.com')")
    await db.execute("INSERT INTO todos (id, title, user_id) VALUES ('t1', 'x', 'u1')")
    await db.execute("DELETE FROM \"user\" WHERE id = 'u1'")
    assert await db.fetchval("SELECT count(*) FROM todos") == 0


async def test_email_is_unique(db: Database) -> None:
    await db.execute("INSERT INTO \"user\" (id, name, email) VALUES ('u1', 'Ada', 'ada@example.com')")
    try:
        await db.execute("INSERT INTO \"user\" (id, name, email) VALUES ('u2', 'Ada', 'ada@example.com')")
    except asyncpg.UniqueViolationError:
        return
    raise AssertionError("a second user with the same email was accepted")


def test_committed_schema_is_current() -> None:
    result = run_cli("schema", "--check")
    assert result.returncode == 0, result.stderr
