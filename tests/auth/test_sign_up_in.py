"""signUp / signIn / signOut over HTTP, with bearer tokens and with the cookie alone."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import httpx
from starlette.applications import Starlette

from graph.auth.tokens import COOKIE_NAME
from graph.db import Database
from tests.auth.helpers import (
    PASSWORD,
    SIGN_OUT,
    SIGN_UP,
    UPDATE_PROFILE,
    VIEWER,
    error_code,
    sign_in,
    sign_up,
)
from tests.graphql import gql


async def test_sign_up_returns_token_user_and_session(client: httpx.AsyncClient, db: Database) -> None:
    payload = await sign_up(client, email="  Ada@Example.COM ", name="  Ada Lovelace ")
    user_row = await db.fetchrow('SELECT * FROM "user"')
    session_row = await db.fetchrow('SELECT * FROM "session"')
    assert user_row is not None and session_row is not None
    assert payload["user"] == {
        "id": base64.b64encode(f"User:{user_row['id']}".encode()).decode(),
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "emailVerified": False,
        "image": None,
        "role": "USER",
    }
    session = payload["session"]
    assert session["id"] == base64.b64encode(f"Session:{session_row['id']}".encode()).decode()
    assert session["current"] is True  # the rest of the operation runs as the new session
    assert session["user"] == {"id": payload["user"]["id"]}
    assert session["ipAddress"] == "127.0.0.1"
    expires = datetime.fromisoformat(session["expiresAt"])
    created = datetime.fromisoformat(session["createdAt"])
    assert expires - created == timedelta(days=7)
    assert len(payload["token"]) >= 43  # 256 bits, url-safe base64

    viewer = await gql(client, VIEWER, token=payload["token"])
    assert viewer == {"data": {"viewer": payload["user"]}}


async def test_sign_up_sets_a_hardened_session_cookie(client: httpx.AsyncClient, db: Database) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": SIGN_UP,
            "variables": {"input": {"email": "a@b.co", "password": PASSWORD, "name": "A"}},
        },
    )
    token = response.json()["data"]["signUp"]["token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}={token};")
    lowered = cookie.lower()
    for part in ("httponly", "samesite=lax", "path=/", "max-age=604800"):
        assert part in lowered
    assert "secure" not in lowered  # the test app runs in development


async def test_taken_email_is_conflict_case_insensitively(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, email="ada@example.com")
    result = await gql(
        client, SIGN_UP, {"input": {"email": "ADA@example.com", "password": PASSWORD, "name": "Other"}}
    )
    assert result["data"] is None
    assert error_code(result) == "CONFLICT"
    assert await db.fetchval('SELECT count(*) FROM "user"') == 1
    assert await db.fetchval("SELECT count(*) FROM account") == 1


async def test_invalid_sign_up_names_every_bad_field_and_writes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    bad = {"email": "not-an-email", "password": "short", "name": "   "}
    result = await gql(client, SIGN_UP, {"input": bad})
    assert error_code(result) == "BAD_USER_INPUT"
    assert set(result["errors"][0]["extensions"]["fields"]) == {"email", "password", "name"}
    long_name = await gql(
        client, SIGN_UP, {"input": {"email": "a@b.co", "password": "x" * 129, "name": "n" * 101}}
    )
    assert set(long_name["errors"][0]["extensions"]["fields"]) == {"password", "name"}
    assert await db.fetchval('SELECT count(*) FROM "user"') == 0


async def test_sign_in_matches_email_case_insensitively(client: httpx.AsyncClient, db: Database) -> None:
    first = await sign_up(client)
    result = await sign_in(client, email="ADA@EXAMPLE.com")
    assert "errors" not in result, result
    payload = result["data"]["signIn"]
    assert payload["user"] == first["user"]
    assert payload["token"] != first["token"]
    assert await db.fetchval('SELECT count(*) FROM "session"') == 2


async def test_wrong_password_and_unknown_email_are_the_same_error(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client)
    wrong = await sign_in(client, password="wrong password")
    unknown = await sign_in(client, email="nobody@example.com")
    assert error_code(wrong) == error_code(unknown) == "UNAUTHENTICATED"
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert await db.fetchval('SELECT count(*) FROM "session"') == 1


async def test_cookie_only_client_signs_in_uses_and_signs_out(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        signed_in = await sign_in(browser)
        assert "errors" not in signed_in
        assert browser.cookies.get(COOKIE_NAME) == signed_in["data"]["signIn"]["token"]
        # No Authorization header from here on: the cookie alone authenticates (JSON body).
        viewer = await gql(browser, VIEWER)
        assert viewer["data"]["viewer"]["email"] == "ada@example.com"
        assert (await gql(browser, SIGN_OUT)) == {"data": {"signOut": True}}
        assert browser.cookies.get(COOKIE_NAME) is None
        assert await db.fetchval('SELECT count(*) FROM "session"') == 1  # only sign-up's remains
        assert (await gql(browser, VIEWER)) == {"data": {"viewer": None}}


async def test_signed_out_token_is_anonymous(client: httpx.AsyncClient, db: Database) -> None:
    token = (await sign_up(client))["token"]
    assert (await gql(client, SIGN_OUT, token=token)) == {"data": {"signOut": True}}
    assert (await gql(client, VIEWER, token=token)) == {"data": {"viewer": None}}
    again = await gql(client, SIGN_OUT, token=token)
    assert error_code(again) == "UNAUTHENTICATED"


async def test_malformed_and_unknown_tokens_are_anonymous(client: httpx.AsyncClient, db: Database) -> None:
    for token in ("nonsense", "x" * 5000, "%00"):
        assert (await gql(client, VIEWER, headers={"Authorization": f"Bearer {token}"})) == {
            "data": {"viewer": None}
        }
    assert (await gql(client, VIEWER, headers={"Authorization": "Basic abc"})) == {"data": {"viewer": None}}


async def test_anonymous_callers_get_unauthenticated_on_account_mutations(
    client: httpx.AsyncClient, db: Database
) -> None:
    for mutation in (
        SIGN_OUT,
        "mutation { revokeOtherSessions }",
        "mutation { requestEmailVerification }",
        'mutation { changePassword(currentPassword: "a", newPassword: "bbbbbbbb") }',
        'mutation { updateProfile(input: {name: "x"}) { id } }',
    ):
        assert error_code(await gql(client, mutation)) == "UNAUTHENTICATED", mutation


async def test_update_profile_changes_only_given_fields(client: httpx.AsyncClient, db: Database) -> None:
    token = (await sign_up(client))["token"]
    image = "https://example.com/ada.png"
    result = await gql(client, UPDATE_PROFILE, {"input": {"image": image}}, token=token)
    assert result["data"]["updateProfile"]["image"] == image
    assert result["data"]["updateProfile"]["name"] == "Ada"
    result = await gql(client, UPDATE_PROFILE, {"input": {"name": " Ada L. "}}, token=token)
    assert result["data"]["updateProfile"]["name"] == "Ada L."
    assert result["data"]["updateProfile"]["image"] == image
    result = await gql(client, UPDATE_PROFILE, {"input": {"image": None}}, token=token)
    assert result["data"]["updateProfile"]["image"] is None
    bad = await gql(client, UPDATE_PROFILE, {"input": {"name": "", "image": "javascript:x"}}, token=token)
    assert error_code(bad) == "BAD_USER_INPUT"
    assert set(bad["errors"][0]["extensions"]["fields"]) <= {"name", "image"}
    # Role is not an input: nobody makes themselves admin through the API.
    escalate = await gql(client, "mutation { updateProfile(input: {role: ADMIN}) { role } }", token=token)
    assert error_code(escalate) == "BAD_USER_INPUT"
    assert await db.fetchval('SELECT role FROM "user"') == "user"


async def test_cookie_cannot_drive_a_mutation_from_a_cross_site_form(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    token = (await sign_up(client))["token"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies={COOKIE_NAME: token}
    ) as browser:
        # What a form or a no-preflight fetch on another site can send: never executed.
        for content_type, body in (
            ("text/plain", '{"query": "mutation { signOut }"}'),
            ("application/x-www-form-urlencoded", "query=mutation%20%7B%20signOut%20%7D"),
        ):
            response = await browser.post("/graphql", content=body, headers={"Content-Type": content_type})
            assert response.status_code == 415, (content_type, response.text)
        assert (await gql(browser, VIEWER))["data"]["viewer"] is not None
    assert await db.fetchval('SELECT count(*) FROM "session"') == 1
