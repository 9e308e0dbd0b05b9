"""The only place the root types are put together.

Each area module in `AREAS` may define `Query`, `Mutation` and `Subscription`; the roots are
their merge, so adding an area is one line here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from graph.errors import ErrorCodes
from graph.limits import QueryLimits
from graph.metrics import Metrics
from graph.types import auth, file, file_mutations, live, node, todo, user
from graph.types.scalars import SCALARS

AREAS: list[ModuleType] = [node, user, todo, file, file_mutations, auth, live]


def _root(name: str) -> Any:
    parts = tuple(getattr(area, name) for area in AREAS if hasattr(area, name))
    return merge_types(name, parts) if parts else None


Query = _root("Query")
Mutation = _root("Mutation")
Subscription = _root("Subscription")

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        # Metrics exits last, so it counts the codes ErrorCodes assigned.
        Metrics,
        ErrorCodes,
        # Parsing and validating cost more than most resolvers: repeated operations skip both.
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        # After ValidationCache: limits are measured on valid documents, before execution.
        QueryLimits,
    ],
    config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
)
