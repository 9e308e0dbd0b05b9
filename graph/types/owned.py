"""Rows that belong to a user (todos, files, sessions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.context import Info

if TYPE_CHECKING:
    from graph.types.user import User


@strawberry.type
class Owned:
    """Mixed into a type whose rows carry `user_id`: `user` resolves the owner through the
    request's batched user loader (one statement for every owner the query touches)."""

    user_id: strawberry.Private[str]

    @strawberry.field(description="The owner.")
    async def user(self, info: Info) -> Annotated[User, strawberry.lazy("graph.types.user")]:
        from graph.types.user import load_user

        return await load_user(info, self.user_id)
