"""Direct uploads: createUploadUrl, a real HTTP PUT to the returned URL, completeUpload."""

from __future__ import annotations

import os
from typing import Any

import httpx

from graph.db import Database
from graph.storage import Storage
from tests.factories import make_session, make_user
from tests.file.conftest import FILE_FIELDS, UPLOAD_MAX, Backend, fetch_url, object_keys
from tests.graphql import gql

CREATE = """
mutation($input: CreateUploadUrlInput!) {
  createUploadUrl(input: $input) { id uploadUrl headers { name value } expiresAt }
}
"""
COMPLETE = f"mutation($id: ID!) {{ completeUpload(id: $id) {{ {FILE_FIELDS} }} }}"


async def ticket_for(
    client: httpx.AsyncClient, token: str, name: str, mime_type: str, size: int
) -> dict[str, Any]:
    result = await gql(
        client, CREATE, {"input": {"name": name, "mimeType": mime_type, "size": size}}, token=token
    )
    assert "errors" not in result, result
    ticket: dict[str, Any] = result["data"]["createUploadUrl"]
    return ticket


async def put(client: httpx.AsyncClient, ticket: dict[str, Any], content: bytes) -> httpx.Response:
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    return await fetch_url(client, ticket["uploadUrl"], "PUT", content=content, headers=headers)


async def test_presigned_put_then_complete_records_the_file(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database, storage: Storage
) -> None:
    user, token = user_token
    content = b"%PDF-1.7\n" + b"0" * 5000
    ticket = await ticket_for(files_client, token, "report.pdf", "application/pdf", len(content))
    assert {h["name"] for h in ticket["headers"]} >= {"Content-Type"}
    assert await db.fetchval("SELECT count(*) FROM pending_upload") == 1

    put_response = await put(files_client, ticket, content)
    assert put_response.status_code == 200, put_response.text

    result = await gql(files_client, COMPLETE, {"id": ticket["id"]}, token=token)
    assert "errors" not in result, result
    f = result["data"]["completeUpload"]
    assert (f["name"], f["mimeType"], f["size"]) == ("report.pdf", "application/pdf", len(content))
    assert f["path"].startswith(f"{user['id']}/")
    assert await db.fetchval("SELECT count(*) FROM pending_upload") == 0
    assert await db.fetchval("SELECT count(*) FROM files") == 1
    assert await object_keys(storage, user["id"]) == [f["path"]]
    download = await fetch_url(files_client, f["url"])
    assert download.content == content

    # A ticket completes once.
    again = await gql(files_client, COMPLETE, {"id": ticket["id"]}, token=token)
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_complete_before_put_is_bad_input_and_records_nothing(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    _, token = user_token
    ticket = await ticket_for(files_client, token, "a.txt", "text/plain", 3)
    result = await gql(files_client, COMPLETE, {"id": ticket["id"]}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await db.fetchval("SELECT count(*) FROM files") == 0
    assert await db.fetchval("SELECT count(*) FROM pending_upload") == 1


async def test_wrong_size_is_refused_by_the_url_or_by_complete(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    _, token = user_token
    ticket = await ticket_for(files_client, token, "a.txt", "text/plain", 10)
    headers = {"Content-Type": "text/plain"}  # without the signed Content-Length
    response = await fetch_url(files_client, ticket["uploadUrl"], "PUT", content=b"12345", headers=headers)
    if response.status_code == 200:
        # moto does not check the signed length; completeUpload must catch it.
        result = await gql(files_client, COMPLETE, {"id": ticket["id"]}, token=token)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    else:
        assert response.status_code in (400, 403)
    assert await db.fetchval("SELECT count(*) FROM files") == 0


async def test_create_upload_url_validates_input(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    _, token = user_token

    async def code(name: str, mime_type: str, size: int) -> str:
        variables = {"input": {"name": name, "mimeType": mime_type, "size": size}}
        result = await gql(files_client, CREATE, variables, token=token)
        return str(result["errors"][0]["extensions"]["code"])

    assert await code("a/b.txt", "text/plain", 1) == "BAD_USER_INPUT"
    assert await code("..", "text/plain", 1) == "BAD_USER_INPUT"
    assert await code("a.txt", "not a type", 1) == "BAD_USER_INPUT"
    assert await code("a.txt", "text/plain", -1) == "BAD_USER_INPUT"
    assert await code("a.txt", "text/plain", UPLOAD_MAX + 1) == "PAYLOAD_TOO_LARGE"
    assert await db.fetchval("SELECT count(*) FROM pending_upload") == 0


async def test_another_users_ticket_does_not_exist_for_them(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], db: Database
) -> None:
    _, token = user_token
    content = b"secret"
    ticket = await ticket_for(files_client, token, "s.txt", "text/plain", len(content))
    assert (await put(files_client, ticket, content)).status_code == 200
    other = await make_user(db)
    other_token = await make_session(db, other["id"])
    result = await gql(files_client, COMPLETE, {"id": ticket["id"]}, token=other_token)
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await db.fetchval("SELECT count(*) FROM files") == 0


async def test_local_upload_url_refuses_a_forged_token(files_client: httpx.AsyncClient) -> None:
    response = await files_client.put(
        "/files/forged.token", content=b"x", headers={"Content-Type": "text/plain"}
    )
    # Local backend: a bad signature is forbidden; S3 backend: the route does not exist.
    assert response.status_code in (403, 404)


async def test_direct_upload_larger_than_the_json_body_limit_is_accepted(
    files_client: httpx.AsyncClient, user_token: tuple[dict[str, Any], str], backend: Backend
) -> None:
    # The PUT carries file bytes, capped by the signed ticket, not by MAX_BODY_BYTES (JSON requests).
    _, token = user_token
    content = os.urandom(backend.settings.max_body_bytes + 1024)
    ticket = await ticket_for(files_client, token, "big.bin", "application/octet-stream", len(content))
    response = await put(files_client, ticket, content)
    assert response.status_code == 200, response.text
    result = await gql(files_client, COMPLETE, {"id": ticket["id"]}, token=token)
    assert result["data"]["completeUpload"]["size"] == len(content)
