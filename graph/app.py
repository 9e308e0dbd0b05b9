"""create_app(settings) -> Starlette: routes, middleware and the lifespan that opens the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from graph.auth.service import auth_services
from graph.context import Services
from graph.db import close_database, open_database
from graph.settings import Settings
from graph.storage import build_storage
from graph.uploads import UploadsMiddleware, file_routes
from graph.view import GraphQLView

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Starlette:
    if settings.database_url is None:
        raise ValueError("DATABASE_URL is not set (graph-api serve starts an embedded PostgreSQL)")
    view = GraphQLView(
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        multipart_uploads_enabled=True,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        assert settings.database_url is not None
        db = await open_database(
            settings.database_url,
            pool_min=settings.db_pool_min,
            pool_max=settings.db_pool_max,
            command_timeout=settings.db_command_timeout,
        )
        services = Services(settings=settings, db=db)
        services.extra.update(auth_services(settings, db))  # auth, mailer, ratelimit
        storage = services.extra["storage"] = build_storage(settings)
        await storage.open()
        view.services = app.state.services = services
        try:
            yield
        finally:
            view.services = None
            await storage.close()
            await close_database(db)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        services = view.services
        checks = {"database": services is not None and await services.db.ping()}
        checks["storage"] = services is not None and await services.extra["storage"].ping()
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *file_routes(),
        ],
        middleware=[Middleware(UploadsMiddleware, settings=settings)],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """The uvicorn factory: settings from the environment, logging configured once."""
    from graph.logging import configure_logging
    from graph.settings import get_settings

    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)
