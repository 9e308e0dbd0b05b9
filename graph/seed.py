"""Seed data: the admin user and sample todos (idempotent), and bulk demo data via COPY."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from graph.auth.passwords import Passwords
from graph.settings import Settings
from models.ids import new_id

ADMIN_EMAIL = "admin@example.com"
SAMPLE_TODOS = [
    ("Read the README", True),
    ("Explore the API in GraphiQL", False),
    ("Create your first todo", False),
    ("Upload a file", False),
]


def _stable_id(*parts: object) -> str:
    # Deterministic ids make the seed idempotent: run twice, same rows.
    return "c" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:24]


async def seed_admin(con: asyncpg.Connection, settings: Settings) -> str | None:  # type: ignore[type-arg]
    """Create the admin and its sample todos if missing. Returns a generated password, if any."""
    generated: str | None = None
    async with con.transaction():
        admin_id = await con.fetchval('SELECT id FROM "user" WHERE email = $1', ADMIN_EMAIL)
        if admin_id is None:
            admin_id = _stable_id("user", ADMIN_EMAIL)
            await con.execute(
                'INSERT INTO "user" (id, name, email, email_verified, role) '
                "VALUES ($1, 'Admin', $2, true, 'admin')",
                admin_id,
                ADMIN_EMAIL,
            )
            if settings.seed_admin_password is not None:
                password = settings.seed_admin_password.get_secret_value()
            else:
                password = generated = secrets.token_urlsafe(12)
            digest = Passwords(settings).hash_sync(password)
            await con.execute(
                "INSERT INTO account (id, account_id, provider_id, user_id, password) "
                "VALUES ($1, $2, 'credential', $2, $3)",
                _stable_id("account", ADMIN_EMAIL),
                admin_id,
                digest,
            )
        for i, (title, done) in enumerate(SAMPLE_TODOS):
            await con.execute(
                "INSERT INTO todos (id, title, completed, user_id, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING",
                _stable_id("todo", admin_id, i),
                title,
                done,
                admin_id,
                datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            )
    return generated


MIME_TYPES = [
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("application/pdf", "pdf"),
    ("text/plain", "txt"),
    ("video/mp4", "mp4"),
    ("application/zip", "zip"),
]
VERBS = ["Buy", "Fix", "Write", "Call", "Review", "Plan", "Clean", "Book", "Read", "Send"]
NOUNS = [
    "groceries",
    "report",
    "dentist appointment",
    "invoice",
    "presentation",
    "garden",
    "car",
    "tickets",
    "budget",
    "meeting notes",
]


async def seed_bulk(
    con: asyncpg.Connection,
    users: int,
    todos_per_user: int,  # type: ignore[type-arg]
    files_per_user: int,
) -> dict[str, int]:
    """Append demo users with todos and file rows, streamed with COPY (fast enough for benchmarks)."""
    now = datetime.now(UTC)
    run = secrets.token_hex(3)
    user_rows: list[tuple[Any, ...]] = []
    todo_rows: list[tuple[Any, ...]] = []
    file_rows: list[tuple[Any, ...]] = []
    for n in range(users):
        uid = new_id()
        created = now - timedelta(days=365) + timedelta(minutes=n)
        user_rows.append(
            (
                uid,
                f"Demo User {run}-{n}",
                f"demo-{run}-{n}@example.com",
                n % 4 != 0,
                None,
                "user",
                created,
                created,
            )
        )
        for i in range(todos_per_user):
            t = created + timedelta(hours=87 * i / max(todos_per_user / 100, 1))
            title = f"{VERBS[(n + i) % len(VERBS)]} {NOUNS[(n * 7 + i) % len(NOUNS)]}"
            todo_rows.append((new_id(), title, (n + i) % 10 < 3, uid, t, t))
        for j in range(files_per_user):
            mime, ext = MIME_TYPES[(n + j) % len(MIME_TYPES)]
            fid = new_id()
            t = created + timedelta(days=36 * j)
            file_rows.append(
                (
                    fid,
                    f"file-{j}.{ext}",
                    f"Original {j}.{ext}",
                    mime,
                    100 + (n * 7919 + j * 104729) % 5_000_000,
                    f"{uid}/{fid}/file-{j}.{ext}",
                    None,
                    uid,
                    t,
                    t,
                )
            )
    async with con.transaction():
        await con.copy_records_to_table(
            "user",
            records=user_rows,
            columns=[
                "id",
                "name",
                "email",
                "email_verified",
                "image",
                "role",
                "created_at",
                "updated_at",
            ],
        )
        await con.copy_records_to_table(
            "todos",
            records=todo_rows,
            columns=["id", "title", "completed", "user_id", "created_at", "updated_at"],
        )
        await con.copy_records_to_table(
            "files",
            records=file_rows,
            columns=[
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
            ],
        )
    return {"users": len(user_rows), "todos": len(todo_rows), "files": len(file_rows)}
