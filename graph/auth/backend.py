"""Session-token backend: answers "who is this?" with one indexed statement per request.

Sessions slide: a session used when its `updated_at` is older than `session_refresh_seconds`
gets `expires_at = now() + session_ttl_seconds`. The refresh rides in the same statement as
the lookup (a data-modifying CTE that touches no row unless the session is stale), so a
request costs one statement whether or not it refreshes, and a session is written at most
once per refresh interval.
"""

from __future__ import annotations

from graph.auth.tokens import token_hash
from graph.auth.viewer import Viewer
from graph.db import Database
from graph.settings import Settings

# Expired sessions are anonymous; the unique index on session.token makes this an index probe.
# The lookup and the sliding refresh as CTEs `found` and `refreshed` (the compiled read path
# puts them in front of its own statement); params $1 token hash, $2 ttl, $3 refresh seconds.
VIEWER_CTES = """
WITH found AS (
  SELECT s.id, s.user_id, s.expires_at, s.updated_at, u.role
  FROM "session" s JOIN "user" u ON u.id = s.user_id
  WHERE s.token = $1 AND s.expires_at > now()
), refreshed AS (
  UPDATE "session" SET expires_at = now() + make_interval(secs => $2), updated_at = now()
  WHERE id = (SELECT id FROM found) AND updated_at <= now() - make_interval(secs => $3)
  RETURNING id, expires_at, updated_at
)
"""
VIEWER_SQL = (
    VIEWER_CTES
    + """SELECT f.id, f.user_id, f.role,
       coalesce(r.expires_at, f.expires_at) AS expires_at,
       coalesce(r.updated_at, f.updated_at) AS updated_at,
       r.id IS NOT NULL AS refreshed
FROM found f LEFT JOIN refreshed r ON r.id = f.id
"""
)

# A token is 43 url-safe characters; anything much longer is garbage not worth hashing.
MAX_TOKEN_LENGTH = 512


async def authenticate(db: Database, token: str | None, settings: Settings) -> Viewer | None:
    """The caller behind `token`, or None (missing, malformed, unknown, expired or revoked)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = await db.fetchrow(
        VIEWER_SQL,
        token_hash(token),
        float(settings.session_ttl_seconds),
        float(settings.session_refresh_seconds),
    )
    if row is None:
        return None
    return Viewer(
        user_id=row["user_id"],
        role=row["role"],
        session_id=row["id"],
        session_expires_at=row["expires_at"],
        session_updated_at=row["updated_at"],
        refreshed=row["refreshed"],
    )
