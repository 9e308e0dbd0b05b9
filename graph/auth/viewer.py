"""The authenticated caller, resolved once per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: str
    role: str
    session_id: str
    session_expires_at: datetime
    session_updated_at: datetime
    # True when this request extended the session (sliding expiry): a cookie client gets a fresh cookie.
    refreshed: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
