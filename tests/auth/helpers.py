"""Shared pieces of the auth tests: the operations, and signing up over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from graph.mail import MemoryMailer
from tests.graphql import gql

PASSWORD = "correct horse battery"

USER_FIELDS = "id name email emailVerified image role"
SESSION_FIELDS = "id expiresAt ipAddress userAgent createdAt updatedAt current user { id }"

SIGN_UP = f"""
mutation($input: SignUpInput!) {{
  signUp(input: $input) {{ token user {{ {USER_FIELDS} }} session {{ {SESSION_FIELDS} }} }}
}}"""
SIGN_IN = f"""
mutation($input: SignInInput!) {{
  signIn(input: $input) {{ token user {{ {USER_FIELDS} }} session {{ {SESSION_FIELDS} }} }}
}}"""
VIEWER = f"{{ viewer {{ {USER_FIELDS} }} }}"
VIEWER_SESSIONS = f"{{ viewer {{ id sessions {{ {SESSION_FIELDS} }} }} }}"
SIGN_OUT = "mutation { signOut }"
REVOKE_SESSION = "mutation($id: ID!) { revokeSession(id: $id) }"
REVOKE_OTHERS = "mutation { revokeOtherSessions }"
REQUEST_VERIFICATION = "mutation { requestEmailVerification }"
VERIFY_EMAIL = f"mutation($token: String!) {{ verifyEmail(token: $token) {{ {USER_FIELDS} }} }}"
REQUEST_RESET = "mutation($email: String!) { requestPasswordReset(email: $email) }"
RESET_PASSWORD = "mutation($token: String!, $pw: String!) { resetPassword(token: $token, newPassword: $pw) }"
CHANGE_PASSWORD = (
    "mutation($cur: String!, $new: String!) { changePassword(currentPassword: $cur, newPassword: $new) }"
)
UPDATE_PROFILE = (
    f"mutation($input: UpdateProfileInput!) {{ updateProfile(input: $input) {{ {USER_FIELDS} }} }}"
)


async def sign_up(
    client: httpx.AsyncClient, email: str = "ada@example.com", password: str = PASSWORD, name: str = "Ada"
) -> dict[str, Any]:
    """Sign up over HTTP and return the AuthPayload (asserting success)."""
    result = await gql(client, SIGN_UP, {"input": {"email": email, "password": password, "name": name}})
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"]["signUp"]
    return payload


async def sign_in(
    client: httpx.AsyncClient, email: str = "ada@example.com", password: str = PASSWORD, **kw: Any
) -> dict[str, Any]:
    """The whole response of a signIn (success or error)."""
    return await gql(client, SIGN_IN, {"input": {"email": email, "password": password}}, **kw)


def error_code(result: dict[str, Any]) -> str:
    assert result.get("errors"), result
    code: str = result["errors"][0]["extensions"]["code"]
    return code


def mailer(app: Starlette) -> MemoryMailer:
    found = app.state.services.extra["mailer"]
    assert isinstance(found, MemoryMailer)
    return found


def token_from_link(link: str | None) -> str:
    assert link is not None and "?token=" in link
    return link.split("?token=", 1)[1]
