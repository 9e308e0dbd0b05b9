"""SQL building: pure functions of (declaration, arguments, parameter accumulator, viewer scope).

No I/O and no GraphQL here, so the resolver path and a compiled read path build the same SQL.
Every value is a bound parameter handed out by `Params`; only declaration templates, aliases
and the caller-supplied scope expressions are spliced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.sql.declare import Kind, Op, Table
from models.errors import Invalid

CAST = {Kind.TEXT: "text", Kind.INT: "bigint", Kind.FLOAT: "float8", Kind.TIMESTAMP: "timestamptz"}


class Params:
    """Accumulates bound values and hands out their `$n` placeholders in order."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def add(self, value: Any, cast: str | None = None) -> str:
        self.values.append(value)
        placeholder = f"${len(self.values)}"
        return f"{placeholder}::{cast}" if cast else placeholder


@dataclass(frozen=True)
class Scope:
    """Who is reading, as SQL expressions: `viewer` (user id) and `admin` (boolean)."""

    viewer: str
    admin: str


def bound_scope(params: Params, user_id: str, is_admin: bool) -> Scope:
    # The admin flag is a server-side constant, not client input: as a literal the planner folds
    # "FALSE OR t.user_id = $1" to the owner predicate and uses the (user_id, ...) index.
    return Scope(viewer=params.add(user_id, "text"), admin="TRUE" if is_admin else "FALSE")


def visible(table: Table, alias: str, scope: Scope) -> str:
    """The one visibility predicate of `table`, for rows under `alias`."""
    return "(" + table.visibility.format(t=alias, viewer=scope.viewer, admin=scope.admin) + ")"


