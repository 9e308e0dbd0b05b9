"""Object storage for file bytes: S3 through aioboto3, or local disk behind the same interface.

Knows nothing of GraphQL. The app builds one Storage in its lifespan and keeps it in
`services.extra["storage"]`; `storage_of(context)` returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from graph.context import Context


class Storage(Protocol):
    async def download_url(self, key: str, *, filename: str, mime_type: str) -> str:
        """A time-limited URL that downloads the object at `key`."""
        ...


def storage_of(context: Context) -> Storage:
    storage: Storage = context.services.extra["storage"]
    return storage
