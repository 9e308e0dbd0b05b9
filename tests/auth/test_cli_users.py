"""`graph-api users create` / `set-role`, run as an operator would, checked over HTTP."""

from __future__ import annotations

import httpx

from graph.db import Database
from tests.auth.helpers import sign_in
from tests.cli import run_cli
from tests.graphql import gql

PASSWORD = "operator chosen pass"


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


async def test_create_admin_with_password_on_stdin_can_sign_in(
    database_url: str, client: httpx.AsyncClient, db: Database
) -> None:
    result = run_cli(
        "users",
        "create",
        "Root@Example.com",
        "--name",
        "Root",
        "--role",
        "admin",
        "--password-stdin",
        env={"DATABASE_URL": database_url},
        input=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("created admin root@example.com (id ")
    # The CLI hashed with the default Argon2 parameters; the test app uses cheaper ones.
    assert "$m=19456,t=2,p=1$" in await db.fetchval("SELECT password FROM account")
    signed_in = await sign_in(client, email="root@example.com", password=PASSWORD)
    # Signing in upgraded the stored hash to the server's current parameters.
    assert "$m=1024,t=1,p=1$" in await db.fetchval("SELECT password FROM account")
    assert signed_in["data"]["signIn"]["user"]["role"] == "ADMIN"
    assert signed_in["data"]["signIn"]["user"]["emailVerified"] is True


async def test_create_refuses_taken_email_and_weak_password_in_one_line(
    database_url: str, db: Database
) -> None:
    env = {"DATABASE_URL": database_url}
    first = run_cli(
        "users",
        "create",
        "ada@example.com",
        "--name",
        "Ada",
        "--password-stdin",
        env=env,
        input=PASSWORD + "\n",
    )
    assert first.returncode == 0, first.stderr
    taken = run_cli(
        "users",
        "create",
        "ADA@example.com",
        "--name",
        "Ada",
        "--password-stdin",
        env=env,
        input=PASSWORD + "\n",
    )
    assert taken.returncode == 1
    assert one_line(taken.stderr) == "graph-api: a user with email ada@example.com already exists"
    weak = run_cli(
        "users", "create", "bob@example.com", "--name", "Bob", "--password-stdin", env=env, input="short\n"
    )
    assert weak.returncode == 1
    assert one_line(weak.stderr) == "graph-api: password: must be 8 to 128 characters"
    bad_email = run_cli("users", "create", "nope", "--name", "X", "--password-stdin", env=env, input=PASSWORD)
    assert bad_email.returncode == 1 and one_line(bad_email.stderr).startswith("graph-api: email: ")
    no_tty = run_cli("users", "create", "carol@example.com", "--name", "Carol", env=env, input="")
    assert no_tty.returncode == 1 and "--password-stdin" in one_line(no_tty.stderr)
    assert await db.fetchval('SELECT count(*) FROM "user"') == 1


async def test_set_role_promotes_and_demotes(
    database_url: str, client: httpx.AsyncClient, db: Database
) -> None:
    env = {"DATABASE_URL": database_url}
    created = run_cli(
        "users",
        "create",
        "ada@example.com",
        "--name",
        "Ada",
        "--password-stdin",
        env=env,
        input=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    token = (await sign_in(client, password=PASSWORD))["data"]["signIn"]["token"]

    promoted = run_cli("users", "set-role", "Ada@example.com", "admin", env=env)
    assert promoted.returncode == 0 and promoted.stdout.strip() == "ada@example.com is now admin"
    # The existing session sees the new role on its next request.
    assert (await gql(client, "{ viewer { role } }", token=token)) == {"data": {"viewer": {"role": "ADMIN"}}}

    demoted = run_cli("users", "set-role", "ada@example.com", "user", env=env)
    assert demoted.returncode == 0
    assert (await gql(client, "{ viewer { role } }", token=token)) == {"data": {"viewer": {"role": "USER"}}}

    missing = run_cli("users", "set-role", "nobody@example.com", "admin", env=env)
    assert missing.returncode == 1
    assert one_line(missing.stderr) == "graph-api: no user with email nobody@example.com"
    bad_role = run_cli("users", "set-role", "ada@example.com", "root", env=env)
    assert bad_role.returncode == 2 and "invalid choice" in one_line(bad_role.stderr)
