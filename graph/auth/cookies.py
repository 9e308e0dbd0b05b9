"""The `session_token` cookie: what signUp/signIn set, signOut clears, and a refresh renews.

HttpOnly (scripts never see it), SameSite=Lax (not sent on cross-site POSTs), Path=/, Secure
outside development, Max-Age = the session lifetime.
"""

from __future__ import annotations

from starlette.responses import Response

from graph.auth.tokens import COOKIE_NAME
from graph.settings import Settings


def set_session_cookie(response: Response | None, token: str, settings: Settings) -> None:
    if response is None:  # WebSocket operations have no HTTP response to carry a cookie
        return
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=not settings.development,
    )


def clear_session_cookie(response: Response | None, settings: Settings) -> None:
    if response is None:
        return
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=not settings.development
    )
