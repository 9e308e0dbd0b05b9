"""A GraphQL operation as a plain tree of selected fields with coerced argument values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    value_from_ast,
)


class NotCompilable(Exception):
    """The operation uses something the compiler does not cover; the resolver path answers."""


@dataclass
class Selected:
    """One response key: the field, its coerced arguments, and what is selected under it."""

    key: str
    name: str
    args: dict[str, Any]
    definition: GraphQLField | None  # None for __typename
    parent_type: GraphQLObjectType
    children: list[Selected] = field(default_factory=list)

    def child(self, name: str) -> list[Selected]:
        return [c for c in self.children if c.name == name]


def _include(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: dict[str, Any]) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            raise NotCompilable(f"directive @{name}")
        arg = next((a for a in directive.arguments or () if a.name.value == "if"), None)
        if arg is None:
            raise NotCompilable("directive without if")
        from graphql import GraphQLBoolean, GraphQLNonNull

        value = value_from_ast(arg.value, GraphQLNonNull(GraphQLBoolean), variables)
        if (name == "skip" and value) or (name == "include" and not value):
            return False
    return True


class _Collector:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def _applies(self, type_condition: str | None, runtime: GraphQLObjectType) -> bool:
        if type_condition is None or type_condition == runtime.name:
            return True
        conditional = self.schema.get_type(type_condition)
        if isinstance(conditional, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(conditional, runtime)
        return False

    def _fields(
        self, selection_set: SelectionSetNode, runtime: GraphQLObjectType, out: dict[str, list[FieldNode]]
    ) -> None:
        for sel in selection_set.selections:
            if not _include(sel, self.variables):  # type: ignore[arg-type]
                continue
            if isinstance(sel, FieldNode):
                key = sel.alias.value if sel.alias else sel.name.value
                out.setdefault(key, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                if self._applies(cond, runtime):
                    self._fields(sel.selection_set, runtime, out)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None and self._applies(frag.type_condition.name.value, runtime):
                    self._fields(frag.selection_set, runtime, out)

    def collect(self, selection_sets: list[SelectionSetNode], runtime: GraphQLObjectType) -> list[Selected]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._fields(selection_set, runtime, grouped)
        result = []
        for key, nodes in grouped.items():
            first = nodes[0]
            name = first.name.value
            if name == "__typename":
                result.append(Selected(key, name, {}, None, runtime))
                continue
            if name.startswith("__"):
                raise NotCompilable("introspection")
            definition = runtime.fields[name]
            args: dict[str, Any] = {}
            for arg_name, arg_def in definition.args.items():
                node = next((a for a in first.arguments or () if a.name.value == arg_name), None)
                if node is None:
                    if arg_def.default_value is not None:
                        args[arg_name] = arg_def.default_value
                    continue
                if isinstance(node.value, VariableNode) and node.value.name.value not in self.variables:
                    # An unset variable omits the argument (its default applies), as in execution.
                    if arg_def.default_value is not Undefined and arg_def.default_value is not None:
                        args[arg_name] = arg_def.default_value
                    continue
                value = value_from_ast(node.value, arg_def.type, self.variables)
                if value is Undefined:
                    raise NotCompilable("argument value")
                args[arg_name] = value
            selected = Selected(key, name, args, definition, runtime)
            sub_sets = [n.selection_set for n in nodes if n.selection_set is not None]
            if sub_sets:
                named = get_named_type(definition.type)
                if not isinstance(named, GraphQLObjectType):
                    # Abstract types (Node) are compiled per possible type by the generator.
                    selected.children = []
                    selected.abstract_sets = sub_sets  # type: ignore[attr-defined]
                else:
                    selected.children = self.collect(sub_sets, named)
            result.append(selected)
        return result

    def for_type(self, selected: Selected, runtime: GraphQLObjectType) -> list[Selected]:
        """Children of an abstract-typed field, as they apply to one concrete type."""
        return self.collect(getattr(selected, "abstract_sets", []), runtime)


def operation_of(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            raise NotCompilable("ambiguous operation")
        return operations[0]
    for op in operations:
        if op.name is not None and op.name.value == operation_name:
            return op
    raise NotCompilable("unknown operation")


def select(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
) -> tuple[list[Selected], _Collector]:
    """The root fields of a query operation (coerced `variables` already applied)."""
    if operation.operation.value != "query":
        raise NotCompilable("not a query")
    root = schema.query_type
    assert root is not None
    collector = _Collector(schema, document, variables)
    return collector.collect([operation.selection_set], root), collector
