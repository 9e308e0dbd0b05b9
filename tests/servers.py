"""A real `graph-api serve` process on a loopback port, for tests that need a browser or a socket."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.cli import GRAPH_API


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    process: asyncio.subprocess.Process

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@asynccontextmanager
async def serve(database_url: str, workdir: Path, **env: str) -> AsyncIterator[Server]:
    """`graph-api serve` on the test database (development settings unless `env` overrides),
    ready (/readyz 200) on entry, terminated on exit."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TEST_"))}
    settings = {"DATABASE_URL": database_url, "ENVIRONMENT": "development", "DATA_DIR": str(workdir)}
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        GRAPH_API,
        "serve",
        "--port",
        str(port),
        "--grace",
        "1",
        env={**base, "LOG_LEVEL": "WARNING", **settings, **env},
        cwd=workdir,  # no .env from the checkout
        stdout=asyncio.subprocess.DEVNULL,
    )
    server = Server(port, process)
    try:
        async with httpx.AsyncClient(base_url=server.http) as client, asyncio.timeout(60):
            while True:
                assert process.returncode is None, "graph-api serve exited"
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)  # polling for start-up, not for an outcome
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(20):
                    await process.wait()
            except TimeoutError:
                process.kill()
