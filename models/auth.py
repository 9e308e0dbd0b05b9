"""Better Auth's core tables (user, session, account, verification) plus the abuse counters."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Model):
    name = fields.CharField(max_length=255)
    # Stored lower-cased by the application: emails match case-insensitively everywhere.
    email = fields.CharField(max_length=320, unique=True)
    email_verified = fields.BooleanField(default=False, db_default=False)
    image = fields.TextField(null=True)
    role = fields.CharField(max_length=16, default="user", db_default="user")

    sessions: fields.ReverseRelation[Session]
    accounts: fields.ReverseRelation[Account]

    class Meta:
        table = "user"
        indexes = (("created_at", "id"),)


class Session(IdMixin, TimestampMixin, Model):
    # SHA-256 (hex) of the bearer token: a leaked dump signs nobody in.
    token = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    ip_address = fields.CharField(max_length=64, null=True)
    user_agent = fields.TextField(null=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE, db_index=True
    )

    class Meta:
        table = "session"


class Account(IdMixin, TimestampMixin, Model):
    account_id = fields.CharField(max_length=255)
    provider_id = fields.CharField(max_length=64)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="accounts", on_delete=fields.CASCADE, db_index=True
    )
    access_token = fields.TextField(null=True)
    refresh_token = fields.TextField(null=True)
    id_token = fields.TextField(null=True)
    access_token_expires_at = fields.DatetimeField(null=True)
    refresh_token_expires_at = fields.DatetimeField(null=True)
    scope = fields.TextField(null=True)
    # Argon2id hash (PHC string) for provider_id "credential".
    password = fields.TextField(null=True)

    class Meta:
        table = "account"
        unique_together = (("provider_id", "account_id"),)


class Verification(IdMixin, TimestampMixin, Model):
    # e.g. "email-verification:<user id>" or "password-reset:<user id>"
    identifier = fields.CharField(max_length=255, db_index=True)
    # SHA-256 (hex) of the token mailed to the user; single use.
    value = fields.CharField(max_length=255, unique=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "verification"


class RateLimit(Model):
    """A fixed-window counter shared by every server process (sign-in failures, reset requests)."""

    key = fields.CharField(primary_key=True, max_length=255)
    count = fields.IntField(default=0)
    reset_at = fields.DatetimeField()

    class Meta:
        table = "rate_limit"
