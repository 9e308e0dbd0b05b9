"""`graph-api users ...`: make accounts and change roles from the shell (never through the API)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

import asyncpg

from graph.auth.passwords import Passwords
from graph.auth.service import create_user
from graph.auth.validation import check_password, clean_email, clean_name, validated
from graph.cli.common import CliError, database_url, load_settings, run_db
from models.errors import Conflict, Invalid

ROLES = ("user", "admin")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for the password on: pass it with --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise CliError("the passwords do not match")
    return password


def _invalid(exc: Invalid) -> CliError:
    return CliError("; ".join(f"{field}: {message}" for field, message in exc.fields.items()))


def cmd_create(args: argparse.Namespace) -> int:
    try:
        email, name = validated(lambda: clean_email(args.email), lambda: clean_name(args.name))
        password = check_password(_read_password(args.password_stdin))
    except Invalid as exc:
        raise _invalid(exc) from None
    settings = load_settings()
    url, _ = database_url(settings)
    password_hash = Passwords(settings).hash_sync(password)

    async def work() -> Any:
        con = await asyncpg.connect(url, timeout=5)
        try:
            async with con.transaction():
                # Made by an operator: the address is taken as verified.
                return await create_user(
                    con,
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    role=args.role,
                    email_verified=True,
                )
        finally:
            await con.close()

    try:
        row = run_db(url, work)
    except Conflict:
        raise CliError(f"a user with email {email} already exists") from None
    print(f"created {args.role} {email} (id {row['id']})")
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    try:
        email = clean_email(args.email)
    except Invalid as exc:
        raise _invalid(exc) from None
    settings = load_settings()
    url, _ = database_url(settings)

    async def work() -> Any:
        con = await asyncpg.connect(url, timeout=5)
        try:
            return await con.fetchval(
                'UPDATE "user" SET role = $2, updated_at = now() WHERE email = $1 RETURNING id',
                email,
                args.role,
            )
        finally:
            await con.close()

    if run_db(url, work) is None:
        raise CliError(f"no user with email {email}")
    # The role is read with the session on every request: it applies from the next request on.
    print(f"{email} is now {args.role}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="create users and set roles")
    usub = p.add_subparsers(dest="users_command", required=True, parser_class=type(p))

    c = usub.add_parser(
        "create", help="create a user with a password (asked on a terminal, or --password-stdin)"
    )
    c.add_argument("email")
    c.add_argument("--name", required=True, help="display name, 1 to 100 characters")
    c.add_argument("--role", choices=ROLES, default="user")
    c.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    c.set_defaults(handler=cmd_create)

    r = usub.add_parser("set-role", help="make a user an admin, or a user again")
    r.add_argument("email")
    r.add_argument("role", choices=ROLES)
    r.set_defaults(handler=cmd_set_role)
