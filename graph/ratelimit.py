"""Fixed-window abuse counters in PostgreSQL (`rate_limit` table), shared by every process.

A hit is one atomic upsert per call (INSERT ... ON CONFLICT DO UPDATE ... RETURNING): the window
starts at the first hit and lasts `window_seconds`; a hit after it ends starts a new window at 1.
Callers count the attempt BEFORE doing the work and refuse when a counter passes its limit, so
parallel requests cannot slip past the limit; an attempt that turns out fine is refunded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.db import Database
from models.errors import RateLimited

HIT_SQL = """
INSERT INTO rate_limit (key, count, reset_at)
SELECT k, 1, now() + make_interval(secs => $2) FROM unnest($1::text[]) AS k
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN rate_limit.reset_at <= now() THEN 1 ELSE rate_limit.count + 1 END,
  reset_at = CASE WHEN rate_limit.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit.reset_at END
RETURNING key, count, greatest(1, ceil(extract(epoch FROM reset_at - now())))::int AS retry_after
"""

REFUND_SQL = """
UPDATE rate_limit SET count = count - 1 WHERE key = ANY($1::text[]) AND reset_at > now() AND count > 0
"""


@dataclass(frozen=True, slots=True)
class Window:
    count: int
    retry_after: int


class RateLimiter:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def hit(self, keys: list[str], window_seconds: int) -> dict[str, Window]:
        """Count one attempt against each key (distinct keys), in one statement."""
        rows = await self._db.fetch(HIT_SQL, keys, float(window_seconds))
        return {r["key"]: Window(r["count"], r["retry_after"]) for r in rows}

    async def enforce(self, limits: Mapping[str, int], window_seconds: int) -> None:
        """Count one attempt per key; raise RateLimited if any key is now past its limit."""
        windows = await self.hit(list(limits), window_seconds)
        over = [w.retry_after for key, w in windows.items() if w.count > limits[key]]
        if over:
            raise RateLimited(retry_after=max(over))

    async def refund(self, keys: list[str], con: Any = None) -> None:
        """Take back one attempt per key (it succeeded); `con` runs it inside a transaction."""
        await (con or self._db).execute(REFUND_SQL, keys)
