"""ASGI middleware around every HTTP request: request id, body size limit, security headers.

Pure ASGI (no BaseHTTPMiddleware) so streaming responses and WebSockets pass through untouched.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import PAYLOAD_TOO_LARGE, error_body
from graph.logging import request_id_var
from graph.metrics import HTTP_REFUSED

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


# API responses are JSON: nothing in them may run, load or be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# GraphiQL: every script, style and font comes from this server; it only talks to this server.
IDE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


class RequestId:
    """Echo a well-formed incoming `x-request-id` or make one; expose it on the scope and in logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class SecurityHeaders:
    """nosniff, no framing, no referrer, and a Content-Security-Policy (`ide_csp` for IDE pages)."""

    def __init__(self, app: ASGIApp, *, is_ide: Callable[[Scope], bool]) -> None:
        self.app = app
        self.is_ide = is_ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault(
                    "content-security-policy", IDE_CSP if html and self.is_ide(scope) else API_CSP
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """Raised from `receive` past the limit; BodyLimit turns it into a 413 (let it propagate)."""


class BodyLimit:
    """Refuse a request body over the limit with 413, before the app reads all of it.

    A declared Content-Length over the limit is refused without reading anything; otherwise the
    body is counted as it streams in. Uploads pass: multipart requests and the local storage's
    signed PUT URLs (`exempt_prefixes`) are capped by graph/uploads.py with the upload limit.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: tuple[str, ...] = ("/files/",)
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").startswith("multipart/") or scope["path"].startswith(
            self.exempt_prefixes
        ):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes

        async def refuse(send: Send) -> None:
            await _refuse(send, limit)

        await call_with_body_limit(self.app, scope, receive, send, limit, refuse)


async def call_with_body_limit(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    limit: int,
    refuse: Callable[[Send], Awaitable[None]],
) -> None:
    """Run `app` with the request body capped at `limit` bytes: a declared Content-Length over it
    is refused before anything is read, and a body that streams past it (chunked, or lying about
    its length) is cut off; `refuse(send)` answers in both cases unless a response has started."""
    declared = Headers(scope=scope).get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        await refuse(send)
        return
    received = 0
    started = False

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
        return message

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counting_receive, tracking_send)
    except BodyTooLarge:
        if started:
            raise
        await refuse(send)


async def _refuse(send: Send, limit: int) -> None:
    HTTP_REFUSED.labels("413", PAYLOAD_TOO_LARGE).inc()
    body = orjson.dumps(
        error_body(f"Request body is larger than {limit} bytes", PAYLOAD_TOO_LARGE, limit=limit)
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
