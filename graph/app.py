"""create_app(settings) -> Starlette: routes, middleware and the lifespan that opens the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from graph.auth.service import auth_services
from graph.compiled.runner import CompiledReads
from graph.context import Services
from graph.db import close_database, open_database
from graph.live import LiveTransportWSHandler
from graph.metrics import metrics_endpoint
from graph.middleware import BodyLimit, RequestId, SecurityHeaders
from graph.persisted import DEFAULT_MANIFEST, PersistedQueries, load_manifest
from graph.pubsub import PubSub
from graph.settings import Settings
from graph.storage import build_storage
from graph.uploads import UploadsMiddleware, file_routes
from graph.view import GraphQLView

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings) -> Starlette:
    if settings.database_url is None:
        raise ValueError("DATABASE_URL is not set (graph-api serve starts an embedded PostgreSQL)")
    view = GraphQLView(
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        # GraphiQL from this server's own assets (graph/static/graphiql), not a CDN.
        ide_html=(STATIC_DIR / "graphiql" / "index.html").read_text(),
        multipart_uploads_enabled=True,
        # Live updates speak graphql-transport-ws only (graph/live.py authenticates and closes it).
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )
    view.graphql_transport_ws_handler_class = LiveTransportWSHandler
    if settings.persisted_queries_only:
        view.persisted = PersistedQueries(
            only=load_manifest(settings.persisted_queries_manifest or DEFAULT_MANIFEST)
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
        # Live updates: this process's one LISTEN connection (graph/pubsub.py).
        pubsub = services.extra["pubsub"] = PubSub(settings.database_url)
        await pubsub.start()
        view.services = app.state.services = services
        if settings.compiled_reads:
            view.compiled = CompiledReads(view.schema._schema, db, settings)  # type: ignore[attr-defined]
        app.state.compiled = view.compiled
        try:
            yield
        finally:
            view.services = None
            view.compiled = None
            await pubsub.stop()
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
            Route("/metrics", metrics_endpoint),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *file_routes(),
        ],
        middleware=[
            # Outermost first: every response (even a refusal) carries the request id and headers.
            Middleware(RequestId),
            Middleware(SecurityHeaders, is_ide=lambda scope: scope["path"] == "/graphql"),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(UploadsMiddleware, settings=settings),
        ],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """The uvicorn factory: settings from the environment, logging configured once."""
    from graph.logging import configure_logging
    from graph.settings import get_settings

    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)
