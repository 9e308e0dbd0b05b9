"""GraphiQL from the server's own assets, under its strict CSP, driven in headless Chromium.

Chromium (Debian's `chromium`; .ci/run installs it) is driven over the DevTools protocol with
`websockets`: the test loads /graphql, types a query into the editor, runs it and reads the result.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.servers import Server, serve

WAIT = 30.0  # a safety bound so a broken page fails instead of hanging; never an assertion
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-port=0",
    "about:blank",
]


class Page:
    """A minimal DevTools client for one page: commands, and the events seen so far."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        await self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.ws.recv())
            if message.get("id") == call_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result
            self.events.append(message)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def wait_for(self, expression: str) -> Any:
        async with asyncio.timeout(WAIT):
            while True:
                value = await self.evaluate(expression)
                if value:
                    return value
                await asyncio.sleep(0.1)  # polling the page for a condition


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[Server]:
    async with serve(database_url, tmp_path) as running:
        yield running


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip(
            "chromium is not installed and could not be installed here (.ci/run: apt-get install chromium)"
        )
    profile = tmp_path / "chromium-profile"  # a fresh profile every run
    process = await asyncio.create_subprocess_exec(
        binary,
        f"--user-data-dir={profile}",
        *CHROMIUM_FLAGS,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        async with asyncio.timeout(WAIT):
            while True:  # polling for start-up: chromium writes the file once it listens
                if port_file.exists() and port_file.read_text().strip():
                    break
                await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        async with httpx.AsyncClient() as client:
            targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        target = next(t for t in targets if t["type"] == "page")
        async with connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            devtools = Page(ws)
            await devtools.send("Runtime.enable")
            await devtools.send("Log.enable")
            yield devtools
    finally:
        process.terminate()
        await process.wait()


async def test_graphiql_runs_a_typed_query_under_the_csp(server: Server, page: Page) -> None:
    await page.send("Page.navigate", url=f"{server.http}/graphql")
    editor = ".graphiql-query-editor .CodeMirror"
    await page.wait_for(f"!!document.querySelector('{editor}')")
    # Empty the editor, focus it, then type like a user would.
    await page.evaluate(
        f"(() => {{ const cm = document.querySelector('{editor}').CodeMirror; cm.setValue(''); cm.focus(); return true; }})()"
    )
    await page.send("Input.insertText", text="{ __typename viewer { id } }")
    assert (
        await page.evaluate(f"document.querySelector('{editor}').CodeMirror.getValue()")
        == "{ __typename viewer { id } }"
    )
    await page.evaluate("document.querySelector('.graphiql-execute-button').click(), true")
    response = await page.wait_for(
        "(() => { const r = document.querySelector('.graphiql-response .CodeMirror');"
        " const v = r && r.CodeMirror.getValue(); return v && v.includes('__typename') ? v : null; })()"
    )
    assert json.loads(response) == {"data": {"__typename": "Query", "viewer": None}}
    # Everything came from this server, and nothing was blocked by the CSP.
    blocked = [e for e in page.events if "Content Security Policy" in json.dumps(e)]
    assert blocked == []
    external = await page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))"
    )
    assert external == []
