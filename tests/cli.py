"""Running the installed `graph-api` console script the way an operator does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GRAPH_API = str(Path(sys.executable).parent / "graph-api")
ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `graph-api ARGS` with a clean environment plus `env` (no .env from the checkout)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TEST_"))}
    base.update(env or {})
    return subprocess.run(
        [GRAPH_API, *args],
        env=base,
        input=input,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
