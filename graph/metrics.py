"""Prometheus metrics: GraphQL requests by operation and outcome, latency, errors by code, DB pool.

With several worker processes (`graph-api serve --workers N`), `PROMETHEUS_MULTIPROC_DIR` must
name an empty directory before the workers start (serve sets one up); `/metrics` then merges
every worker's numbers. Without it, each process reports only its own.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from graph.context import Services

GRAPHQL_REQUESTS = Counter(
    "graphql_requests_total",
    "GraphQL operations run, by operation name, type and outcome (ok or error).",
    ["operation", "type", "outcome"],
)
GRAPHQL_LATENCY = Histogram(
    "graphql_request_duration_seconds",
    "Time to run one GraphQL operation, from parse to result.",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("graphql_errors_total", "GraphQL errors returned, by extensions.code.", ["code"])
HTTP_REFUSED = Counter(
    "http_refused_total", "Requests refused before GraphQL ran, by HTTP status and code.", ["status", "code"]
)
DB_POOL_SIZE = Gauge(
    "db_pool_connections", "Open database connections in the pool.", multiprocess_mode="livesum"
)
DB_POOL_IN_USE = Gauge(
    "db_pool_in_use", "Database connections checked out of the pool.", multiprocess_mode="livesum"
)

# Operation names come from clients: keep the label set bounded.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_NAMES = 500
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "invalid"
    if name not in _seen_names:
        if len(_seen_names) >= MAX_OPERATION_NAMES:
            return "other"
        _seen_names.add(name)
    return name


def observe_pool(services: Services | None) -> None:
    if services is None:
        return
    pool = services.db.pool
    size = pool.get_size()
    DB_POOL_SIZE.set(size)
    DB_POOL_IN_USE.set(size - pool.get_idle_size())


class Metrics(SchemaExtension):
    """Counts and times every operation, with its outcome and each error's code."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        try:
            kind = ctx.operation_type.value
        except RuntimeError:  # unparsable or ambiguous document
            kind = "unknown"
        name = operation_label(ctx.operation_name)
        errors = getattr(ctx.result, "errors", None) or ctx.pre_execution_errors or []
        GRAPHQL_REQUESTS.labels(name, kind, "error" if errors else "ok").inc()
        GRAPHQL_LATENCY.labels(name, kind).observe(time.perf_counter() - started)
        for error in errors:
            GRAPHQL_ERRORS.labels(str((error.extensions or {}).get("code", "UNKNOWN"))).inc()
        observe_pool(getattr(ctx.context, "services", None))


def metrics_response(services: Services | None) -> Response:
    """The Prometheus text exposition for this process, or for all workers in multiprocess mode."""
    observe_pool(services)
    registry: CollectorRegistry = DEFAULT_REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def metrics_endpoint(request: Request) -> Response:
    return metrics_response(getattr(request.app.state, "services", None))
