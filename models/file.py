"""File metadata; the bytes live in object storage under `path`."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.auth import User
from models.base import IdMixin, TimestampMixin


class File(IdMixin, TimestampMixin, Model):
    name = fields.CharField(max_length=255)
    original_name = fields.CharField(max_length=255)
    mime_type = fields.CharField(max_length=255)
    size = fields.BigIntField()
    # Object key: <user id>/<file id>/<name>; never a client-chosen path.
    path = fields.CharField(max_length=1024)
    url = fields.TextField(null=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="files", on_delete=fields.CASCADE, db_index=True
    )

    class Meta:
        table = "files"
        indexes = (("user_id", "created_at", "id"),)


class PendingUpload(IdMixin, TimestampMixin, Model):
    """A direct-to-bucket upload announced by createUploadUrl and not completed yet."""

    name = fields.CharField(max_length=255)
    mime_type = fields.CharField(max_length=255)
    size = fields.BigIntField()
    path = fields.CharField(max_length=1024)
    expires_at = fields.DatetimeField(db_index=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="pending_uploads", on_delete=fields.CASCADE, db_index=True
    )

    class Meta:
        table = "pending_upload"
