"""Query limits: depth, aliases, tokens and cost, refused with QUERY_TOO_COMPLEX before any resolver.

The limits come from the request's settings (`max_depth`, `max_aliases`, `max_tokens`,
`max_cost`), so one schema serves apps with different limits. Tokens are counted by
graphql-core's parser (it stops at the limit, so an oversized document is never fully parsed);
depth, aliases and cost are measured on the parsed document right after validation, so they only
ever look at fields that exist, and before execution starts.

Cost: every field costs the product of the page sizes of the list fields above it, where a page
size is the field's `first` or `last` argument (a literal or a variable), or `DEFAULT_PAGE_SIZE`
when a field that pages is given neither. `{ users(first: 50) { todos(first: 20) { id } } }`
costs 1 (users) + 50 (todos) + 50*20 (id) = 1051.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import SchemaExtension

from graph.errors import BAD_USER_INPUT, QUERY_TOO_COMPLEX
from graph.settings import Settings

DEFAULT_PAGE_SIZE = 20
PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class Limits:
    depth: int
    aliases: int
    tokens: int
    cost: int
    introspection: bool = True

    @classmethod
    def of(cls, settings: Settings | None) -> Limits:
        if settings is None:
            defaults = Settings.model_fields
            return cls(
                depth=defaults["max_depth"].default,
                aliases=defaults["max_aliases"].default,
                tokens=defaults["max_tokens"].default,
                cost=defaults["max_cost"].default,
            )
        return cls(
            settings.max_depth,
            settings.max_aliases,
            settings.max_tokens,
            settings.max_cost,
            settings.introspection_enabled,
        )


@dataclass
class Measure:
    """What one operation asks for: its deepest field, its aliases and its cost."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    introspection: bool = False


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None
    ) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measure = Measure()

    def page_size(self, node: FieldNode, field: GraphQLField | None) -> int:
        if field is None or not any(name in field.args for name in PAGE_ARGUMENTS):
            return 1
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(given, 0)
        return DEFAULT_PAGE_SIZE

    def field_def(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__schema":
            self.measure.introspection = True
            return SchemaMetaFieldDef
        if name == "__type":
            self.measure.introspection = True
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def walk(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        depth: int,
        multiplier: int,
        seen: frozenset[str],
    ) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    self.measure.aliases += 1
                self.measure.depth = max(self.measure.depth, depth)
                self.measure.cost += multiplier
                field = self.field_def(parent, selection.name.value)
                child = get_named_type(field.type) if field is not None else None
                self.walk(
                    selection.selection_set,
                    child,
                    depth + 1,
                    multiplier * self.page_size(selection, field),
                    seen,
                )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.walk(selection.selection_set, target, depth, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # validation reports both; never loop
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                self.walk(fragment.selection_set, target, depth, multiplier, seen | {name})


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> Measure:
    """Depth (top-level fields are depth 1), aliases and cost of one operation of a valid document."""
    walker = _Walker(schema, document, variables)
    root: GraphQLObjectType | None = schema.get_root_type(operation.operation)
    walker.walk(operation.selection_set, root, 1, 1, frozenset())
    return walker.measure


def too_complex(message: str, **details: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": QUERY_TOO_COMPLEX, **details})


def check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> GraphQLError | None:
    """The first limit the operation that would run is over, as a coded error, or None.

    Over depth, aliases or cost: QUERY_TOO_COMPLEX; introspection when disabled: BAD_USER_INPUT.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    for operation in chosen[:1]:
        found = measure(schema, document, operation, variables)
        if found.introspection and not limits.introspection:
            return GraphQLError(
                "Introspection is disabled on this server", extensions={"code": BAD_USER_INPUT}
            )
        if found.depth > limits.depth:
            return too_complex(f"Query is nested too deeply (limit {limits.depth})", limit=limits.depth)
        if found.aliases > limits.aliases:
            return too_complex(f"Query uses too many aliases (limit {limits.aliases})", limit=limits.aliases)
        if found.cost > limits.cost:
            return too_complex(
                f"Query is too expensive: cost {found.cost}, limit {limits.cost}; ask for smaller pages",
                limit=limits.cost,
                cost=found.cost,
            )
    return None


class QueryLimits(SchemaExtension):
    """Applies the request's limits; list it after ValidationCache so it sees validated documents."""

    def _limits(self) -> Limits:
        return Limits.of(getattr(self.execution_context.context, "settings", None))

    def on_operation(self) -> Iterator[None]:
        # graphql-core's parser counts tokens and aborts at the limit.
        self.execution_context.parse_options["max_tokens"] = self._limits().tokens
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if not ctx.pre_execution_errors and ctx.graphql_document is not None:
            error = check(
                ctx.schema._schema, ctx.graphql_document, ctx.operation_name, ctx.variables, self._limits()
            )
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield
