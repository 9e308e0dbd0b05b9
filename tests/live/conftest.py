"""Live-update fixtures: two real `graph-api serve` processes on one database, and a
graphql-transport-ws client speaking to them over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from graph.auth.tokens import token_hash
from graph.db import Database
from tests.servers import Server, serve

# A safety bound so a broken server fails the test instead of hanging it; never an assertion.
WAIT = 15.0

TODO_EVENTS = "subscription { todoEvents { kind id todo { id title completed createdAt updatedAt } } }"


@pytest.fixture(scope="session")
async def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[list[Server]]:
    """Two server processes on different ports sharing the test database."""
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(serve(database_url, tmp_path_factory.mktemp("server")))
            for _ in range(2)
        ]


async def session_id_of(db: Database, token: str) -> str:
    session_id: str = await db.fetchval('SELECT id FROM "session" WHERE token = $1', token_hash(token))
    return session_id


class Live:
    """A graphql-transport-ws client: init, subscribe, a ping/pong barrier, events, close code."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pending: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def recv(self) -> dict[str, Any]:
        if self.pending:
            return self.pending.pop(0)
        async with asyncio.timeout(WAIT):
            return self._decode(await self.ws.recv())

    @staticmethod
    def _decode(frame: str | bytes) -> dict[str, Any]:
        # Browsers' graphql-ws clients parse text frames only.
        assert isinstance(frame, str), "the server sent a binary frame"
        message: dict[str, Any] = orjson.loads(frame)
        return message

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.recv()

    async def subscribe(self, op_id: str = "1", query: str = TODO_EVENTS) -> None:
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query}})
        await self.barrier()

    async def barrier(self) -> None:
        """Ping and wait for the pong: the server answers once earlier subscriptions are live."""
        await self.send({"type": "ping"})
        async with asyncio.timeout(WAIT):
            while True:
                message = self._decode(await self.ws.recv())
                if message["type"] == "pong":
                    return
                self.pending.append(message)

    async def event(self, op_id: str = "1") -> dict[str, Any]:
        """The next `todoEvents` payload of operation `op_id`."""
        message = await self.recv()
        assert message["type"] == "next" and message["id"] == op_id, message
        assert "errors" not in message["payload"], message
        event: dict[str, Any] = message["payload"]["data"]["todoEvents"]
        return event

    async def closed(self) -> tuple[int, str]:
        """Wait for the server to close the connection; (code, reason)."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    message = orjson.loads(await self.ws.recv())
                    raise AssertionError(f"expected a close, got {message}")
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame"
            return closed.rcvd.code, closed.rcvd.reason


@asynccontextmanager
async def live_client(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[Live]:
    async with connect(url, subprotocols=["graphql-transport-ws"], additional_headers=headers) as ws:  # type: ignore[list-item]
        yield Live(ws)
