"""The only place the root types are put together."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from graph.errors import ErrorCodes
from graph.types import user

Query = merge_types("Query", (user.Query,))

schema = strawberry.Schema(
    query=Query,
    extensions=[
        ErrorCodes,
        # Parsing and validating a document costs more than most resolvers; repeat operations skip both.
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
    ],
    config=StrawberryConfig(auto_camel_case=True),
)
