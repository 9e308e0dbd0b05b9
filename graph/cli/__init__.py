"""The `graph-api` command: serve, schema, db, users, files.

Every failure an operator can cause (bad argument, bad setting, unreachable database) is one
clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from pydantic import ValidationError

from graph.cli import db, files, schema, serve, users
from graph.cli.common import CliError

# Areas register their own subcommands here.
COMMAND_MODULES = [serve, schema, db, files, users]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="graph-api", description="GraphQL API server: run it, migrate, seed.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _settings_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
        parts.append(f"{name}: {err['msg']}")
    return "invalid settings: " + "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = args.handler(args)
    except ValidationError as exc:
        print(f"graph-api: {_settings_error(exc)}", file=sys.stderr)
        sys.exit(1)
    except CliError as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)