def like_literal(value: str) -> str:
    """`value` with LIKE's wildcards and escape character taken literally."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Where:
    sql: str
    # The bound tsquery when a SEARCH filter is present (RELEVANCE orders by it).
    query: str | None


def where(table: Table, alias: str, filters: Mapping[str, Any], params: Params, scope: Scope) -> Where:
    """Visibility AND every filter in `filters` (input attribute -> value; None means absent).

    OWNER values are primary keys already (the caller decodes global ids)."""
    parts = [visible(table, alias, scope)]
    query: str | None = None
    for name, value in filters.items():
        if value is None:
            continue
        f = table.filters[name]
        column = f.column.format(t=alias)
        if f.op is Op.EQ or f.op is Op.OWNER:
            parts.append(f"{column} = {params.add(value)}")
        elif f.op is Op.ICONTAINS:
            parts.append(f"{column} ILIKE {params.add('%' + like_literal(value) + '%')}")
        elif f.op is Op.ICONTAINS_ANY:
            pattern = params.add("%" + like_literal(value) + "%")
            parts.append("(" + " OR ".join(f"{c.strip()} ILIKE {pattern}" for c in column.split(",")) + ")")
        elif f.op is Op.PREFIX:
            parts.append(f"{column} LIKE {params.add(like_literal(value) + '%')}")
        elif f.op is Op.GTE:
            parts.append(f"{column} >= {params.add(value)}")
        elif f.op is Op.LT:
            parts.append(f"{column} < {params.add(value)}")
        elif f.op is Op.LTE:
            parts.append(f"{column} <= {params.add(value)}")
        elif f.op is Op.SEARCH:
            assert table.search_column is not None, f"{table.type_name} has no search column"
            query = f"websearch_to_tsquery('english', {params.add(value, 'text')})"
            parts.append(f"{table.search_column.format(t=alias)} @@ {query}")
    return Where(" AND ".join(parts), query)


@dataclass(frozen=True)
class Term:
    expr: str
    desc: bool
    kind: Kind


def order_terms(table: Table, alias: str, order: Sequence[tuple[str, bool]], query: str | None) -> list[Term]:
    """ORDER BY terms for `order` ((enum name, descending) pairs), plus the pk as the last tie-breaker
    (same direction as the last key, so the keyset stays a single row comparison)."""
    terms: list[Term] = []
    for name, desc in order:
        o = table.orders[name]
        if o.needs_search and query is None:
            raise Invalid({"orderBy": f"{name} needs a search filter"})
        terms.append(Term(o.expr.format(t=alias, query=query), desc, o.kind))
    last_desc = terms[-1].desc if terms else True
    terms.append(Term(f"{alias}.{table.pk}", last_desc, Kind.TEXT))
    return terms


def order_by(terms: Sequence[Term], reverse: bool = False) -> str:
    return ", ".join(f"{t.expr} {'DESC' if t.desc != reverse else 'ASC'}" for t in terms)


def keyset(terms: Sequence[Term], values: Sequence[Any], params: Params, after: bool) -> str:
    """Rows strictly after (`after`) or strictly before the row whose keys are `values`.

    A row comparison when every direction agrees (one index range); else the expanded OR form."""
    bound = [params.add(v, CAST[t.kind]) for t, v in zip(terms, values, strict=True)]

    def op(term: Term) -> str:
        return "<" if term.desc == after else ">"

    if all(t.desc == terms[0].desc for t in terms):
        return f"({', '.join(t.expr for t in terms)}) {op(terms[0])} ({', '.join(bound)})"
    ors = []
    for i, term in enumerate(terms):
        eqs = [f"{terms[j].expr} = {bound[j]}" for j in range(i)]
        ors.append("(" + " AND ".join([*eqs, f"{term.expr} {op(term)} {bound[i]}"]) + ")")
    return "(" + " OR ".join(ors) + ")"


@dataclass(frozen=True)
class Page:
    """One page request: `limit` rows forward (or backward) from an optional cursor."""

    filters: Mapping[str, Any]
    order: tuple[tuple[str, bool], ...]
    limit: int
    backward: bool
    cursor: list[Any] | None


@dataclass(frozen=True)
class Parent:
    """Per-parent reads: rows whose `column` equals one of `keys` (one statement for all parents)."""

    column: str
    keys: Sequence[str]


PARENT = "__parent"
MORE = "__more"  # rows exist on the far side of the cursor


def key_column(i: int) -> str:
    return f"__k{i}"


def page_sql(table: Table, page: Page, params: Params, scope: Scope, parent: Parent | None = None) -> str:
    """One statement returning a page of `limit + 1` rows (the extra one tells whether more exist).

    Row columns are the declaration's columns plus `__k0..` (the order keys, for cursors) and
    `__more` (whether rows exist before the cursor, i.e. the other direction's has-page flag).
    With `parent`, the page is taken per parent in one
    statement (LATERAL), each row carrying `__parent`; a parent with no rows yields one row whose
    columns are NULL, so `__more` is still known for it.
    """
    a, b = table.alias, table.alias + "_o"
    parents = params.add(list(parent.keys), "text[]") if parent else None
    w = where(table, a, page.filters, params, scope)
    terms = order_terms(table, a, page.order, w.query)
    conds = [w.sql]
    if parent:
        conds.append(f"{a}.{parent.column} = p.{PARENT}")
    more = "FALSE"
    if page.cursor is not None:
        conds.append(keyset(terms, page.cursor, params, after=not page.backward))
        # A second alias for the EXISTS: same filters, rows at or beyond the cursor's other side.
        wb = where(table, b, page.filters, params, scope)
        other = [
            wb.sql,
            "NOT "
            + keyset(
                order_terms(table, b, page.order, wb.query), page.cursor, params, after=not page.backward
            ),
        ]
        if parent:
            other.append(f"{b}.{parent.column} = p.{PARENT}")
        more = f"EXISTS (SELECT 1 FROM {table.table} {b} WHERE {' AND '.join(other)})"
    keys = ", ".join(f"{t.expr} AS {key_column(i)}" for i, t in enumerate(terms))
    inner = (
        f"SELECT {table.select_list(a)}, {keys} FROM {table.table} {a} WHERE {' AND '.join(conds)} "
        f"ORDER BY {order_by(terms, reverse=page.backward)} LIMIT {params.add(page.limit + 1, 'int')}"
    )
    if parent:
        return (
            f"SELECT p.{PARENT}, e.{MORE}, x.* FROM unnest({parents}) AS p({PARENT}) "
            f"CROSS JOIN LATERAL (SELECT {more} AS {MORE}) e "
            f"LEFT JOIN LATERAL ({inner}) x ON TRUE"
        )
    return f"SELECT e.{MORE}, x.* FROM (SELECT {more} AS {MORE}) e LEFT JOIN LATERAL ({inner}) x ON TRUE"


def count_sql(
    table: Table, filters: Mapping[str, Any], params: Params, scope: Scope, parent: Parent | None = None
) -> str:
    """COUNT(*) of the filtered, visible set; per parent (GROUP BY) with `parent`."""
    return aggregate_sql(table, filters, params, scope, {"count": "count(*)"}, (), parent)


def aggregate_sql(
    table: Table,
    filters: Mapping[str, Any],
    params: Params,
    scope: Scope,
    selects: Mapping[str, str],
    group_by: Sequence[tuple[str, str]] = (),
    parent: Parent | None = None,
) -> str:
    """Aggregates over the filtered, visible set, in SQL.

    `selects`: output name -> aggregate template ({t} = alias); `group_by`: (output name, key
    template) pairs. With `parent`, rows carry `__parent`
    (grouped by it too); parents without rows are absent (the caller supplies the empty value)."""
    a = table.alias
    parents = params.add(list(parent.keys), "text[]") if parent else None
    w = where(table, a, filters, params, scope)
    outputs = [f"{expr.format(t=a)} AS {name}" for name, expr in group_by]
    outputs += [f"{expr.format(t=a)} AS {name}" for name, expr in selects.items()]
    groups = [str(i + 1) for i in range(len(group_by))]
    conds = [w.sql]
    if parent:
        outputs.insert(0, f"{a}.{parent.column} AS {PARENT}")
        groups = ["1", *[str(i + 2) for i in range(len(group_by))]]
        conds.append(f"{a}.{parent.column} = ANY({parents})")
    sql = f"SELECT {', '.join(outputs)} FROM {table.table} {a} WHERE {' AND '.join(conds)}"
    if groups:
        sql += f" GROUP BY {', '.join(groups)} ORDER BY {', '.join(groups)}"
    return sql


def by_keys_sql(table: Table, column: str, keys: Sequence[str], params: Params, scope: Scope) -> str:
    """Visible rows whose `column` is one of `keys`: the batch behind every to-one relation."""
    a = table.alias
    keys = params.add(list(keys), "text[]")
    return (
        f"SELECT {table.select_list(a)} FROM {table.table} {a} "
        f"WHERE {a}.{column} = ANY({keys}) AND {visible(table, a, scope)}"
    )


def order_kinds(table: Table, order: Sequence[tuple[str, bool]]) -> list[Kind]:
    """The kinds of the cursor values for `order` (its keys, then the pk)."""
    return [table.orders[name].kind for name, _ in order] + [Kind.TEXT]
