"""Users: the declaration, the User type (with its todos, files, sessions and stats), `viewer`, `users`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import loaders, relay
from graph.context import Info
from graph.filters import OrderDirection, filter_values, order_values
from graph.sql import build
from graph.sql.cursor import global_id
from graph.sql.declare import Filter, Kind, Op, Order, Table, declare, declare_list
from graph.types import file as files_area
from graph.types import todo as todos_area
from graph.types.node import Node, register_node
from graph.types.scalars import Role
from models.errors import PermissionDenied

if TYPE_CHECKING:
    from graph.types.auth import Session  # type: ignore[attr-defined]

USERS = declare(
    Table(
        type_name="User",
        table='"user"',
        alias="u",
        columns=("id", "name", "email", "email_verified", "image", "role", "created_at", "updated_at"),
        # A user sees themself; admins see everyone.
        visibility="{admin} OR {t}.id = {viewer}",
        filters={"search": Filter(Op.ICONTAINS_ANY, "{t}.name, {t}.email")},
        orders={
            "CREATED_AT": Order("{t}.created_at", Kind.TIMESTAMP),
            "NAME": Order("{t}.name", Kind.TEXT),
            "EMAIL": Order("{t}.email", Kind.TEXT),
        },
    )
)
# For areas that read a user row themselves (e.g. auth payloads): the declaration's columns.
USER_COLUMNS = ", ".join(USERS.columns)


@strawberry.type(description="A person with an account.")
class User(Node):
    name: str
    email_verified: bool
    image: str | None
    role: Role
    created_at: datetime
    updated_at: datetime
    pk: strawberry.Private[str]
    email_value: strawberry.Private[str]

    @strawberry.field(description='Visible to the user themself and to admins only (others get "").')
    def email(self, info: Info) -> str:
        viewer = info.context.viewer
        if viewer is not None and (viewer.is_admin or viewer.user_id == self.pk):
            return self.email_value
        return ""

    @strawberry.field(description="This user's todos (visible to themself and admins).")
    async def todos(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: todos_area.TodoFilter | None = None,
        order_by: list[todos_area.TodoOrder] | None = None,
    ) -> todos_area.TodoConnection:
        page = todos_area.todo_page(first, after, last, before, filter, order_by)
        return await todos_area.user_todos(info, self.pk, page)  # type: ignore[no-any-return]

    @strawberry.field(description="This user's files (visible to themself and admins).")
    async def files(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: files_area.FileFilter | None = None,
        order_by: list[files_area.FileOrder] | None = None,
    ) -> files_area.FileConnection:
        page = files_area.file_page(first, after, last, before, filter, order_by)
        return await files_area.user_files(info, self.pk, page)  # type: ignore[no-any-return]

    @strawberry.field(description="Counts over this user's (filtered) todos.")
    async def todo_stats(
        self, info: Info, filter: todos_area.TodoFilter | None = None
    ) -> todos_area.TodoStats:
        filters = filter_values(todos_area.TODOS, filter)
        loader = loaders.aggregates(info.context, todos_area.TODOS, "user_id", filters, todos_area.TODO_STATS)
        return todos_area.TodoStats.from_records(await loader.load(self.pk))

    @strawberry.field(description="Count and sizes of this user's (filtered) files.")
    async def file_stats(
        self, info: Info, filter: files_area.FileFilter | None = None
    ) -> files_area.FileStats:
        return await files_area.user_file_stats(info, self.pk, filter)

    @strawberry.field(description="This user's active sessions (the user themself and admins only).")
    async def sessions(self, info: Info) -> list[Annotated[Session, strawberry.lazy("graph.types.auth")]]:
        from graph.types.auth import resolve_user_sessions  # type: ignore[attr-defined]

        return await resolve_user_sessions(info, self.pk)  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            id=strawberry.ID(global_id("User", row["id"])),
            pk=row["id"],
            name=row["name"],
            email_value=row["email"],
            email_verified=row["email_verified"],
            image=row["image"],
            role=Role(row["role"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


register_node("User", User.from_row)


async def load_user(info: Info, user_pk: str) -> User:
    """The user by pk through the request's batched loader (todo.user, file.user, ...)."""
    user = await loaders.by_key(info.context, USERS, "id", User.from_row).load(user_pk)
    if user is None:  # the parent was visible, so its owner is too; a concurrent delete is the only way
        raise PermissionDenied()
    return user


@strawberry.enum
class UserOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    NAME = "NAME"
    EMAIL = "EMAIL"


@strawberry.input(description="A sort key; ties are always broken by id.")
class UserOrder:
    field: UserOrderField
    direction: OrderDirection = OrderDirection.DESC


UserConnection = relay.Connection[User]


def user_page(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    search: str | None = None,
    order_by: list[UserOrder] | None = None,
) -> build.Page:
    return relay.connection_args(
        USERS,
        first=first,
        after=after,
        last=last,
        before=before,
        filters={"search": search},
        order=order_values(USERS, order_by),
    )


declare_list([("Query", "users")], USERS, user_page, admin_only=True)


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when anonymous.")
    async def viewer(self, info: Info) -> User | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        return await loaders.by_key(info.context, USERS, "id", User.from_row).load(viewer.user_id)

    @strawberry.field(description="Every user (admins only); `search` matches name or email.")
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
        order_by: list[UserOrder] | None = None,
    ) -> UserConnection:
        if not info.context.require_viewer().is_admin:
            raise PermissionDenied("Only admins may list users")
        page = user_page(first, after, last, before, search, order_by)
        return await relay.connection(info.context, USERS, page, User.from_row)
