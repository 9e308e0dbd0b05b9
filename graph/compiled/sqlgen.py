"""A selection tree -> one SQL statement that builds the whole response in PostgreSQL.

Everything row-level comes from the declarations (graph/sql/declare.py) through the same
builders the resolver path uses (graph/sql/build.py: where, order_terms, keyset), and the
arguments go through the same validation (`*_page`, `filter_values`), so the two paths agree
on visibility, paging and errors. A validation error raises and the resolver path answers.

The statement is `WITH <session lookup + sliding refresh> SELECT CASE WHEN admin THEN <data as
admin> ELSE <data as user> END, refreshed`: the admin flag is a literal inside each branch, so
the planner keeps using the (user_id, created_at, id) indexes, and only one branch runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import GraphQLEnumType, GraphQLInputObjectType, get_named_type

from graph.auth.backend import VIEWER_CTES
from graph.compiled.selection import NotCompilable, Selected, _Collector
from graph.sql import build
from graph.sql.build import Page, Params, Scope, Term
from graph.sql.cursor import order_digest
from graph.sql.declare import LISTS, Kind, ListField, Table, table_of
from models.errors import DomainError

TS = '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\''
MAX_PAIRS = 50  # json_build_object takes at most 100 arguments


class Refused(Exception):
    """This branch must not answer (e.g. a non-admin asking for users): the resolver path will."""


def ts(expr: str) -> str:
    return f"to_char({expr} AT TIME ZONE 'UTC', {TS})"


def gid(type_name: str, pk_expr: str) -> str:
    return f"translate(encode(convert_to('{type_name}:' || {pk_expr}, 'UTF8'), 'base64'), E'\\n', '')"


def obj(pairs: list[tuple[str, str]]) -> str:
    if len(pairs) > MAX_PAIRS:
        raise NotCompilable("too many fields in one object")
    if not pairs:
        return "json_build_object()"
    return "json_build_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"


def snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _json_value(expr: str, kind: Kind) -> str:
    """The JSON text of one cursor value, as orjson writes it (see graph/sql/cursor.py)."""
    if kind is Kind.TIMESTAMP:
        return f"'\"' || {ts(expr)} || '\"'"
    if kind is Kind.TEXT:
        return f"to_json({expr})::text"
    if kind is Kind.INT:
        return f"({expr})::text"
    raise NotCompilable("float cursor values")  # float4/float8 text differs from orjson's


@dataclass
class Gen:
    """Generation state for one branch (user or admin)."""

    params: Params
    scope: Scope
    collector: _Collector
    n: int = 0

    def alias(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"


# --- aggregate fields: the areas' own aggregate templates and filter inputs (lists come from
# the declarations' LISTS registry) ---------------------------------------------------------


def _areas() -> dict[str, Any]:
    from graph.types import file as files_area
    from graph.types import todo as todos_area
    from graph.types import user as users_area

    return {
        "TODO_STATS": todos_area.TODO_STATS,
        "FILE_STATS": files_area.FILE_STATS,
        "BY_MIME": files_area.BY_MIME,
        "MIME_KEY": files_area.MIME_KEY,
        "GROUP_KEYS": {k.name: v for k, v in todos_area.GROUP_KEYS.items()},
        "TODOS": todos_area.TODOS,
        "FILES": files_area.FILES,
        "USERS": users_area.USERS,
    }


def python_args(s: Selected) -> dict[str, Any]:
    """The field's coerced arguments as its resolver receives them: snake_case names, input
    objects as their Strawberry classes (found through the schema), lists of them likewise."""
    assert s.definition is not None
    out: dict[str, Any] = {}
    for name, value in s.args.items():
        named = get_named_type(s.definition.args[name].type)
        definition = (named.extensions or {}).get("strawberry-definition")
        cls = getattr(definition, "origin", None) if isinstance(named, GraphQLInputObjectType) else None
        if cls is not None:
            value = _inputs(cls, value) if isinstance(value, list) else _input(cls, value)
        out[snake(name)] = value
    return out


def _input(cls: Any, value: Any) -> Any:
    """A coerced input object (dict with GraphQL names) as the Strawberry input the resolver gets."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return value
    return cls(**{snake(k): v for k, v in value.items()})


