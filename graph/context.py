"""Per-request context: the caller, the request, app-level services, and per-request loaders."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from graph.auth.viewer import Viewer
from graph.db import Database
from graph.settings import Settings
from models.errors import Unauthenticated

T = TypeVar("T")


@dataclass
class Services:
    """App-level singletons, built once in the lifespan and shared by every request."""

    settings: Settings
    db: Database
    # Filled by the areas that own them (storage, mail, pub/sub, rate limits, ...).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    services: Services
    request: Request | WebSocket
    response: Response | None
    viewer: Viewer | None
    # True when the token came from the session cookie (not a bearer header).
    cookie_auth: bool = False
    # Per-request caches (DataLoaders): new for every request, so no cache is shared across users.
    _loaders: dict[Hashable, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def db(self) -> Database:
        return self.services.db

    def loader(self, key: Hashable, factory: Callable[[], T]) -> T:
        """The request's loader for `key`, created by `factory` on first use."""
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = factory()
        return found  # type: ignore[no-any-return]

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            raise Unauthenticated()
        return self.viewer


Info = strawberry.Info[Context, None]
