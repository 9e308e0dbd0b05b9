"""/metrics exposes GraphQL requests by operation and outcome, latency, error codes and the pool."""

from __future__ import annotations

import re

import httpx

from tests.graphql import gql


def _value(text: str, sample: str) -> float:
    match = re.search(r"^" + re.escape(sample) + r" ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_operations_outcomes_and_codes(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    ok = 'graphql_requests_total{operation="MetricsProbe",outcome="ok",type="query"}'
    failed = 'graphql_requests_total{operation="MetricsBroken",outcome="error",type="query"}'
    code = 'graphql_errors_total{code="BAD_USER_INPUT"}'
    await gql(client, "query MetricsProbe { __typename }")
    await gql(client, "query MetricsProbe { __typename }")
    await gql(client, "query MetricsBroken { nope }")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    assert _value(after, ok) - _value(before, ok) == 2
    assert _value(after, failed) - _value(before, failed) == 1
    assert _value(after, code) - _value(before, code) >= 1
    assert (
        'graphql_request_duration_seconds_bucket{le="0.005",operation="MetricsProbe",type="query"}' in after
    )
    assert re.search(r"^db_pool_connections [1-9]", after, re.MULTILINE)
    assert "db_pool_in_use" in after
