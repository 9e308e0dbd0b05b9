"""Each GraphQL type's mapping to SQL, declared once as data that every read path uses.

A `Table` says which table backs a type, how fields map to columns, which filters and orders
exist, how rows relate, and who may see which rows (`visibility`, ONE predicate template). The
resolver path (graph/sql/build.py) and any future compiled read path generate SQL from these,
so visibility is never written twice.

Templates use `{t}` for the table alias; `visibility` also uses `{viewer}` (an SQL expression
giving the caller's user id) and `{admin}` (an SQL boolean expression), both supplied by the
caller: bound parameters on the resolver path, columns of a viewer CTE on a compiled path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Op(Enum):
    """What a filter does with its value (see build.filter_predicate)."""

    EQ = "eq"  # column = value
    ICONTAINS = "icontains"  # column ILIKE %value% with %, _ and \ taken literally
    SEARCH = "search"  # search @@ websearch_to_tsquery('english', value)
    GTE = "gte"  # column >= value
    LT = "lt"  # column < value
    LTE = "lte"  # column <= value
    PREFIX = "prefix"  # column LIKE value% (literal)
    OWNER = "owner"  # column = pk decoded from a global id of `ref_type`
    ICONTAINS_ANY = "icontains_any"  # any of the comma-separated column templates ICONTAINS value


class Kind(Enum):
    """How an order key travels through a cursor (JSON) and back to a bound parameter."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    TIMESTAMP = "timestamp"


@dataclass(frozen=True)
class Filter:
    op: Op
    column: str = ""  # column template, e.g. "{t}.created_at"; unused by SEARCH
    ref_type: str = ""  # OWNER: the GraphQL type the id must name


@dataclass(frozen=True)
class Order:
    expr: str  # SQL template; RELEVANCE's uses {query} for the bound tsquery
    kind: Kind
    needs_search: bool = False


@dataclass(frozen=True)
class Relation:
    """`target` rows whose `remote` column equals this row's `local` column."""

    target: str  # GraphQL type name in the registry
    local: str
    remote: str
    many: bool


@dataclass(frozen=True)
class Table:
    type_name: str
    table: str  # quoted SQL name
    alias: str
    columns: tuple[str, ...]  # selected for every row (the type's from_row reads these)
    visibility: str
    pk: str = "id"
    filters: dict[str, Filter] = field(default_factory=dict)  # input attribute -> filter
    orders: dict[str, Order] = field(default_factory=dict)  # order enum name -> order
    default_order: tuple[tuple[str, bool], ...] = (("CREATED_AT", True),)  # (name, descending)
    search_column: str | None = None  # tsvector column template for SEARCH and RELEVANCE
    relations: dict[str, Relation] = field(default_factory=dict)

    def select_list(self, alias: str | None = None) -> str:
        a = alias or self.alias
        return ", ".join(f"{a}.{c}" for c in self.columns)


REGISTRY: dict[str, Table] = {}


@dataclass(frozen=True)
class ListField:
    """A connection field over `table`. `page(**arguments)` (snake_case names, the resolver's own
    argument objects) validates the field's arguments into a build.Page: the resolver calls it,
    and so does the compiled read path, so both page and fail identically."""

    table: Table
    page: Callable[..., Any]
    admin_only: bool = False


# (parent GraphQL type, field name) -> the list it is.
LISTS: dict[tuple[str, str], ListField] = {}


def declare_list(
    fields: Sequence[tuple[str, str]], table: Table, page: Callable[..., Any], *, admin_only: bool = False
) -> None:
    """Register connection fields (e.g. ("Query", "todos"), ("User", "todos")) over `table`."""
    for key in fields:
        if key in LISTS:
            raise ValueError(f"{key} is declared twice")
        LISTS[key] = ListField(table, page, admin_only)


def declare(table: Table) -> Table:
    """Register `table` under its GraphQL type name (one declaration per type)."""
    if table.type_name in REGISTRY:
        raise ValueError(f"{table.type_name} is declared twice")
    REGISTRY[table.type_name] = table
    return table


def table_of(type_name: str) -> Table:
    return REGISTRY[type_name]


# Rows owned by a user: the owner sees them, admins read everything.
OWNED = "{admin} OR {t}.user_id = {viewer}"
TIMESTAMP_ORDERS = {
    "CREATED_AT": Order("{t}.created_at", Kind.TIMESTAMP),
    "UPDATED_AT": Order("{t}.updated_at", Kind.TIMESTAMP),
}
RELEVANCE = Order("ts_rank({t}.search, {query})", Kind.FLOAT, needs_search=True)
CREATED_RANGE = {
    "created_after": Filter(Op.GTE, "{t}.created_at"),
    "created_before": Filter(Op.LT, "{t}.created_at"),
}
OWNER_FILTER = {"user_id": Filter(Op.OWNER, "{t}.user_id", ref_type="User")}
BELONGS_TO_USER = Relation("User", local="user_id", remote="id", many=False)

# Session's GraphQL type lives in the auth area (graph/types/auth.py); its mapping is declared
# here so node()/nodes() and User.sessions share the machinery. Self and admins only.
SESSION = declare(
    Table(
        type_name="Session",
        table='"session"',
        alias="s",
        columns=("id", "expires_at", "ip_address", "user_agent", "created_at", "updated_at", "user_id"),
        visibility=OWNED,
        orders=dict(TIMESTAMP_ORDERS),
        relations={"user": BELONGS_TO_USER},
    )
)
