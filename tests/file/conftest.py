"""File tests run on both storage backends: S3 (moto's real HTTP server on loopback) and local disk.

`files_app` is parametrized, so every test using it (or `files_client`) runs once per backend.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer
from starlette.applications import Starlette

from graph.app import create_app
from graph.db import Database
from graph.settings import Settings
from graph.storage import Storage
from tests.factories import make_session, make_user

# Small enough that the over-limit test is cheap, big enough for a two-part S3 multipart upload.
UPLOAD_MAX = 10 * 1024 * 1024


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@dataclass
class Backend:
    name: str
    settings: Settings
    # Environment for `graph-api` (the CLI reads settings from the environment).
    env: dict[str, str]


@pytest.fixture(scope="session")
def backend_settings(
    make_settings: Callable[..., Settings],
    moto_endpoint: str,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., Backend]:
    def make(name: str, **overrides: Any) -> Backend:
        data_dir: Path = tmp_path_factory.mktemp(f"files-{name}")
        values: dict[str, Any] = {"data_dir": data_dir, "upload_max_bytes": UPLOAD_MAX}
        env = {"DATABASE_URL": database_url, "DATA_DIR": str(data_dir)}
        if name == "s3":
            bucket = f"test-{secrets.token_hex(4)}"
            s3 = {
                "s3_bucket": bucket,
                "s3_endpoint_url": moto_endpoint,
                "s3_region": "us-east-1",
                "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing",
                "s3_force_path_style": True,
            }
            values.update(s3)
            env.update({k.upper(): str(v) for k, v in s3.items()})
        values.update(overrides)
        env.update({k.upper(): str(v) for k, v in overrides.items()})
        return Backend(name, make_settings(**values), env)

    return make


@pytest.fixture(scope="session", params=["local", "s3"])
async def files_backend(
    request: pytest.FixtureRequest, backend_settings: Callable[..., Backend]
) -> AsyncIterator[tuple[Backend, Starlette]]:
    backend = backend_settings(request.param)
    application = create_app(backend.settings)
    async with application.router.lifespan_context(application):
        yield backend, application


@pytest.fixture
def files_app(files_backend: tuple[Backend, Starlette]) -> Starlette:
    return files_backend[1]


@pytest.fixture
def backend(files_backend: tuple[Backend, Starlette]) -> Backend:
    return files_backend[0]


@pytest.fixture
def storage(files_app: Starlette) -> Storage:
    found: Storage = files_app.state.services.extra["storage"]
    return found


@pytest.fixture
async def files_client(files_app: Starlette, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=files_app), base_url="http://testserver"
    ) as c:
        yield c


@pytest.fixture
async def user_token(db: Database) -> tuple[dict[str, Any], str]:
    user = await make_user(db)
    return user, await make_session(db, user["id"])


FILE_FIELDS = "id name originalName mimeType size path url"

UPLOAD = f"""
mutation Upload($file: Upload!, $name: String) {{
  uploadFile(file: $file, name: $name) {{ {FILE_FIELDS} }}
}}
"""


async def upload(
    client: httpx.AsyncClient,
    token: str | None,
    content: bytes,
    filename: str = "hello.txt",
    *,
    name: str | None = None,
    content_type: str = "application/octet-stream",
    preflight: bool = True,
) -> httpx.Response:
    """A multipart request exactly as the GraphQL multipart request spec lays it out."""
    operations = {"query": UPLOAD, "variables": {"file": None, "name": name}}
    headers = {"Apollo-Require-Preflight": "true"} if preflight else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, content_type)},
        headers=headers,
    )


async def fetch_url(
    client: httpx.AsyncClient, url: str, method: str = "GET", **kwargs: Any
) -> httpx.Response:
    """Local-disk URLs are served by the app (reached through the ASGI client); S3 URLs point at
    the moto server and go over real HTTP."""
    if url.startswith("http://testserver/"):
        return await client.request(method, url, **kwargs)
    async with httpx.AsyncClient() as real:
        return await real.request(method, url, **kwargs)


async def object_keys(storage: Storage, user_id: str) -> list[str]:
    """Every object under the user's prefix (users are new in each test; the bucket is not)."""
    return sorted([o.key async for o in storage.list_objects(f"{user_id}/")])