def _inputs(cls: Any, values: Any) -> Any:
    return None if values is None else [_input(cls, v) for v in values]


_AREAS: dict[str, Any] | None = None


def areas() -> dict[str, Any]:
    global _AREAS
    if _AREAS is None:
        _AREAS = _areas()
    return _AREAS


# --- objects --------------------------------------------------------------------------------


def node_json(g: Gen, table: Table, row: str, selections: list[Selected]) -> str:
    """The JSON object of one row of `table` (columns readable as `row.col`)."""
    pairs: list[tuple[str, str]] = []
    for s in selections:
        pairs.append((s.key, field_expr(g, table, row, s)))
    return obj(pairs)


def field_expr(g: Gen, table: Table, row: str, s: Selected) -> str:
    if s.name == "__typename":
        return f"'{table.type_name}'"
    if s.name == "id":
        return gid(table.type_name, f"{row}.{table.pk}")
    assert s.definition is not None
    column = snake(s.name)
    named = get_named_type(s.definition.type)
    if table.type_name == "User" and column == "email":
        # The email is the user's own or an admin's to read; others get "" (see User.email).
        return f"CASE WHEN {g.scope.admin} OR {row}.id = {g.scope.viewer} THEN {row}.email ELSE '' END"
    if column in table.columns and not s.children:
        if named.name == "DateTime":
            return ts(f"{row}.{column}")
        if isinstance(named, GraphQLEnumType):
            return f"upper({row}.{column})"
        return f"{row}.{column}"
    relation = table.relations.get(column)
    if relation is not None and not relation.many:
        target = table_of(relation.target)
        x = g.alias(target.alias)
        cond = f"{x}.{relation.remote} = {row}.{relation.local} AND {build.visible(target, x, g.scope)}"
        return f"(SELECT {node_json(g, target, x, s.children)} FROM {target.table} {x} WHERE {cond})"
    listed = LISTS.get((table.type_name, s.name))
    if listed is not None:
        return connection(g, s, listed, parent=(table, row))
    if s.name in ("todoStats", "fileStats"):
        return stats(g, s, parent=(table, row))
    raise NotCompilable(f"{table.type_name}.{s.name}")


# --- connections ----------------------------------------------------------------------------


def _parent_cond(table: Table, alias: str, parent: tuple[Table, str] | None) -> str | None:
    if parent is None:
        return None
    ptable, prow = parent
    for rel in table.relations.values():
        if not rel.many and rel.target == ptable.type_name:
            return f"{alias}.{rel.local} = {prow}.{rel.remote}"
    raise NotCompilable(f"no link from {table.type_name} to {ptable.type_name}")


