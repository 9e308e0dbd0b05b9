"""Shared scalars and enums."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What a user may do: users see their own data, admins read everything.")
class Role(Enum):
    USER = "user"
    ADMIN = "admin"
