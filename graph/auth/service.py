"""Accounts and sessions with Better Auth's semantics, on its four tables. No GraphQL here:
graph/types/auth.py maps these operations onto the contract, the CLI reuses `create_user`.

Every operation that writes does so in one transaction; every revocation announces the revoked
session ids (graph.live) inside it, so live subscriptions close only if the revocation commits.
Failures are models.errors exceptions with client-safe messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.requests import HTTPConnection

from graph.auth.passwords import Passwords
from graph.auth.tokens import new_token, token_hash
from graph.auth.validation import check_password, clean_email, clean_image, clean_name, validated
from graph.auth.viewer import Viewer
from graph.db import Database
from graph.live import notify_sessions_revoked
from graph.mail import Mailer, Message, build_mailer
from graph.ratelimit import RateLimiter
from graph.settings import Settings
from models.errors import Conflict, Invalid, NotFound, Unauthenticated
from models.ids import new_id

log = logging.getLogger(__name__)

CREDENTIAL = "credential"
EMAIL_VERIFICATION = "email-verification"
PASSWORD_RESET = "password-reset"

# Column widths of the "session" table.
ADDRESS_MAX = 64
USER_AGENT_MAX = 512

# The user and its credential account in one statement; no row back means the email is taken.
INSERT_USER_SQL = """
WITH u AS (
  INSERT INTO "user" (id, name, email, role, email_verified) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (email) DO NOTHING RETURNING *
), a AS (
  INSERT INTO account (id, account_id, provider_id, user_id, password)
  SELECT $6, u.id, 'credential', u.id, $7 FROM u
)
SELECT * FROM u
"""

INSERT_SESSION_SQL = """
INSERT INTO "session" (id, token, expires_at, ip_address, user_agent, user_id)
VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5, $6)
RETURNING *
"""

USER_WITH_PASSWORD_SQL = """
SELECT u.*, a.password AS password_hash
FROM "user" u LEFT JOIN account a ON a.user_id = u.id AND a.provider_id = 'credential'
WHERE u.{key} = $1
"""

SET_PASSWORD_SQL = """
WITH updated AS (
  UPDATE account SET password = $2, updated_at = now()
  WHERE user_id = $1 AND provider_id = 'credential' RETURNING id
)
INSERT INTO account (id, account_id, provider_id, user_id, password)
SELECT $3, $1, 'credential', $1, $2 WHERE NOT EXISTS (SELECT 1 FROM updated)
"""

# Replaces any earlier token for the same purpose and user; issues nothing for an unknown user,
# in the same single statement, so both cases cost the same.
ISSUE_VERIFICATION_SQL = """
WITH target AS (SELECT id FROM "user" WHERE {key} = $1),
dropped AS (
  DELETE FROM verification WHERE identifier = $2 || ':' || (SELECT id FROM target)
)
INSERT INTO verification (id, identifier, value, expires_at)
SELECT $3, $2 || ':' || target.id, $4, now() + make_interval(secs => $5) FROM target
RETURNING identifier
"""

# Single use: the token is deleted whether it is still valid or already expired.
CONSUME_VERIFICATION_SQL = """
DELETE FROM verification WHERE value = $1 AND starts_with(identifier, $2 || ':')
RETURNING substr(identifier, length($2) + 2) AS user_id, expires_at > now() AS live
"""


@dataclass(frozen=True, slots=True)
class Client:
    """Who is on the other end of the connection, as stored on their sessions."""

    address: str | None
    user_agent: str | None


def client_of(conn: HTTPConnection, settings: Settings) -> Client:
    """The client's address (the last X-Forwarded-For hop when the proxy is trusted) and agent."""
    address = conn.client.host if conn.client else None
    if settings.trust_forwarded_for:
        forwarded = conn.headers.get("x-forwarded-for", "")
        # The last hop is the one our proxy appended; earlier entries are the client's claims.
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            address = hops[-1]
    agent = conn.headers.get("user-agent")
    return Client(
        address=address[:ADDRESS_MAX] if address else None,
        user_agent=agent[:USER_AGENT_MAX] if agent else None,
    )


@dataclass(frozen=True, slots=True)
class Issued:
    """A new session: the token (shown to the client once), the user row, the session row."""

    token: str
    user: asyncpg.Record
    session: asyncpg.Record


async def create_user(
    con: Any,
    *,
    email: str,
    name: str,
    password_hash: str,
    role: str = "user",
    email_verified: bool = False,
) -> asyncpg.Record:
    """Insert a user with its credential account (inputs already validated); Conflict if taken."""
    row: asyncpg.Record | None = await con.fetchrow(
        INSERT_USER_SQL, new_id(), name, email, role, email_verified, new_id(), password_hash
    )
    if row is None:
        raise Conflict("An account with this email already exists")
    return row


