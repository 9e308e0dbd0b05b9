"""The User type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from graph.context import Info
from graph.types.scalars import Role

USER_COLUMNS = "id, name, email, email_verified, image, role, created_at, updated_at"


@strawberry.type(description="A person with an account.")
class User:
    id: strawberry.ID
    name: str
    email_value: strawberry.Private[str]
    email_verified: bool
    image: str | None
    role: Role
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Visible to the user themself and to admins only.")
    def email(self, info: Info) -> str:
        viewer = info.context.viewer
        if viewer is not None and (viewer.is_admin or viewer.user_id == self.id):
            return self.email_value
        return ""

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            email_value=row["email"],
            email_verified=row["email_verified"],
            image=row["image"],
            role=Role(row["role"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when anonymous.")
    async def viewer(self, info: Info) -> User | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        row = await info.context.db.fetchrow(
            f'SELECT {USER_COLUMNS} FROM "user" WHERE id = $1', viewer.user_id
        )
        return None if row is None else User.from_row(row)
