"""Deciding, per request, whether one SQL statement can answer, and running it.

The compiled path answers only when it is sure to give exactly what the resolver path would:
a valid read operation within the limits, every selected field described by declarations, an
authenticated caller whose session needs no refresh, and arguments that raise no error. Every
other case (and any case the statement itself flags by returning NULL, such as a non-admin
asking for `users`) goes to the resolver path, which is the reference behaviour.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from graph.auth.tokens import token_hash
from graph.compiled.selection import NotCompilable, operation_of, select
from graph.db import Database
from graph.limits import Limits, check
from graph.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


def _name(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


class CompiledReads:
    """One per app. `answer()` returns the response body, or None for the resolver path."""

    def __init__(self, schema: GraphQLSchema, db: Database, settings: Settings, size: int = 1024) -> None:
        self.schema = schema
        self.db = db
        self.limits = Limits.of(settings)
        self.ttl = float(settings.session_ttl_seconds)
        self.refresh = float(settings.session_refresh_seconds)
        self.documents: _LRU = _LRU(size)
        self.statements: _LRU = _LRU(size * 4)

    def prepare(self, query: str, operation_name: str | None) -> Prepared | None:
        """Parsed and validated once per (document, operation name); None if not a valid query."""
        key = (query, operation_name)
        if key in self.documents:
            found: Prepared | None = self.documents[key]
            return found
        prepared: Prepared | None = None
        try:
            document = parse(query, max_tokens=self.limits.tokens)
            errors: list[GraphQLError] = validate(self.schema, document)
            if not errors:
                operation = operation_of(document, operation_name)
                if operation.operation.value == "query":
                    prepared = Prepared(document, operation)
        except (GraphQLError, NotCompilable):
            prepared = None
        self.documents.put(key, prepared)
        return prepared

    def statement(self, prepared: Prepared, variables: dict[str, Any]) -> tuple[str, list[Any]] | None:
        """SQL and parameters (the token hash goes first), or None when it cannot be compiled."""
        from graph.compiled.sqlgen import build_statement

        coerced = get_variable_values(self.schema, prepared.operation.variable_definitions or (), variables)
        if isinstance(coerced, list):  # variable errors: the resolver path reports them
            return None
        values: dict[str, Any] = coerced.coerced
        # The same limits the resolver path applies (depth, aliases, cost with these variables).
        if check(self.schema, prepared.document, _name(prepared.operation), values, self.limits) is not None:
            return None
        try:
            roots, collector = select(self.schema, prepared.document, prepared.operation, values)
            return build_statement(roots, collector, self.ttl, self.refresh)
        except NotCompilable as exc:
            log.debug("not compiled: %s", exc)
            return None
        except GraphQLError:
            return None

    async def answer(self, body: dict[str, Any], token: str | None) -> tuple[str, bool] | None:
        """(response JSON text, session refreshed) or None to take the resolver path."""
        if not token or len(token) > 512:
            return None
        query = body.get("query")
        variables = body.get("variables") or {}
        operation_name = body.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict):
            return None
        if operation_name is not None and not isinstance(operation_name, str):
            return None
        prepared = self.prepare(query, operation_name)
        if prepared is None:
            return None
        # Planned once per document, operation and variables; only the token changes per request.
        try:
            key = (query, operation_name, orjson.dumps(variables, option=orjson.OPT_SORT_KEYS))
        except TypeError:
            return None
        if key in self.statements:
            built = self.statements[key]
        else:
            built = self.statement(prepared, variables)
            self.statements.put(key, built)
        if built is None:
            return None
        sql, template = built
        params = [token_hash(token), *template[1:]]
        row = await self.db.fetchrow(sql, *params)
        if row is None or row[0] is None:
            return None
        return row[0], bool(row[1])
