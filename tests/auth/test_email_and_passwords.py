"""Email verification, password reset and password change, end to end with captured mail."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from graph.auth.tokens import token_hash
from graph.db import Database
from tests.auth.helpers import (
    CHANGE_PASSWORD,
    PASSWORD,
    REQUEST_RESET,
    REQUEST_VERIFICATION,
    RESET_PASSWORD,
    VERIFY_EMAIL,
    VIEWER,
    error_code,
    mailer,
    sign_in,
    sign_up,
    token_from_link,
)
from tests.graphql import gql

NEW_PASSWORD = "a brand new passphrase"


async def test_sign_up_mails_a_verification_link_that_verifies_once(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    payload = await sign_up(client)
    [message] = mailer(app).messages
    assert message.to == "ada@example.com"
    assert message.link is not None and message.link.startswith("http://testserver/verify-email?token=")
    token = token_from_link(message.link)
    assert message.link in message.text

    result = await gql(client, VERIFY_EMAIL, {"token": token})
    assert result["data"]["verifyEmail"]["id"] == payload["user"]["id"]
    assert result["data"]["verifyEmail"]["emailVerified"] is True
    assert await db.fetchval('SELECT email_verified FROM "user"') is True
    # Single use: the token is gone.
    again = await gql(client, VERIFY_EMAIL, {"token": token})
    assert error_code(again) == "BAD_USER_INPUT"
    assert again["errors"][0]["extensions"]["fields"] == {"token": "is invalid or has expired"}
    assert await db.fetchval("SELECT count(*) FROM verification") == 0


async def test_request_email_verification_replaces_the_earlier_link(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    token = (await sign_up(client))["token"]
    first = token_from_link(mailer(app).messages[0].link)
    assert (await gql(client, REQUEST_VERIFICATION, token=token)) == {
        "data": {"requestEmailVerification": True}
    }
    second = token_from_link(mailer(app).messages[1].link)
    assert error_code(await gql(client, VERIFY_EMAIL, {"token": first})) == "BAD_USER_INPUT"
    assert "errors" not in await gql(client, VERIFY_EMAIL, {"token": second})


async def test_expired_verification_token_is_refused(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client)
    token = token_from_link(mailer(app).messages[0].link)
    await db.execute("UPDATE verification SET expires_at = now() - interval '1 second'")
    assert error_code(await gql(client, VERIFY_EMAIL, {"token": token})) == "BAD_USER_INPUT"
    assert await db.fetchval('SELECT email_verified FROM "user"') is False


async def test_password_reset_sets_the_password_and_revokes_every_session(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    tokens = [(await sign_up(client))["token"], (await sign_in(client))["data"]["signIn"]["token"]]
    mailer(app).messages.clear()
    assert (await gql(client, REQUEST_RESET, {"email": "ADA@example.com"})) == {
        "data": {"requestPasswordReset": True}
    }
    [message] = mailer(app).messages
    assert message.to == "ada@example.com"
    assert message.link is not None and message.link.startswith("http://testserver/reset-password?token=")
    reset = token_from_link(message.link)
    # A weak new password is refused without using up the token.
    weak = await gql(client, RESET_PASSWORD, {"token": reset, "pw": "short"})
    assert error_code(weak) == "BAD_USER_INPUT"
    assert weak["errors"][0]["extensions"]["fields"] == {"newPassword": "must be 8 to 128 characters"}

    assert (await gql(client, RESET_PASSWORD, {"token": reset, "pw": NEW_PASSWORD})) == {
        "data": {"resetPassword": True}
    }
    for token in tokens:
        assert (await gql(client, VIEWER, token=token)) == {"data": {"viewer": None}}
    assert await db.fetchval('SELECT count(*) FROM "session"') == 0
    assert error_code(await sign_in(client)) == "UNAUTHENTICATED"
    assert "errors" not in await sign_in(client, password=NEW_PASSWORD)
    # Single use.
    again = await gql(client, RESET_PASSWORD, {"token": reset, "pw": "yet another one"})
    assert error_code(again) == "BAD_USER_INPUT"


async def test_password_reset_for_unknown_email_answers_the_same_and_mails_nothing(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client)
    mailer(app).messages.clear()
    known = await gql(client, REQUEST_RESET, {"email": "ada@example.com"})
    unknown = await gql(client, REQUEST_RESET, {"email": "nobody@example.com"})
    assert known == unknown == {"data": {"requestPasswordReset": True}}
    assert [m.to for m in mailer(app).messages] == ["ada@example.com"]
    bad = await gql(client, REQUEST_RESET, {"email": "not an email"})
    assert error_code(bad) == "BAD_USER_INPUT"


async def test_reset_token_cannot_verify_an_email_and_vice_versa(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client)
    verify = token_from_link(mailer(app).messages[0].link)
    await gql(client, REQUEST_RESET, {"email": "ada@example.com"})
    reset = token_from_link(mailer(app).messages[1].link)
    assert error_code(await gql(client, RESET_PASSWORD, {"token": verify, "pw": NEW_PASSWORD})) == (
        "BAD_USER_INPUT"
    )
    assert error_code(await gql(client, VERIFY_EMAIL, {"token": reset})) == "BAD_USER_INPUT"
    assert await db.fetchval("SELECT count(*) FROM verification") == 2  # neither was consumed


async def test_change_password_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient, db: Database
) -> None:
    current = (await sign_up(client))["token"]
    other = (await sign_in(client))["data"]["signIn"]["token"]
    wrong = await gql(client, CHANGE_PASSWORD, {"cur": "not my password", "new": NEW_PASSWORD}, token=current)
    assert error_code(wrong) == "UNAUTHENTICATED"
    assert (await gql(client, VIEWER, token=other))["data"]["viewer"] is not None  # nothing changed

    weak = await gql(client, CHANGE_PASSWORD, {"cur": PASSWORD, "new": "short"}, token=current)
    assert error_code(weak) == "BAD_USER_INPUT"

    ok = await gql(client, CHANGE_PASSWORD, {"cur": PASSWORD, "new": NEW_PASSWORD}, token=current)
    assert ok == {"data": {"changePassword": True}}
    assert (await gql(client, VIEWER, token=current))["data"]["viewer"] is not None
    assert (await gql(client, VIEWER, token=other)) == {"data": {"viewer": None}}
    assert error_code(await sign_in(client)) == "UNAUTHENTICATED"
    assert "errors" not in await sign_in(client, password=NEW_PASSWORD)


async def test_database_holds_no_plaintext_token_or_password(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    payload = await sign_up(client)
    await gql(client, REQUEST_RESET, {"email": "ada@example.com"})
    secrets = [
        payload["token"],
        PASSWORD,
        *(token_from_link(m.link) for m in mailer(app).messages),
    ]
    rows = []
    for table in ('"user"', '"session"', "account", "verification", "rate_limit"):
        rows += await db.fetch(f"SELECT * FROM {table}")
    dump = " ".join(str(tuple(row)) for row in rows)
    for secret in secrets:
        assert secret not in dump
    # What is stored instead: SHA-256 of the tokens, an Argon2id hash of the password.
    assert token_hash(payload["token"]) in dump
    assert (await db.fetchval("SELECT password FROM account")).startswith("$argon2id$")
    assert await db.fetchval("SELECT provider_id || ':' || (account_id = user_id)::text FROM account") == (
        "credential:true"
    )
