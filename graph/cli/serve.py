"""`graph-api serve`: the API under uvicorn; with no DATABASE_URL, on a private PostgreSQL."""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
from typing import Any, NoReturn

from graph import embedded
from graph.cli.common import (
    CliError,
    database_url,
    describe,
    export_database_url,
    load_settings,
    run_db,
)
from graph.cli.db import prepare, print_admin_password


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    url, is_embedded = database_url(settings)
    try:
        if is_embedded or args.migrate:
            # The embedded default is self-contained: migrate and seed the admin before serving.
            password = run_db(url, lambda: prepare(url, settings, seed=is_embedded, create=is_embedded))
            print_admin_password(password)
        export_database_url(url)
        host = args.host or settings.host
        port = settings.port if args.port is None else args.port
        scheme_host = f"http://{host}:{port}"
        print(f"graph-api on {scheme_host}/graphql (database {describe(url)})", flush=True)
        # uvicorn re-raises SIGTERM once it has drained; this handler turns it into an exit that
        # unwinds through `finally`, so the embedded PostgreSQL is stopped too.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # /metrics merges every worker's numbers through files here (graph/metrics.py).
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="graph-metrics-")
        uvicorn.run(
            "graph.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level=settings.log_level.lower(),
            proxy_headers=settings.trust_forwarded_for,
            # In-flight requests get this long to finish after SIGTERM.
            timeout_graceful_shutdown=args.grace,
            access_log=settings.development,
        )
    finally:
        if is_embedded:
            embedded.stop(settings.data_dir)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the API (GraphiQL at /graphql in development)")
    p.add_argument("--host", help="interface to bind (default: HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: PORT or 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument(
        "--migrate",
        action="store_true",
        help="apply migrations first (always done on the embedded database)",
    )
    p.add_argument(
        "--grace", type=int, default=20, help="seconds in-flight requests get to finish on shutdown"
    )
    p.set_defaults(handler=cmd_serve)
