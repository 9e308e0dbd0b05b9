"""Relay identity: the Node interface, global ids, and node(id)/nodes(ids) for every type.

Each area registers its types with `register_node(type name, from_row)`; the rows are read
through the type's declaration (graph/sql), so node() sees exactly what lists show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import strawberry

from graph import loaders
from graph.context import Info
from graph.sql.cursor import parse_global_id
from graph.sql.declare import REGISTRY
from models.errors import Invalid


@strawberry.interface(description="An object with a global id (opaque; resolve it with `node`).")
class Node:
    id: strawberry.ID


NODE_FACTORIES: dict[str, Callable[[Any], Any]] = {}


def register_node(type_name: str, from_row: Callable[[Any], Any]) -> None:
    NODE_FACTORIES[type_name] = from_row


def _factory(type_name: str) -> Callable[[Any], Any] | None:
    found = NODE_FACTORIES.get(type_name)
    if found is None and type_name == "Session":
        # The auth area owns the Session type; imported lazily to keep areas independent.
        try:
            from graph.types.auth import Session  # type: ignore[attr-defined]

            found = Session.from_row
        except (ImportError, AttributeError):
            return None
    return found


async def resolve_node(info: Info, value: str, field: str) -> Any:
    type_name, pk = parse_global_id(value, field)
    factory = _factory(type_name)
    if factory is None or type_name not in REGISTRY or info.context.viewer is None:
        return None
    table = REGISTRY[type_name]
    return await loaders.by_key(info.context, table, table.pk, factory).load(pk)


@strawberry.type
class Query:
    @strawberry.field(description="The object with this global id, or null if you may not see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        found: Node | None = await resolve_node(info, id, "id")
        return found

    @strawberry.field(description="Each id's object in order; null where missing or not yours.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            raise Invalid({"ids": "At most 100 ids"})
        return list(await asyncio.gather(*(resolve_node(info, v, f"ids.{i}") for i, v in enumerate(ids))))
