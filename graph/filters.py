"""Filter and order inputs -> the plain values graph/sql/build.py reads (generic over types).

A type's filter input is a Strawberry input whose attribute names are the keys of its
declaration's `filters`; its order input has `field` (an enum named like the declaration's
`orders`) and `direction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import strawberry

from graph.sql.cursor import pk_of
from graph.sql.declare import Op, Table
from models.errors import Invalid


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def filter_values(table: Table, given: Any | None) -> dict[str, Any]:
    """The set filters of input `given` (None: no filter), ids decoded to primary keys."""
    values: dict[str, Any] = {}
    if given is None:
        return values
    for name, spec in table.filters.items():
        value = getattr(given, name, None)
        if value is None:
            continue
        if spec.op is Op.OWNER:
            field = "filter." + to_camel(name)
            pk = pk_of(str(value), spec.ref_type, field)
            if pk is None:
                raise Invalid({field: f"Not a {spec.ref_type} id"})
            value = pk
        values[name] = value
    return values


def order_values(table: Table, given: Sequence[Any] | None) -> tuple[tuple[str, bool], ...]:
    """(enum name, descending) pairs, first occurrence of each field kept; default if none."""
    if not given:
        return table.default_order
    seen: dict[str, bool] = {}
    for item in given:
        name = item.field.name
        if name not in table.orders:
            raise Invalid({"orderBy": f"Cannot order by {name}"})
        seen.setdefault(name, item.direction is OrderDirection.DESC)
    return tuple(seen.items())


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