def connection(g: Gen, s: Selected, listed: ListField, parent: tuple[Table, str] | None) -> str:
    table = listed.table
    if listed.admin_only and g.scope.admin != "TRUE":
        raise Refused()
    try:
        page: Page = listed.page(**python_args(s))
    except DomainError as exc:
        raise NotCompilable(f"argument error: {exc}") from None
    p = g.params
    a = g.alias(table.alias)
    w = build.where(table, a, page.filters, p, g.scope)
    terms = build.order_terms(table, a, page.order, w.query)
    if any(t.kind is Kind.FLOAT for t in terms):
        raise NotCompilable("float ordering")
    conds = [w.sql]
    pc = _parent_cond(table, a, parent)
    if pc:
        conds.append(pc)
    if page.cursor is not None:
        conds.append(build.keyset(terms, page.cursor, p, after=not page.backward))
    limit = page.limit
    keys = ", ".join(f"{t.expr} AS __k{i}" for i, t in enumerate(terms))
    inner = (
        f"SELECT {table.select_list(a)}, {keys} FROM {table.table} {a} WHERE {' AND '.join(conds)} "
        f"ORDER BY {build.order_by(terms, reverse=page.backward)} LIMIT {p.add(limit + 1, 'int')}"
    )
    r = g.alias("r")
    # Row terms over the fetched rows' key columns, for numbering in fetch order.
    rterms = [Term(f"{r}.__k{i}", t.desc, t.kind) for i, t in enumerate(terms)]
    numbered = (
        f"SELECT {r}.*, row_number() OVER (ORDER BY {build.order_by(rterms, reverse=page.backward)}) "
        f"AS __rn FROM ({inner}) {r}"
    )
    q = g.alias("q")
    out_order = f"{q}.__rn {'DESC' if page.backward else 'ASC'}"
    digest = order_digest(table.type_name, page.order)
    cursor = (
        "translate(encode(convert_to('[\""
        + digest
        + "\",[' || "
        + " || ',' || ".join(_json_value(f"{q}.__k{i}", t.kind) for i, t in enumerate(terms))
        + " || ']]', 'UTF8'), 'base64'), E'+/=\\n', '-_')"
    )
    keep = f"FILTER (WHERE {q}.__rn <= {limit})"
    agg_cols = ["count(*) AS n", f"array_agg({cursor} ORDER BY {out_order}) {keep} AS cursors"]
    ag = g.alias("ag")
    pairs: list[tuple[str, str]] = []
    more_sql: list[str] = []

    def more() -> str:
        """Whether rows exist on the far side of the cursor (built only if selected: its
        parameters must all appear in the statement)."""
        if page.cursor is None:
            return "FALSE"
        if not more_sql:
            b = g.alias(table.alias)
            wb = build.where(table, b, page.filters, p, g.scope)
            other = [
                wb.sql,
                "NOT "
                + build.keyset(
                    build.order_terms(table, b, page.order, wb.query), page.cursor, p, after=not page.backward
                ),
            ]
            pcb = _parent_cond(table, b, parent)
            if pcb:
                other.append(pcb)
            more_sql.append(f"EXISTS (SELECT 1 FROM {table.table} {b} WHERE {' AND '.join(other)})")
        return more_sql[0]

    extra = f"({ag}.n > {limit})"

    def has_next() -> str:
        return more() if page.backward else extra

    def has_prev() -> str:
        return extra if page.backward else more()

    for i, c in enumerate(s.children):
        if c.name == "__typename":
            pairs.append((c.key, f"'{c.parent_type.name}'"))
        elif c.name in ("edges", "nodes"):
            col = f"__c{i}"
            if c.name == "nodes":
                item = node_json(g, table, q, c.children)
            else:
                edge: list[tuple[str, str]] = []
                for e in c.children:
                    if e.name == "cursor":
                        edge.append((e.key, cursor))
                    elif e.name == "node":
                        edge.append((e.key, node_json(g, table, q, e.children)))
                    elif e.name == "__typename":
                        edge.append((e.key, f"'{e.parent_type.name}'"))
                    else:
                        raise NotCompilable(f"edge field {e.name}")
                item = obj(edge)
            agg_cols.append(f"coalesce(json_agg({item} ORDER BY {out_order}) {keep}, '[]'::json) AS {col}")
            pairs.append((c.key, f"{ag}.{col}"))
        elif c.name == "pageInfo":
            info: list[tuple[str, str]] = []
            for e in c.children:
                if e.name == "hasNextPage":
                    info.append((e.key, has_next()))
                elif e.name == "hasPreviousPage":
                    info.append((e.key, has_prev()))
                elif e.name == "startCursor":
                    info.append((e.key, f"{ag}.cursors[1]"))
                elif e.name == "endCursor":
                    info.append((e.key, f"{ag}.cursors[array_length({ag}.cursors, 1)]"))
                elif e.name == "__typename":
                    info.append((e.key, "'PageInfo'"))
                else:
                    raise NotCompilable(f"pageInfo field {e.name}")
            pairs.append((c.key, obj(info)))
        elif c.name == "totalCount":
            cnt = g.alias(table.alias)
            wc = build.where(table, cnt, page.filters, p, g.scope)
            cc = [wc.sql]
            pcc = _parent_cond(table, cnt, parent)
            if pcc:
                cc.append(pcc)
            pairs.append((c.key, f"(SELECT count(*) FROM {table.table} {cnt} WHERE {' AND '.join(cc)})"))
        else:
            raise NotCompilable(f"connection field {c.name}")
    return f"(SELECT {obj(pairs)} FROM (SELECT {', '.join(agg_cols)} FROM ({numbered}) {q}) {ag})"


