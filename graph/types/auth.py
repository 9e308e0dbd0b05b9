"""Accounts and sessions: the Session type, AuthPayload and the auth mutations (API.md).

Resolvers are thin: graph/auth/service.py does the work, this module maps it onto the contract
and sets or clears the `session_token` cookie on the HTTP response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from graph.auth.cookies import clear_session_cookie, set_session_cookie
from graph.auth.service import Auth, Issued, client_of
from graph.auth.viewer import Viewer
from graph.context import Context, Info
from graph.sql.cursor import global_id, pk_of
from graph.types.node import Node, register_node
from graph.types.owned import Owned
from graph.types.user import User
from models.errors import NotFound

SESSION_COLUMNS = "id, expires_at, ip_address, user_agent, user_id, created_at, updated_at"


def _auth(info: Info) -> Auth:
    auth: Auth = info.context.services.extra["auth"]
    return auth


@strawberry.type(description="A signed-in device or browser. Visible to its user and to admins.")
class Session(Node, Owned):
    pk: strawberry.Private[str]
    expires_at: datetime = strawberry.field(description="When it ends unless used (use extends it).")
    ip_address: str | None = strawberry.field(description="The client address it was created from.")
    user_agent: str | None = strawberry.field(description="The client's User-Agent at sign-in.")
    created_at: datetime
    updated_at: datetime = strawberry.field(description="Last time the session was extended.")

    @strawberry.field(description="True for the session this request is made with.")
    def current(self, info: Info) -> bool:
        viewer = info.context.viewer
        return viewer is not None and viewer.session_id == self.pk

    @classmethod
    def from_row(cls, row: Any) -> Session:
        return cls(
            id=strawberry.ID(global_id("Session", row["id"])),
            pk=row["id"],
            user_id=row["user_id"],
            expires_at=row["expires_at"],
            ip_address=row["ip_address"],
            user_agent=row["user_agent"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


register_node("Session", Session.from_row)


def _sessions_by_user_id(context: Context) -> DataLoader[str, list[Session]]:
    """Live sessions per user id, newest first: one statement for every user in the request."""

    async def load(user_ids: list[str]) -> list[list[Session]]:
        rows = await context.db.fetch(
            f'SELECT {SESSION_COLUMNS} FROM "session" WHERE user_id = ANY($1::text[]) '
            "AND expires_at > now() ORDER BY created_at DESC, id DESC",
            user_ids,
        )
        found: dict[str, list[Session]] = {u: [] for u in user_ids}
        for row in rows:
            found[row["user_id"]].append(Session.from_row(row))
        return [found[u] for u in user_ids]

    return context.loader("sessions_by_user_id", lambda: DataLoader(load_fn=load))


async def resolve_user_sessions(info: Info, user_id: str) -> list[Session]:
    """The live sessions of `user_id`, newest first. Only the user themself and admins see them;
    for anyone else the list is empty (what a caller may not see does not exist)."""
    viewer = info.context.viewer
    if viewer is None or not (viewer.is_admin or viewer.user_id == user_id):
        return []
    return await _sessions_by_user_id(info.context).load(user_id)


@strawberry.type(description="A new session. `token` is shown once: send it as `Authorization: Bearer`.")
class AuthPayload:
    token: str = strawberry.field(description="The session token; also set as the session_token cookie.")
    user: User
    session: Session

    @classmethod
    def issued(cls, info: Info, issued: Issued) -> AuthPayload:
        set_session_cookie(info.context.response, issued.token, info.context.settings)
        # The rest of this operation sees the caller as signed in (their email, `current`).
        info.context.viewer = Viewer(
            user_id=issued.user["id"],
            role=issued.user["role"],
            session_id=issued.session["id"],
            session_expires_at=issued.session["expires_at"],
            session_updated_at=issued.session["updated_at"],
        )
        return cls(
            token=issued.token, user=User.from_row(issued.user), session=Session.from_row(issued.session)
        )


@strawberry.input(description="A new account. email: RFC-valid; password: 8 to 128; name: 1 to 100.")
class SignUpInput:
    email: str
    password: str
    name: str


@strawberry.input
class SignInInput:
    email: str
    password: str


@strawberry.input(description="Only the fields given change; image null clears it.")
class UpdateProfileInput:
    name: str | None = strawberry.UNSET
    image: str | None = strawberry.UNSET


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create an account and sign in. CONFLICT when the email is taken, BAD_USER_INPUT "
        "(extensions.fields) for invalid input. Mails an email verification link."
    )
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
        client = client_of(info.context.request, info.context.settings)
        issued = await _auth(info).sign_up(input.email, input.password, input.name, client)
        return AuthPayload.issued(info, issued)

    @strawberry.mutation(
        description="Sign in with email and password. UNAUTHENTICATED when wrong; RATE_LIMITED "
        "(extensions.retryAfter) after too many failures for the account or the client address."
    )
    async def sign_in(self, info: Info, input: SignInInput) -> AuthPayload:
        client = client_of(info.context.request, info.context.settings)
        issued = await _auth(info).sign_in(input.email, input.password, client)
        return AuthPayload.issued(info, issued)

    @strawberry.mutation(description="End the current session and clear its cookie.")
    async def sign_out(self, info: Info) -> bool:
        await _auth(info).sign_out(info.context.require_viewer())
        clear_session_cookie(info.context.response, info.context.settings)
        return True

    @strawberry.mutation(description="End one of your sessions. NOT_FOUND if it is not yours.")
    async def revoke_session(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require_viewer()
        pk = pk_of(id, "Session")
        if pk is None:  # a well-formed id of another type names no session of yours
            raise NotFound("No such session")
        await _auth(info).revoke_session(viewer, pk)
        if pk == viewer.session_id:
            clear_session_cookie(info.context.response, info.context.settings)
        return True

    @strawberry.mutation(description="End every session of yours except this one; returns how many ended.")
    async def revoke_other_sessions(self, info: Info) -> int:
        return await _auth(info).revoke_other_sessions(info.context.require_viewer())

    @strawberry.mutation(description="Mail a verification link (valid one hour) to your email address.")
    async def request_email_verification(self, info: Info) -> bool:
        await _auth(info).request_email_verification(info.context.require_viewer())
        return True

    @strawberry.mutation(description="Confirm an email address with the mailed token (single use).")
    async def verify_email(self, info: Info, token: str) -> User:
        return User.from_row(await _auth(info).verify_email(token))

    @strawberry.mutation(
        description="Mail a password reset link (valid one hour) if the email has an account. Always "
        "true, so it does not reveal which emails exist; RATE_LIMITED after 5 per email per hour."
    )
    async def request_password_reset(self, info: Info, email: str) -> bool:
        await _auth(info).request_password_reset(email)
        return True

    @strawberry.mutation(description="Set a new password with a mailed reset token; ends every session.")
    async def reset_password(self, info: Info, token: str, new_password: str) -> bool:
        await _auth(info).reset_password(token, new_password)
        return True

    @strawberry.mutation(
        description="Change your password; ends your other sessions. UNAUTHENTICATED when the current "
        "password is wrong."
    )
    async def change_password(self, info: Info, current_password: str, new_password: str) -> bool:
        viewer = info.context.require_viewer()
        client = client_of(info.context.request, info.context.settings)
        await _auth(info).change_password(viewer, current_password, new_password, client)
        return True

    @strawberry.mutation(description="Change your name and/or image.")
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        viewer = info.context.require_viewer()
        name = input.name if isinstance(input.name, str) else None
        set_image = input.image is not strawberry.UNSET
        image = input.image if isinstance(input.image, str) else None
        row = await _auth(info).update_profile(viewer, name=name, image=image, set_image=set_image)
        return User.from_row(row)
