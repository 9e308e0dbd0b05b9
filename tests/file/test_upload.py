"""Multipart uploads (GraphQL multipart request spec), downloads, rename, delete, isolation."""

from __future__ import annotations

import base64
import os
from typing import Any

import httpx

from graph.db import Database
from graph.storage import Storage
from tests.factories import make_session, make_user
from tests.file.conftest import FILE_FIELDS, UPLOAD_MAX, fetch_url, object_keys, upload
from tests.graphql import gql

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(64)


def decoded_pk(global_id: str) -> str:
    type_name, _, pk = base64.b64decode(global_id).decode().partition(":")
    assert type_name == "File"
    return pk


async def test_upload_stores_bytes_and_row_and_url_downloads_them(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    user, token = user_token
    content = b"hello, files\n" * 100
    response = await upload(files_client, token, content, "notes.txt", content_type="image/png")
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    f = body["data"]["uploadFile"]
    pk = decoded_pk(f["id"])
    assert f["name"] == "notes.txt"
    assert f["originalName"] == "notes.txt"
    # The client claimed image/png; the content and the name say text.
    assert f["mimeType"] == "text/plain"
    assert f["size"] == len(content)
    assert f["path"] == f"{user['id']}/{pk}/notes.txt"
    assert await object_keys(storage, user["id"]) == [f["path"]]
    row = await db.fetchrow("SELECT user_id, size, path FROM files WHERE id = $1", pk)
    assert row is not None and dict(row) == {"user_id": user["id"], "size": len(content), "path": f["path"]}

    download = await fetch_url(files_client, f["url"])
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"].startswith("text/plain")
    assert "notes.txt" in download.headers["content-disposition"]


async def test_mime_type_comes_from_magic_bytes_and_name_defaults_to_filename(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str]
) -> None:
    _, token = user_token
    response = await upload(files_client, token, PNG, "picture.bin", content_type="text/html")
    f = response.json()["data"]["uploadFile"]
    assert (f["name"], f["mimeType"], f["size"]) == ("picture.bin", "image/png", len(PNG))


async def test_upload_with_explicit_name_keeps_original_name(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str]
) -> None:
    _, token = user_token
    response = await upload(
        files_client, token, b'{"a": 1}', "C:\\Users\\ada\\data.json", name="Renamed data.json"
    )
    f = response.json()["data"]["uploadFile"]
    assert (f["name"], f["originalName"], f["mimeType"]) == (
        "Renamed data.json",
        "data.json",
        "application/json",
    )


async def test_large_upload_spanning_several_parts_round_trips_exactly(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str]
) -> None:
    # Over the 8 MiB S3 part size: exercises the multipart path.
    _, token = user_token
    content = os.urandom(9 * 1024 * 1024 + 123)
    response = await upload(files_client, token, content, "big.bin")
    f = response.json()["data"]["uploadFile"]
    assert f["size"] == len(content)
    download = await fetch_url(files_client, f["url"])
    assert download.content == content


async def test_multipart_without_preflight_header_is_refused(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    user, token = user_token
    response = await upload(files_client, token, b"csrf", "evil.txt", preflight=False)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await db.fetchval("SELECT count(*) FROM files") == 0
    assert await object_keys(storage, user["id"]) == []


async def test_upload_over_limit_leaves_no_object_and_no_row(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    user, token = user_token
    response = await upload(files_client, token, b"x" * (UPLOAD_MAX + 1), "big.bin")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert response.json()["data"] is None
    assert await db.fetchval("SELECT count(*) FROM files") == 0
    assert await object_keys(storage, user["id"]) == []


async def test_body_far_over_limit_is_refused_before_parsing(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    _, token = user_token
    response = await upload(files_client, token, b"x" * (UPLOAD_MAX + 2 * 1024 * 1024), "huge.bin")
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await db.fetchval("SELECT count(*) FROM files") == 0


async def test_names_with_path_separators_or_dots_are_rejected(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    user, token = user_token
    for bad in ["../etc/passwd", "a/b.txt", "a\\b.txt", "..", ".", "tab\there", "", "x" * 256]:
        response = await upload(files_client, token, b"data", "ok.txt", name=bad)
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
        assert "name" in error["extensions"]["fields"]
    assert await db.fetchval("SELECT count(*) FROM files") == 0
    assert await object_keys(storage, user["id"]) == []


async def test_anonymous_upload_is_unauthenticated(files_client: httpx.AsyncClient, db: Database) -> None:
    response = await upload(files_client, None, b"data", "a.txt")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await db.fetchval("SELECT count(*) FROM files") == 0


RENAME = f"mutation($id: ID!, $name: String!) {{ renameFile(id: $id, name: $name) {{ {FILE_FIELDS} }} }}"
DELETE = "mutation($id: ID!) { deleteFile(id: $id) }"


async def test_rename_changes_name_but_not_object_key(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str]
) -> None:
    _, token = user_token
    f = (await upload(files_client, token, b"abc", "a.txt")).json()["data"]["uploadFile"]
    result = await gql(files_client, RENAME, {"id": f["id"], "name": "b c.txt"}, token=token)
    renamed = result["data"]["renameFile"]
    assert (renamed["id"], renamed["name"], renamed["path"]) == (f["id"], "b c.txt", f["path"])
    download = await fetch_url(files_client, renamed["url"])
    assert download.content == b"abc"
    assert (
        "b c.txt" in download.headers["content-disposition"]
        or "b%20c.txt" in download.headers["content-disposition"]
    )
    bad = await gql(files_client, RENAME, {"id": f["id"], "name": "x/y"}, token=token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_delete_removes_row_and_object(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    user, token = user_token
    f = (await upload(files_client, token, b"bye", "bye.txt")).json()["data"]["uploadFile"]
    result = await gql(files_client, DELETE, {"id": f["id"]}, token=token)
    assert result == {"data": {"deleteFile": f["id"]}}
    assert await db.fetchval("SELECT count(*) FROM files") == 0
    assert await object_keys(storage, user["id"]) == []
    again = await gql(files_client, DELETE, {"id": f["id"]}, token=token)
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_another_users_file_does_not_exist_for_them(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    owner, owner_token = user_token
    f = (await upload(files_client, owner_token, b"mine", "mine.txt")).json()["data"]["uploadFile"]
    other = await make_user(db)
    other_token = await make_session(db, other["id"])

    renamed = await gql(files_client, RENAME, {"id": f["id"], "name": "stolen.txt"}, token=other_token)
    assert renamed["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    deleted = await gql(files_client, DELETE, {"id": f["id"]}, token=other_token)
    assert deleted["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    node = await gql(
        files_client, "query($id: ID!) { node(id: $id) { id } }", {"id": f["id"]}, token=other_token
    )
    assert node == {"data": {"node": None}}

    assert await db.fetchval("SELECT name FROM files") == "mine.txt"
    assert await object_keys(storage, owner["id"]) == [f["path"]]