# --- aggregates -----------------------------------------------------------------------------


def _agg_where(
    g: Gen, table: Table, a: str, filters: dict[str, Any], parent: tuple[Table, str] | None
) -> str:
    w = build.where(table, a, filters, g.params, g.scope)
    conds = [w.sql]
    pc = _parent_cond(table, a, parent)
    if pc:
        conds.append(pc)
    return " AND ".join(conds)


def _filters_of(table: Table, s: Selected) -> dict[str, Any]:
    """The field's `filter` argument as the builders read it (same conversion as the resolver)."""
    from graph.filters import filter_values

    try:
        return filter_values(table, python_args(s).get("filter"))
    except DomainError as exc:
        raise NotCompilable(f"argument error: {exc}") from None


def stats(g: Gen, s: Selected, parent: tuple[Table, str] | None) -> str:
    A = areas()
    if s.name == "todoStats":
        table, selects, filters = A["TODOS"], dict(A["TODO_STATS"]), _filters_of(A["TODOS"], s)
        selects["pending"] = f"({selects['count']}) - ({selects['completed']})"
    else:
        table, selects, filters = A["FILES"], dict(A["FILE_STATS"]), _filters_of(A["FILES"], s)
    a = g.alias(table.alias)
    where_sql = _agg_where(g, table, a, filters, parent)
    pairs = []
    for c in s.children:
        if c.name == "__typename":
            pairs.append((c.key, f"'{c.parent_type.name}'"))
            continue
        if c.name == "byMimeType":
            pairs.append((c.key, by_mime(g, c, filters, parent)))
            continue
        expr = selects.get(snake(c.name))
        if expr is None:
            raise NotCompilable(f"stats field {c.name}")
        assert c.definition is not None
        expr = expr.format(t=a)
        if get_named_type(c.definition.type).name == "DateTime":
            expr = ts(expr)
        pairs.append((c.key, expr))
    # GROUP BY (): one row even when no field is an aggregate (e.g. only byMimeType selected).
    return f"(SELECT {obj(pairs)} FROM {table.table} {a} WHERE {where_sql} GROUP BY ())"


def by_mime(g: Gen, s: Selected, filters: dict[str, Any], parent: tuple[Table, str] | None) -> str:
    A = areas()
    table = A["FILES"]
    a = g.alias(table.alias)
    key_name, key_expr = A["MIME_KEY"][0]
    cols = [f"{key_expr.format(t=a)} AS {key_name}"] + [
        f"{e.format(t=a)} AS {n}" for n, e in A["BY_MIME"].items()
    ]
    x = g.alias("x")
    inner = (
        f"SELECT {', '.join(cols)} FROM {table.table} {a} WHERE {_agg_where(g, table, a, filters, parent)} "
        f"GROUP BY 1"
    )
    pairs = []
    for c in s.children:
        if c.name == "__typename":
            pairs.append((c.key, "'MimeTypeCount'"))
        else:
            pairs.append((c.key, f"{x}.{snake(c.name)}"))
    return f"(SELECT coalesce(json_agg({obj(pairs)} ORDER BY {x}.{key_name}), '[]'::json) FROM ({inner}) {x})"


