"""Mixins every table shares: a cuid2 primary key and timestamps with database defaults."""

from __future__ import annotations

from tortoise import fields
from tortoise.fields.db_defaults import Now

from models.ids import new_id


class IdMixin:
    # Text ids made by the application; the seed and bulk loads bring their own.
    id = fields.CharField(primary_key=True, max_length=32, default=new_id)


class TimestampMixin:
    # Defaults live in the database too, so rows written by plain SQL (COPY, seed.sql) are valid.
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())
