"""Todos. Full-text search (generated tsvector `search` + GIN index) is added by a SQL migration."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.auth import User
from models.base import IdMixin, TimestampMixin


class Todo(IdMixin, TimestampMixin, Model):
    title = fields.CharField(max_length=255)
    completed = fields.BooleanField(default=False, db_default=False)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="todos", on_delete=fields.CASCADE, db_index=True
    )

    class Meta:
        table = "todos"
        # Serves keyset paging of one user's todos by (created_at, id) in either direction.
        indexes = (("user_id", "created_at", "id"),)