def groups(g: Gen, s: Selected) -> str:
    A = areas()
    table = A["TODOS"]
    filters = _filters_of(A["TODOS"], s)
    by = list(dict.fromkeys(b.name if hasattr(b, "name") else str(b) for b in s.args.get("by", [])))
    keys = [A["GROUP_KEYS"][b] for b in by]
    a = g.alias(table.alias)
    cols = [f"{e.format(t=a)} AS {n}" for n, e in keys] + ["count(*) AS count"]
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    where_sql = _agg_where(g, table, a, filters, None)
    inner = f"SELECT {', '.join(cols)} FROM {table.table} {a} WHERE {where_sql}{group}"
    x = g.alias("x")
    present = {n for n, _ in keys}
    pairs = []
    for c in s.children:
        if c.name == "__typename":
            pairs.append((c.key, "'TodoGroup'"))
        elif c.name == "count":
            pairs.append((c.key, f"{x}.count"))
        elif c.name == "completed":
            pairs.append((c.key, f"{x}.completed" if "completed" in present else "NULL"))
        elif c.name == "day":
            pairs.append((c.key, ts(f"{x}.day") if "day" in present else "NULL"))
        elif c.name == "user":
            if "user_id" not in present:
                pairs.append((c.key, "NULL"))
            else:
                users = A["USERS"]
                u = g.alias(users.alias)
                cond = f"{u}.id = {x}.user_id AND {build.visible(users, u, g.scope)}"
                pairs.append(
                    (
                        c.key,
                        f"(SELECT {node_json(g, users, u, c.children)} FROM {users.table} {u} WHERE {cond})",
                    )
                )
        else:
            raise NotCompilable(f"TodoGroup.{c.name}")
    order = ", ".join(f"{x}.{n}" for n, _ in keys) or "1"
    return f"(SELECT coalesce(json_agg({obj(pairs)} ORDER BY {order}), '[]'::json) FROM ({inner}) {x})"


# --- roots ----------------------------------------------------------------------------------


def root_expr(g: Gen, s: Selected) -> str:
    if s.name == "__typename":
        return "'Query'"
    if s.name == "viewer":
        users = areas()["USERS"]
        u = g.alias(users.alias)
        row = node_json(g, users, u, s.children)
        return f"(SELECT {row} FROM {users.table} {u} WHERE {u}.id = {g.scope.viewer})"
    listed = LISTS.get(("Query", s.name))
    if listed is not None:
        return connection(g, s, listed, parent=None)
    if s.name in ("todoStats", "fileStats"):
        return stats(g, s, parent=None)
    if s.name == "todoGroups":
        return groups(g, s)
    raise NotCompilable(f"Query.{s.name}")


def response_expr(g: Gen, roots: list[Selected]) -> str:
    """The response text, or NULL when this branch refuses (the resolver path answers then)."""
    try:
        return f"json_build_object('data', {obj([(s.key, root_expr(g, s)) for s in roots])})::text"
    except Refused:
        return "NULL"


def build_statement(
    roots: list[Selected], collector: _Collector, ttl: float, refresh: float
) -> tuple[str, list[Any]]:
    """SQL and its parameters; `$1` is the token hash (filled by the caller, left None here)."""
    params = Params()
    params.add(None)  # $1 token hash
    params.add(ttl)  # $2
    params.add(refresh)  # $3
    user = response_expr(Gen(params, Scope(viewer="v.user_id", admin="FALSE"), collector), roots)
    admin = response_expr(Gen(params, Scope(viewer="v.user_id", admin="TRUE"), collector), roots)
    sql = (
        VIEWER_CTES + ", v AS (SELECT f.user_id, f.role = 'admin' AS admin, r.id IS NOT NULL AS refreshed "
        "FROM found f LEFT JOIN refreshed r ON r.id = f.id) "
        f"SELECT CASE WHEN v.admin THEN {admin} ELSE {user} END, v.refreshed FROM v"
    )
    return sql, params.values
