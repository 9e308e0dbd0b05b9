"""Strawberry's ASGI view, tuned: per-request context with the caller, and orjson encoding."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from graph.auth.backend import authenticate
from graph.auth.cookies import set_session_cookie
from graph.auth.tokens import COOKIE_NAME, token_from_headers
from graph.context import Context, Services


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, **kwargs: Any) -> None:
        from graph.schema import schema

        super().__init__(schema, **kwargs)
        # Set by the app's lifespan once the database is open.
        self.services: Services | None = None

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        token, from_cookie = token_from_headers(
            request.headers.get("authorization"), request.cookies.get(COOKIE_NAME)
        )
        services = self.services
        assert services is not None, "the app's lifespan has not run"
        viewer = await authenticate(services.db, token, services.settings)
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
