"""Relay connections for every type: generic Connection/Edge/PageInfo and keyset paging.

`connection_args` validates first/after/last/before into a `Page`; `read_pages` runs one
statement for one list or for the lists of many parents and turns records into connections.
The SQL comes from graph/sql/build.py, so every type pages the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import strawberry

from graph.context import Context
from graph.filters import filter_values, order_values
from graph.sql import build
from graph.sql.build import Page
from graph.sql.cursor import decode_cursor, encode_cursor, order_digest
from graph.sql.declare import Table
from models.errors import Invalid

NodeT = TypeVar("NodeT")
K = TypeVar("K")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque; pass as `after`/`before` with the same ordering.")
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's nodes (the edges without cursors).")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="Size of the whole filtered list; counted only when selected.")
    async def total_count(self) -> int:
        return await self._total()


def connection_args(
    table: Table,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filters: Mapping[str, Any],
    order: tuple[tuple[str, bool], ...],
) -> Page:
    """Validate paging arguments (BAD_USER_INPUT via Invalid) into a keyset `Page`.

    Forward with first/after (default 20), backward with last/before; at most 100 rows; a cursor
    must come from this type and this exact ordering."""
    if (last is not None or before is not None) and (first is not None or after is not None):
        raise Invalid({"first": "Page forward (first/after) or backward (last/before), not both"})
    backward = last is not None or before is not None
    size, name = (last, "last") if backward else (first, "first")
    if size is None:
        size = DEFAULT_PAGE_SIZE
    if size < 0 or size > MAX_PAGE_SIZE:
        raise Invalid({name: f"Must be between 0 and {MAX_PAGE_SIZE}"})
    cursor_text, cursor_field = (before, "before") if backward else (after, "after")
    values = None
    if cursor_text is not None:
        values = decode_cursor(
            cursor_text, order_digest(table.type_name, order), build.order_kinds(table, order), cursor_field
        )
    return Page(filters=dict(filters), order=order, limit=size, backward=backward, cursor=values)


class Pager(Protocol):
    def __call__(
        self,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: Any = None,  # the type's Strawberry filter input (or None)
        order_by: Sequence[Any] | None = None,  # its order inputs
    ) -> Page: ...


def pager(table: Table, check: Callable[[Any], None] | None = None) -> Pager:
    """The standard list arguments of `table` (first/after/last/before, filter, orderBy)
    validated into a Page; `check(filter)` adds a type's own rules (raising Invalid). The
    field's resolver and the compiled read path both call it, so they page and fail alike."""

    def page(
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: Any = None,
        order_by: Sequence[Any] | None = None,
    ) -> Page:
        if check is not None and filter is not None:
            check(filter)
        return connection_args(
            table,
            first=first,
            after=after,
            last=last,
            before=before,
            filters=filter_values(table, filter),
            order=order_values(table, order_by),
        )

    return page


@dataclass(frozen=True)
class PageRows:
    """The rows of one page (already in output order) and its paging flags."""

    rows: list[Any]
    has_next: bool
    has_previous: bool


def _split(records: Sequence[Any], page: Page) -> PageRows:
    more = bool(records[0][build.MORE]) if records else False
    # The last order key is the pk (tie-breaker): NULL there marks a parent without rows.
    pk_key = build.key_column(len(page.order))
    rows = [r for r in records if r[pk_key] is not None]
    extra = len(rows) > page.limit
    rows = rows[: page.limit]
    if page.backward:
        rows.reverse()
        return PageRows(rows, has_next=more, has_previous=extra)
    return PageRows(rows, has_next=extra, has_previous=more)


def scope_of(context: Context, params: build.Params) -> build.Scope:
    viewer = context.require_viewer()
    return build.bound_scope(params, viewer.user_id, viewer.is_admin)


async def read_pages(
    context: Context, table: Table, page: Page, parent: build.Parent | None = None
) -> dict[str | None, PageRows]:
    """One statement: the page (key None), or the page of every parent key in `parent`."""
    params = build.Params()
    scope = scope_of(context, params)
    sql = build.page_sql(table, page, params, scope, parent)
    records = await context.db.fetch(sql, *params.values)
    if parent is None:
        return {None: _split(records, page)}
    grouped: dict[str | None, list[Any]] = {key: [] for key in parent.keys}
    for record in records:
        grouped[record[build.PARENT]].append(record)
    return {key: _split(recs, page) for key, recs in grouped.items()}


def to_connection(
    table: Table,
    page: Page,
    found: PageRows,
    from_row: Callable[[Any], NodeT],
    total: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    digest = order_digest(table.type_name, page.order)
    n_keys = len(page.order) + 1
    edges = [
        Edge(
            cursor=encode_cursor(digest, [row[build.key_column(i)] for i in range(n_keys)]),
            node=from_row(row),
        )
        for row in found.rows
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=found.has_next,
            has_previous_page=found.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _total=total,
    )


async def count(context: Context, table: Table, filters: Mapping[str, Any]) -> int:
    params = build.Params()
    sql = build.count_sql(table, filters, params, scope_of(context, params))
    return int(await context.db.fetchval(sql, *params.values))


async def aggregate(
    context: Context,
    table: Table,
    filters: Mapping[str, Any],
    selects: Mapping[str, str],
    group_by: Sequence[tuple[str, str]] = (),
) -> list[Any]:
    """Aggregate records over the caller's visible, filtered rows (one row unless grouped)."""
    params = build.Params()
    sql = build.aggregate_sql(table, filters, params, scope_of(context, params), selects, group_by)
    return await context.db.fetch(sql, *params.values)


async def connection(
    context: Context, table: Table, page: Page, from_row: Callable[[Any], NodeT]
) -> Connection[NodeT]:
    """A root list: one statement for the page; totalCount runs its COUNT only if selected."""
    found = (await read_pages(context, table, page))[None]

    async def total() -> int:
        return await count(context, table, page.filters)

    return to_connection(table, page, found, from_row, total)
