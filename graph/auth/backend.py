"""Session-token backend: answers "who is this?" with one indexed statement per request."""

from __future__ import annotations

from graph.auth.tokens import token_hash
from graph.auth.viewer import Viewer
from graph.db import Database

# The session row and its user's role in one statement; expired sessions are anonymous.
VIEWER_SQL = """
SELECT s.id, s.user_id, s.expires_at, s.updated_at, u.role
FROM "session" s JOIN "user" u ON u.id = s.user_id
WHERE s.token = $1 AND s.expires_at > now()
"""


async def authenticate(db: Database, token: str | None) -> Viewer | None:
    if not token or len(token) > 512:
        return None
    row = await db.fetchrow(VIEWER_SQL, token_hash(token))
    if row is None:
        return None
    return Viewer(
        user_id=row["user_id"],
        role=row["role"],
        session_id=row["id"],
        session_expires_at=row["expires_at"],
        session_updated_at=row["updated_at"],
    )
