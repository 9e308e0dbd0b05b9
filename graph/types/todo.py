"""Todos: the declaration, the Todo type, its list/filter/order/aggregate inputs, and mutations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import live, loaders, relay
from graph.context import Info
from graph.filters import OrderDirection, filter_values
from graph.sql import build
from graph.sql.cursor import global_id, pk_of
from graph.sql.declare import (
    BELONGS_TO_USER,
    CREATED_RANGE,
    OWNED,
    OWNER_FILTER,
    RELEVANCE,
    TIMESTAMP_ORDERS,
    Filter,
    Kind,
    Op,
    Order,
    Table,
    declare,
    declare_list,
)
from graph.types.node import Node, register_node
from graph.types.owned import Owned
from models.errors import Invalid, NotFound
from models.ids import new_id

if TYPE_CHECKING:
    from graph.types.user import User

TODOS = declare(
    Table(
        type_name="Todo",
        table='"todos"',
        alias="t",
        columns=("id", "title", "completed", "created_at", "updated_at", "user_id"),
        visibility=OWNED,
        filters={
            "completed": Filter(Op.EQ, "{t}.completed"),
            "title_contains": Filter(Op.ICONTAINS, "{t}.title"),
            "search": Filter(Op.SEARCH),
            **CREATED_RANGE,
            **OWNER_FILTER,
        },
        orders={**TIMESTAMP_ORDERS, "TITLE": Order("{t}.title", Kind.TEXT), "RELEVANCE": RELEVANCE},
        search_column="{t}.search",
        relations={"user": BELONGS_TO_USER},
    )
)

TODO_STATS = {
    "count": "count(*)",
    "completed": "count(*) FILTER (WHERE {t}.completed)",
    "first_created_at": "min({t}.created_at)",
    "last_created_at": "max({t}.created_at)",
}
TITLE_MAX = 255
MAX_BATCH = 100


@strawberry.type(description="Something to do.")
class Todo(Node, Owned):
    title: str
    completed: bool
    created_at: datetime
    updated_at: datetime
    pk: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> Todo:
        return cls(
            id=strawberry.ID(global_id("Todo", row["id"])),
            pk=row["id"],
            title=row["title"],
            completed=row["completed"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            user_id=row["user_id"],
        )


register_node("Todo", Todo.from_row)


@strawberry.input(description="Todo filters; all given ones must match.")
class TodoFilter:
    completed: bool | None = None
    title_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring; %, _ and \\ match literally."
    )
    search: str | None = strawberry.field(
        default=None, description="Full-text search (English stemming, web-search syntax)."
    )
    created_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    created_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Owner (admins; others only ever see their own todos)."
    )


@strawberry.enum
class TodoOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    TITLE = "TITLE"
    RELEVANCE = strawberry.enum_value("RELEVANCE", description="Search rank; needs filter.search.")


@strawberry.input(description="A sort key; ties are always broken by id.")
class TodoOrder:
    field: TodoOrderField
    direction: OrderDirection = OrderDirection.DESC


@strawberry.type
class TodoStats:
    count: int
    completed: int
    pending: int
    first_created_at: datetime | None
    last_created_at: datetime | None

    @classmethod
    def from_records(cls, records: list[Any]) -> TodoStats:
        if not records:
            return cls(count=0, completed=0, pending=0, first_created_at=None, last_created_at=None)
        r = records[0]
        return cls(
            count=r["count"],
            completed=r["completed"],
            pending=r["count"] - r["completed"],
            first_created_at=r["first_created_at"],
            last_created_at=r["last_created_at"],
        )


@strawberry.enum
class TodoGroupBy(Enum):
    COMPLETED = "COMPLETED"
    DAY = strawberry.enum_value("DAY", description="Calendar day of createdAt in UTC.")
    USER = "USER"


GROUP_KEYS = {
    TodoGroupBy.COMPLETED: ("completed", "{t}.completed"),
    TodoGroupBy.DAY: ("day", "date_trunc('day', {t}.created_at, 'UTC')"),
    TodoGroupBy.USER: ("user_id", "{t}.user_id"),
}


@strawberry.type(description="One group of todos; keys not grouped by are null.")
class TodoGroup:
    completed: bool | None
    day: datetime | None
    count: int
    user_id: strawberry.Private[str | None]

    @strawberry.field
    async def user(self, info: Info) -> Annotated[User, strawberry.lazy("graph.types.user")] | None:
        from graph.types.user import load_user

        return None if self.user_id is None else await load_user(info, self.user_id)


TodoConnection = relay.Connection[Todo]


todo_page = relay.pager(TODOS)


declare_list([("Query", "todos"), ("User", "todos")], TODOS, todo_page)


@strawberry.type
class Query:
    @strawberry.field(description="Your todos (admins: everyone's; narrow with filter.userId).")
    async def todos(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: TodoFilter | None = None,
        order_by: list[TodoOrder] | None = None,
    ) -> TodoConnection:
        info.context.require_viewer()
        page = todo_page(first, after, last, before, filter, order_by)
        return await relay.connection(info.context, TODOS, page, Todo.from_row)

    @strawberry.field(description="Counts over your (filtered) todos, computed in SQL.")
    async def todo_stats(self, info: Info, filter: TodoFilter | None = None) -> TodoStats:
        info.context.require_viewer()
        rows = await relay.aggregate(info.context, TODOS, filter_values(TODOS, filter), TODO_STATS)
        return TodoStats.from_records(rows)

    @strawberry.field(description="Todo counts grouped by the given keys, computed in SQL.")
    async def todo_groups(
        self, info: Info, by: list[TodoGroupBy], filter: TodoFilter | None = None
    ) -> list[TodoGroup]:
        info.context.require_viewer()
        keys = [GROUP_KEYS[b] for b in dict.fromkeys(by)]
        rows = await relay.aggregate(
            info.context, TODOS, filter_values(TODOS, filter), {"count": "count(*)"}, keys
        )
        return [
            TodoGroup(
                completed=r.get("completed"), day=r.get("day"), user_id=r.get("user_id"), count=r["count"]
            )
            for r in map(dict, rows)
        ]


# --- writes: the caller's own todos only (admins read everything but write only their own) ---

RETURNING = ", ".join(TODOS.columns)


def clean_title(title: str, field: str = "title") -> str:
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= TITLE_MAX:
        raise Invalid({field: f"Must be 1 to {TITLE_MAX} characters"})
    return cleaned


def own_todos(params: build.Params, user_id: str) -> str:
    # Writes reuse the one visibility predicate with the admin flag off: nobody writes others' todos.
    return build.visible(TODOS, TODOS.alias, build.Scope(viewer=params.add(user_id, "text"), admin="FALSE"))


async def _notify(con: Any, kind: str, rows: list[Any]) -> None:
    for row in rows:
        await live.notify_todo(con, kind, row["user_id"], row["id"], None if kind == "DELETED" else dict(row))


def _todo_pks(ids: list[strawberry.ID], field: str) -> list[str]:
    pks = []
    for i, value in enumerate(ids):
        pk = pk_of(value, "Todo", field if len(ids) == 1 and field == "id" else f"{field}.{i}")
        if pk is None:
            raise NotFound()
        pks.append(pk)
    return pks


@strawberry.input
class CreateTodoInput:
    title: str = strawberry.field(description="1 to 255 characters after trimming.")


@strawberry.input(description="Only the given fields change.")
class UpdateTodoInput:
    title: str | None = None
    completed: bool | None = None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a todo for yourself.")
    async def create_todo(self, info: Info, input: CreateTodoInput) -> Todo:
        return (await _create(info, [clean_title(input.title)]))[0]

    @strawberry.mutation(description="Add several todos: all or nothing, returned in input order.")
    async def create_todos(self, info: Info, input: list[CreateTodoInput]) -> list[Todo]:
        if len(input) > MAX_BATCH:
            raise Invalid({"input": f"At most {MAX_BATCH} todos at once"})
        errors: dict[str, str] = {}
        titles = []
        for i, item in enumerate(input):
            try:
                titles.append(clean_title(item.title, f"input.{i}.title"))
            except Invalid as exc:
                errors.update(exc.fields)
        if errors:
            raise Invalid(errors)
        return await _create(info, titles)

    @strawberry.mutation(description="Change your todo's title and/or completion.")
    async def update_todo(self, info: Info, id: strawberry.ID, input: UpdateTodoInput) -> Todo:
        viewer = info.context.require_viewer()
        title = None if input.title is None else clean_title(input.title, "input.title")
        pk = _todo_pks([id], "id")[0]
        params = build.Params()
        sql = (
            f"UPDATE todos t SET title = COALESCE({params.add(title, 'text')}, t.title), "
            f"completed = COALESCE({params.add(input.completed, 'boolean')}, t.completed), "
            f"updated_at = now() WHERE t.id = {params.add(pk, 'text')} "
            f"AND {own_todos(params, viewer.user_id)} RETURNING {RETURNING}"
        )
        async with info.context.db.transaction() as con:
            row = await con.fetchrow(sql, *params.values)
            if row is None:
                raise NotFound()
            await _notify(con, "UPDATED", [row])
        return Todo.from_row(row)

    @strawberry.mutation(description="Delete your todo; returns its id.")
    async def delete_todo(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        viewer = info.context.require_viewer()
        pk = _todo_pks([id], "id")[0]
        params = build.Params()
        sql = (
            f"DELETE FROM todos t WHERE t.id = {params.add(pk, 'text')} "
            f"AND {own_todos(params, viewer.user_id)} RETURNING t.id, t.user_id"
        )
        async with info.context.db.transaction() as con:
            row = await con.fetchrow(sql, *params.values)
            if row is None:
                raise NotFound()
            await _notify(con, "DELETED", [row])
        return strawberry.ID(global_id("Todo", row["id"]))

    @strawberry.mutation(description="Mark your todos (not) completed: all or nothing, in input order.")
    async def set_todos_completed(self, info: Info, ids: list[strawberry.ID], completed: bool) -> list[Todo]:
        viewer = info.context.require_viewer()
        if len(ids) > MAX_BATCH:
            raise Invalid({"ids": f"At most {MAX_BATCH} ids at once"})
        pks = _todo_pks(ids, "ids")
        params = build.Params()
        sql = (
            f"UPDATE todos t SET completed = {params.add(completed, 'boolean')}, updated_at = now() "
            f"WHERE t.id = ANY({params.add(pks, 'text[]')}) AND {own_todos(params, viewer.user_id)} "
            f"RETURNING {RETURNING}"
        )
        async with info.context.db.transaction() as con:
            rows = await con.fetch(sql, *params.values)
            if len(rows) != len(set(pks)):
                raise NotFound()  # leaves the transaction: nothing changes
            await _notify(con, "UPDATED", rows)
        by_pk = {r["id"]: Todo.from_row(r) for r in rows}
        return [by_pk[pk] for pk in pks]

    @strawberry.mutation(description="Delete all your completed todos; returns how many.")
    async def delete_completed_todos(self, info: Info) -> int:
        viewer = info.context.require_viewer()
        params = build.Params()
        owned = own_todos(params, viewer.user_id)
        sql = f"DELETE FROM todos t WHERE t.completed AND {owned} RETURNING t.id, t.user_id"
        async with info.context.db.transaction() as con:
            rows = await con.fetch(sql, *params.values)
            await _notify(con, "DELETED", rows)
        return len(rows)


async def _create(info: Info, titles: list[str]) -> list[Todo]:
    viewer = info.context.require_viewer()
    ids = [new_id() for _ in titles]
    sql = (
        "INSERT INTO todos (id, title, user_id, completed, created_at, updated_at) "
        "SELECT i, t, $3, FALSE, now(), now() FROM unnest($1::text[], $2::text[]) AS x(i, t) "
        f"RETURNING {RETURNING}"
    )
    async with info.context.db.transaction() as con:
        rows = await con.fetch(sql, ids, titles, viewer.user_id)
        by_pk = {r["id"]: r for r in rows}
        ordered = [by_pk[i] for i in ids]
        await _notify(con, "CREATED", ordered)
    return [Todo.from_row(r) for r in ordered]


def user_todos(info: Info, user_pk: str, page: build.Page) -> Any:
    """User.todos: the batched per-parent page (see graph/loaders.py)."""
    return loaders.child_connection(info.context, TODOS, "user_id", user_pk, page, Todo.from_row)