class Auth:
    def __init__(
        self, settings: Settings, db: Database, passwords: Passwords, mailer: Mailer, limiter: RateLimiter
    ) -> None:
        self.settings = settings
        self.db = db
        self.passwords = passwords
        self.mailer = mailer
        self.limiter = limiter

    # -- sessions ---------------------------------------------------------------------------

    async def _new_session(self, con: Any, user_id: str, client: Client) -> tuple[str, asyncpg.Record]:
        token = new_token()
        row = await con.fetchrow(
            INSERT_SESSION_SQL,
            new_id(),
            token_hash(token),
            float(self.settings.session_ttl_seconds),
            client.address,
            client.user_agent,
            user_id,
        )
        return token, row

    async def _revoke(self, con: Any, sql: str, *args: Any) -> list[str]:
        ids = [r["id"] for r in await con.fetch(sql, *args)]
        await notify_sessions_revoked(con, ids)
        return ids

    async def sign_up(self, email: str, password: str, name: str, client: Client) -> Issued:
        address, display, _ = validated(
            lambda: clean_email(email), lambda: clean_name(name), lambda: check_password(password)
        )
        password_hash = await self.passwords.hash(password)
        async with self.db.transaction() as con:
            user = await create_user(con, email=address, name=display, password_hash=password_hash)
            token, session = await self._new_session(con, user["id"], client)
            link = await self._issue(con, EMAIL_VERIFICATION, "id", user["id"])
        await self._mail_verification(address, link)
        return Issued(token, user, session)

    def _signin_limits(self, email: str, client: Client) -> dict[str, int]:
        limits = {f"signin:account:{email}": self.settings.signin_fail_per_account}
        if client.address:
            limits[f"signin:address:{client.address}"] = self.settings.signin_fail_per_address
        return limits

    async def sign_in(self, email: str, password: str, client: Client) -> Issued:
        address = clean_email(email)
        limits = self._signin_limits(address, client)
        # Counted before checking, refunded on success: parallel guesses cannot pass the limit.
        await self.limiter.enforce(limits, self.settings.signin_fail_window_seconds)
        row = await self.db.fetchrow(USER_WITH_PASSWORD_SQL.format(key="email"), address)
        stored = row["password_hash"] if row is not None else None
        # Verified even when there is no such user (against a dummy hash): same time either way.
        verified = await self.passwords.verify(stored, password)
        if row is None or stored is None or not verified:
            raise Unauthenticated("Wrong email or password")
        rehashed = await self.passwords.hash(password) if self.passwords.needs_rehash(stored) else None
        async with self.db.transaction() as con:
            await self.limiter.refund(list(limits), con)
            if rehashed is not None:  # the Argon2 parameters changed since this hash was made
                await con.execute(SET_PASSWORD_SQL, row["id"], rehashed, new_id())
            token, session = await self._new_session(con, row["id"], client)
        return Issued(token, row, session)

    async def sign_out(self, viewer: Viewer) -> None:
        async with self.db.transaction() as con:
            await self._revoke(con, 'DELETE FROM "session" WHERE id = $1 RETURNING id', viewer.session_id)

    async def revoke_session(self, viewer: Viewer, session_id: str) -> None:
        """Revoke one of the viewer's own sessions; anyone else's does not exist (NotFound)."""
        async with self.db.transaction() as con:
            ids = await self._revoke(
                con,
                'DELETE FROM "session" WHERE id = $1 AND user_id = $2 RETURNING id',
                session_id,
                viewer.user_id,
            )
        if not ids:
            raise NotFound("No such session")

    async def revoke_other_sessions(self, viewer: Viewer) -> int:
        async with self.db.transaction() as con:
            ids = await self._revoke(
                con,
                'DELETE FROM "session" WHERE user_id = $1 AND id <> $2 RETURNING id',
                viewer.user_id,
                viewer.session_id,
            )
        return len(ids)

    # -- verification tokens (email verification, password reset) ----------------------------

    def _link(self, path: str, token: str) -> str:
        base = self.settings.public_url or f"http://{self.settings.host}:{self.settings.port}"
        return f"{base.rstrip('/')}/{path}?token={token}"

    async def _issue(self, con: Any, purpose: str, key: str, value: str) -> str | None:
        """A fresh single-use token for the user whose `key` is `value`; None if no such user."""
        token = new_token()
        issued = await con.fetchval(
            ISSUE_VERIFICATION_SQL.format(key=key),
            value,
            purpose,
            new_id(),
            token_hash(token),
            float(self.settings.verification_ttl_seconds),
        )
        if issued is None:
            return None
        return self._link("verify-email" if purpose == EMAIL_VERIFICATION else "reset-password", token)

    async def _consume(self, con: Any, purpose: str, token: str) -> str:
        row = await con.fetchrow(CONSUME_VERIFICATION_SQL, token_hash(token), purpose)
        if row is None or not row["live"]:
            raise Invalid({"token": "is invalid or has expired"})
        user_id: str = row["user_id"]
        return user_id

    async def _mail_verification(self, to: str, link: str | None) -> None:
        if link is not None:
            text = f"Confirm your email address by opening this link within the hour:\n\n{link}\n"
            await self.mailer.send(Message(to=to, subject="Confirm your email address", text=text, link=link))

    async def request_email_verification(self, viewer: Viewer) -> None:
        async with self.db.transaction() as con:
            email = await con.fetchval('SELECT email FROM "user" WHERE id = $1', viewer.user_id)
            link = await self._issue(con, EMAIL_VERIFICATION, "id", viewer.user_id)
        await self._mail_verification(email, link)

    async def verify_email(self, token: str) -> asyncpg.Record:
        async with self.db.transaction() as con:
            user_id = await self._consume(con, EMAIL_VERIFICATION, token)
            user: asyncpg.Record = await con.fetchrow(
                'UPDATE "user" SET email_verified = true, updated_at = now() WHERE id = $1 RETURNING *',
                user_id,
            )
        return user

    async def request_password_reset(self, email: str) -> None:
        """Mails a reset link if the email has an account. Same answer and work either way."""
        address = clean_email(email)
        await self.limiter.enforce(
            {f"reset:{address}": self.settings.reset_requests_per_email}, self.settings.reset_window_seconds
        )
        async with self.db.transaction() as con:
            link = await self._issue(con, PASSWORD_RESET, "email", address)
        if link is not None:
            text = (
                "Someone asked to reset the password of your account. If it was you, open this link "
                f"within the hour:\n\n{link}\n\nIf it was not, ignore this message."
            )
            await self.mailer.send(Message(to=address, subject="Reset your password", text=text, link=link))

    async def reset_password(self, token: str, new_password: str) -> None:
        """Set the password from a reset token and revoke every session of the account."""
        check_password(new_password, "newPassword")
        password_hash = await self.passwords.hash(new_password)
        async with self.db.transaction() as con:
            user_id = await self._consume(con, PASSWORD_RESET, token)
            await con.execute(SET_PASSWORD_SQL, user_id, password_hash, new_id())
            await self._revoke(con, 'DELETE FROM "session" WHERE user_id = $1 RETURNING id', user_id)

    async def change_password(self, viewer: Viewer, current: str, new_password: str, client: Client) -> None:
        """Wrong `current` is Unauthenticated (and counts as a failed sign-in); other sessions end."""
        check_password(new_password, "newPassword")
        row = await self.db.fetchrow(USER_WITH_PASSWORD_SQL.format(key="id"), viewer.user_id)
        if row is None:
            raise Unauthenticated()
        limits = self._signin_limits(row["email"], client)
        await self.limiter.enforce(limits, self.settings.signin_fail_window_seconds)
        if not await self.passwords.verify(row["password_hash"], current):
            raise Unauthenticated("Wrong current password")
        password_hash = await self.passwords.hash(new_password)
        async with self.db.transaction() as con:
            await self.limiter.refund(list(limits), con)
            await con.execute(SET_PASSWORD_SQL, viewer.user_id, password_hash, new_id())
            await self._revoke(
                con,
                'DELETE FROM "session" WHERE user_id = $1 AND id <> $2 RETURNING id',
                viewer.user_id,
                viewer.session_id,
            )

    async def update_profile(
        self, viewer: Viewer, *, name: str | None, image: str | None, set_image: bool
    ) -> asyncpg.Record:
        """Change the name and/or image; an omitted field is kept (`set_image` False), null clears image."""
        display = None if name is None else clean_name(name)
        picture = clean_image(image) if set_image else None
        row = await self.db.fetchrow(
            'UPDATE "user" SET name = coalesce($2, name), image = CASE WHEN $3 THEN $4 ELSE image END, '
            "updated_at = now() WHERE id = $1 RETURNING *",
            viewer.user_id,
            display,
            set_image,
            picture,
        )
        if row is None:
            raise Unauthenticated()
        return row


def auth_services(settings: Settings, db: Database) -> dict[str, Any]:
    """What the lifespan puts in `services.extra`: "auth", "mailer", "ratelimit"."""
    mailer = build_mailer(settings)
    limiter = RateLimiter(db)
    return {
        "auth": Auth(settings, db, Passwords(settings), mailer, limiter),
        "mailer": mailer,
        "ratelimit": limiter,
    }
