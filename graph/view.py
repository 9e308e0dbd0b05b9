"""Strawberry's ASGI view, tuned: per-request context, orjson, and the transport rules.

Transport (GraphQL over HTTP): POST bodies must be JSON (or multipart uploads), so a cross-site
form cannot fire a mutation with the session cookie; mutations never run over GET; anything that
is not a GraphQL request is HTTP 400 (415 for a content type, 405 for a method) with a JSON
`{"errors": [...]}` body, never a 500 or a plain-text page; GraphQL errors in a well-formed request
are HTTP 200. Batched (array) requests run up to `max_batch` operations (0 refuses batches).
Persisted queries (graph/persisted.py) are resolved before execution.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult

from graph.auth.backend import authenticate
from graph.auth.cookies import set_session_cookie
from graph.auth.tokens import COOKIE_NAME, token_from_headers
from graph.compiled.runner import CompiledReads
from graph.context import Context, Services
from graph.errors import (
    BAD_USER_INPUT,
    DATABASE_UNAVAILABLE_MESSAGE,
    INTERNAL,
    INTERNAL_MESSAGE,
    SERVICE_UNAVAILABLE,
    client_error,
    database_unavailable,
    error_body,
)
from graph.metrics import GRAPHQL_LATENCY, GRAPHQL_REQUESTS, HTTP_REFUSED, operation_label
from graph.middleware import BodyTooLarge
from graph.persisted import PersistedQueries, Refusal

log = logging.getLogger(__name__)

# Content types a GraphQL POST may have. Form and text/plain bodies are what a cross-site <form>
# can send without a CORS preflight, so they are refused; multipart uploads carry their own check.
JSON_TYPES = ("application/json", "application/graphql-response+json")
MULTIPART = "multipart/form-data"


def _status_for(exc: HTTPException) -> int:
    reason = exc.reason.lower()
    if "not allowed when using get" in reason:
        return 405
    if "unsupported content type" in reason:
        return 415
    return exc.status_code


class _DatabaseUnavailable(Exception):
    """Raised before execution (authenticating the caller) when PostgreSQL cannot be reached."""


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, *, ide_html: str | None = None, **kwargs: Any) -> None:
        from graph.schema import schema

        super().__init__(schema, **kwargs)
        self.ide_html = ide_html
        # Set by the app's lifespan once the database is open.
        self.services: Services | None = None
        self.persisted = PersistedQueries()
        # The compiled read path (graph/compiled); set in the lifespan unless COMPILED_READS=false.
        self.compiled: CompiledReads | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self._compiled(request) or await self.run(request)
        except HTTPException as exc:
            status = _status_for(exc)
            response = self._refusal(status, exc.reason, BAD_USER_INPUT)
            if status == 405:
                response.headers["allow"] = "POST"
        except BodyTooLarge:
            raise  # BodyLimit answers 413
        except _DatabaseUnavailable:
            response = self._refusal(503, DATABASE_UNAVAILABLE_MESSAGE, SERVICE_UNAVAILABLE)
            response.headers["retry-after"] = "1"
        except Exception:
            log.exception(
                "request failed outside execution request_id=%s", getattr(request.state, "request_id", None)
            )
            response = self._refusal(500, INTERNAL_MESSAGE, INTERNAL)
        await response(scope, receive, send)

    async def _compiled(self, request: Request) -> Response | None:
        """The compiled read path: one SQL statement answers, or None (the resolver path answers)."""
        services = self.services
        if services is None or self.compiled is None or request.method != "POST":
            return None
        content_type, _ = parse_content_type(request.headers.get("content-type", ""))
        if content_type not in JSON_TYPES:
            return None
        token, from_cookie = token_from_headers(
            request.headers.get("authorization"), request.cookies.get(COOKIE_NAME)
        )
        if token is None:
            return None
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None  # the resolver path reports it
        if not isinstance(body, dict) or body.get("extensions"):
            return None  # persisted queries and extensions take the resolver path
        started = time.perf_counter()
        try:
            answered = await self.compiled.answer(body, token)
        except Exception as exc:
            if database_unavailable(exc):
                raise _DatabaseUnavailable from exc
            log.warning("compiled read failed, using the resolver path", exc_info=True)
            return None
        if answered is None:
            return None
        text, refreshed = answered
        name = operation_label(body.get("operationName"))
        GRAPHQL_REQUESTS.labels(name, "query", "ok").inc()
        GRAPHQL_LATENCY.labels(name, "query").observe(time.perf_counter() - started)
        response = Response(text, media_type="application/json")
        if services.settings.development:
            response.headers["x-graphql-path"] = "compiled"
        if refreshed and from_cookie:
            set_session_cookie(response, token, services.settings)
        return response

    @staticmethod
    def _refusal(status: int, message: str, code: str) -> Response:
        HTTP_REFUSED.labels(str(status), code).inc()
        return JSONResponse(error_body(message, code), status_code=status)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        token, from_cookie = token_from_headers(
            request.headers.get("authorization"), request.cookies.get(COOKIE_NAME)
        )
        services = self.services
        assert services is not None, "the app's lifespan has not run"
        try:
            viewer = await authenticate(services.db, token, services.settings)
        except Exception as exc:
            if database_unavailable(exc):
                raise _DatabaseUnavailable from exc
            raise
        if viewer is not None and viewer.refreshed and from_cookie and isinstance(response, Response):
            # The session slid forward: so does the cookie, or the browser would drop it early.
            set_session_cookie(response, token or "", services.settings)
        return Context(
            services=services,
            request=request,
            response=response if isinstance(response, Response) else None,
            viewer=viewer,
            cookie_auth=from_cookie,
        )

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        decoded = super().decode_json(data)
        # A JSON body that is not an object (or a batch of objects) is not a GraphQL request.
        items = decoded if isinstance(decoded, list) else [decoded]
        if not items or not all(isinstance(item, dict) for item in items):
            raise HTTPException(400, "The body is not a GraphQL request (expected a JSON object)")
        return decoded

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with only a persisted-query hash is an operation, not a browser asking for the IDE.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.ide_html is None:
            return await super().render_graphql_ide(request)
        return HTMLResponse(self.ide_html)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type not in JSON_TYPES and content_type != MULTIPART:
                raise HTTPException(415, "Unsupported content type: send application/json")
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item.operation_name, str | None):
                raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null")
        return data

    def _validate_batch_request(self, request_data: list[GraphQLRequestData], protocol: Any) -> None:
        limit = self.services.settings.max_batch if self.services is not None else 0
        if limit <= 0:
            raise HTTPException(400, "Batched requests are not accepted")
        if len(request_data) > limit:
            raise HTTPException(400, f"Too many operations in one batch (limit {limit})")

    async def execute_single(  # noqa: PLR0917 - the base class's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        resolved = self.persisted.resolve(request_data.query, request_data.extensions)
        if isinstance(resolved, Refusal):
            return ExecutionResult(
                data=None, errors=[GraphQLError(resolved.message, extensions={"code": resolved.code})]
            )
        if resolved is not request_data.query:
            request_data = replace(request_data, query=resolved)
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Errors raised while parsing never reach the ErrorCodes extension: code them here too.
        if result.errors:
            request_id = getattr(request.state, "request_id", None)
            settings = self.services.settings if self.services is not None else None
            suggestions = settings.introspection_enabled if settings is not None else True
            result.errors = [client_error(err, request_id, suggestions=suggestions) for err in result.errors]
        return await super().process_result(request, result)
