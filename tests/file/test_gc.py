"""`graph-api files gc`: reports first, deletes with --yes, spares what is consistent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from graph.db import Database
from graph.storage import Storage
from models.ids import new_id
from tests.cli import run_cli
from tests.factories import make_file
from tests.file.conftest import Backend, object_keys, upload


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_files_gc_reports_then_deletes_orphans_missing_objects_and_expired_uploads(
    files_client: httpx.AsyncClient,
    user_token: tuple[dict[str, Any], str],
    db: Database,
    storage: Storage,
    backend: Backend,
    tmp_path: Path,
) -> None:
    user, token = user_token
    uid = user["id"]
    healthy = (await upload(files_client, token, b"keep me", "keep.txt")).json()["data"]["uploadFile"]
    orphan_key = f"{uid}/{new_id()}/orphan.txt"
    await storage.put(orphan_key, one_chunk(b"no row"), mime_type="text/plain")
    missing = await make_file(db, uid, name="gone.pdf")
    expired_id = new_id()
    expired_key = f"{uid}/{expired_id}/late.bin"
    await storage.put(expired_key, one_chunk(b"never completed"), mime_type="application/octet-stream")
    await db.execute(
        "INSERT INTO pending_upload (id, name, mime_type, size, path, expires_at, user_id)"
        " VALUES ($1, 'late.bin', 'application/octet-stream', 15, $2, $3, $4)",
        expired_id,
        expired_key,
        datetime.now(UTC) - timedelta(minutes=1),
        uid,
    )
    # cwd without a .env: the CLI reads exactly the backend's settings.
    args = ("files", "gc", "--grace-seconds", "0")

    report = await asyncio.to_thread(run_cli, *args, env=backend.env, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert f"orphan object (no file row): {orphan_key}" in report.stdout
    assert f"file {missing['id']} {missing['path']}" in report.stdout
    assert f"expired direct upload: {expired_id} {expired_key}" in report.stdout
    assert healthy["path"] not in report.stdout
    assert "--yes" in report.stdout
    # Only reported: everything is still there.
    assert await object_keys(storage, uid) == sorted([healthy["path"], orphan_key, expired_key])
    assert await db.fetchval("SELECT count(*) FROM files") == 2
    assert await db.fetchval("SELECT count(*) FROM pending_upload") == 1

    deleted = await asyncio.to_thread(run_cli, *args, "--yes", env=backend.env, cwd=tmp_path)
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted" in deleted.stdout
    assert await object_keys(storage, uid) == [healthy["path"]]
    assert await db.fetchval("SELECT array_agg(path) FROM files") == [healthy["path"]]
    assert await db.fetchval("SELECT count(*) FROM pending_upload") == 0

    clean = await asyncio.to_thread(run_cli, *args, env=backend.env, cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert uid not in clean.stdout


async def test_files_gc_spares_objects_younger_than_the_grace_period(
    db: Database, storage: Storage, backend: Backend, user_token: tuple[dict[str, Any], str], tmp_path: Path
) -> None:
    user, _ = user_token
    in_flight = f"{user['id']}/{new_id()}/uploading.txt"
    await storage.put(in_flight, one_chunk(b"row not committed yet"), mime_type="text/plain")
    result = await asyncio.to_thread(run_cli, "files", "gc", "--yes", env=backend.env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert in_flight not in result.stdout
    assert await object_keys(storage, user["id"]) == [in_flight]
