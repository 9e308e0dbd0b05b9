"""Nothing orphaned: storage failing (no row, clear error, /readyz 503) and the database failing
after the bytes landed (no object)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from graph.app import create_app
from graph.db import Database
from graph.sql.cursor import global_id
from graph.storage import LocalStorage, Storage
from tests.factories import make_file
from tests.file.conftest import Backend, closed_port, object_keys, upload
from tests.graphql import gql


@pytest.fixture(params=["local", "s3-missing-bucket", "s3-unreachable"])
async def broken_client(
    request: pytest.FixtureRequest, backend_settings: Callable[..., Backend], db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose storage fails: local files directory replaced by a plain file, an S3 bucket that
    does not exist (and may not be created), or an S3 endpoint nobody listens on."""
    if request.param == "local":
        backend = backend_settings("local")
    elif request.param == "s3-missing-bucket":
        backend = backend_settings("s3", s3_create_bucket=False)
    else:
        backend = backend_settings("s3", s3_endpoint_url=f"http://127.0.0.1:{closed_port()}")
    app = create_app(backend.settings)
    async with app.router.lifespan_context(app):
        storage: Storage = app.state.services.extra["storage"]
        if isinstance(storage, LocalStorage):
            shutil.rmtree(storage.objects)
            storage.objects.write_text("not a directory")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c:
            yield c


async def test_storage_failure_gives_clear_error_no_row_and_not_ready(
    broken_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    _, token = user_token
    response = await upload(broken_client, token, b"x" * 2048, "a.txt")
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "storage" in error["message"].lower()
    assert await db.fetchval("SELECT count(*) FROM files") == 0

    ready = await broken_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["storage"] is False
    assert ready.json()["checks"]["database"] is True


async def test_readyz_reports_storage_when_healthy(files_client: httpx.AsyncClient) -> None:
    ready = await files_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["storage"] is True


async def test_delete_while_storage_is_down_removes_the_row_and_leaves_the_object_to_gc(
    broken_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    user, token = user_token
    row = await make_file(db, user["id"])
    file_id = global_id("File", row["id"])
    result = await gql(
        broken_client, "mutation($id: ID!) { deleteFile(id: $id) }", {"id": file_id}, token=token
    )
    assert result == {"data": {"deleteFile": file_id}}
    assert await db.fetchval("SELECT count(*) FROM files") == 0


@pytest.fixture
async def failing_file_insert(db: Database) -> AsyncIterator[None]:
    """Every INSERT into files raises, as a database failing after the bytes landed would."""
    await db.execute(
        "CREATE FUNCTION test_fail_file_insert() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'simulated database failure'; END $$"
    )
    await db.execute(
        "CREATE TRIGGER test_fail_file_insert BEFORE INSERT ON files"
        " FOR EACH ROW EXECUTE FUNCTION test_fail_file_insert()"
    )
    try:
        yield
    finally:
        await db.execute("DROP TRIGGER test_fail_file_insert ON files")
        await db.execute("DROP FUNCTION test_fail_file_insert()")


async def test_database_failure_after_upload_leaves_no_object(
    files_client: httpx.AsyncClient,
    user_token: tuple[dict[str, Any], str],
    db: Database,
    storage: Storage,
    failing_file_insert: None,
) -> None:
    user, token = user_token
    response = await upload(files_client, token, b"y" * 4096, "landed.txt")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "simulated" not in error["message"]
    assert await db.fetchval("SELECT count(*) FROM files") == 0
    assert await object_keys(storage, user["id"]) == []
