"""Per-request DataLoaders: one statement per relation level, never one per parent.

Each loader batches the parent keys requested in one tick of resolution and answers them with
one statement from graph/sql/build.py (LATERAL pages, GROUP BY counts/aggregates, ANY(ids)).
Loaders live in the request's context (`context.loader`), so no cache outlives a request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from graph import relay
from graph.context import Context
from graph.sql import build
from graph.sql.build import Page, Parent
from graph.sql.declare import Table

T = TypeVar("T")


def _frozen(mapping: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in mapping.items() if v is not None))


def _page_key(page: Page) -> tuple[Any, ...]:
    return (_frozen(page.filters), page.order, page.limit, page.backward, tuple(page.cursor or ()))


def by_key(
    context: Context, table: Table, column: str, from_row: Callable[[Any], T]
) -> DataLoader[str, T | None]:
    """Visible rows of `table` by `column` (pk or a unique column); None for missing or invisible."""

    async def load(keys: list[str]) -> list[T | None]:
        params = build.Params()
        sql = build.by_keys_sql(table, column, keys, params, relay.scope_of(context, params))
        found = {r[column]: from_row(r) for r in await context.db.fetch(sql, *params.values)}
        return [found.get(k) for k in keys]

    return context.loader(("by_key", table.type_name, column), lambda: DataLoader(load_fn=load))


def pages(context: Context, table: Table, column: str, page: Page) -> DataLoader[str, relay.PageRows]:
    """The same page of `table` for many parents (rows whose `column` = parent key), one statement."""

    async def load(keys: list[str]) -> list[relay.PageRows]:
        found = await relay.read_pages(context, table, page, Parent(column, keys))
        return [found[k] for k in keys]

    key = ("pages", table.type_name, column, _page_key(page))
    return context.loader(key, lambda: DataLoader(load_fn=load))


def aggregates(
    context: Context,
    table: Table,
    column: str,
    filters: Mapping[str, Any],
    selects: Mapping[str, str],
    group_by: Sequence[tuple[str, str]] = (),
) -> DataLoader[str, list[Any]]:
    """Aggregate records per parent key (GROUP BY the parent column), one statement for all parents."""

    async def load(keys: list[str]) -> list[list[Any]]:
        params = build.Params()
        scope = relay.scope_of(context, params)
        sql = build.aggregate_sql(table, filters, params, scope, selects, group_by, Parent(column, keys))
        grouped: dict[str, list[Any]] = {k: [] for k in keys}
        for record in await context.db.fetch(sql, *params.values):
            grouped[record[build.PARENT]].append(record)
        return [grouped[k] for k in keys]

    key = ("aggregates", table.type_name, column, _frozen(filters), tuple(selects.items()), tuple(group_by))
    return context.loader(key, lambda: DataLoader(load_fn=load))


async def child_connection(
    context: Context,
    table: Table,
    column: str,
    parent_key: str,
    page: Page,
    from_row: Callable[[Any], T],
) -> relay.Connection[T]:
    """A parent's nested list (e.g. user.todos): batched page, batched COUNT when selected."""
    found = await pages(context, table, column, page).load(parent_key)

    async def total() -> int:
        records = await aggregates(context, table, column, page.filters, {"count": "count(*)"}).load(
            parent_key
        )
        return int(records[0]["count"]) if records else 0

    return relay.to_connection(table, page, found, from_row, total)
