"""`graph-api schema`: write schema.graphql (SDL) for codegen tools; --check fails when stale."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from graph.cli.common import CliError


def sdl() -> str:
    from graph.schema import schema

    return schema.as_str() + "\n"


def cmd_schema(args: argparse.Namespace) -> int:
    path = Path(args.output)
    text = sdl()
    if args.check:
        current = path.read_text() if path.exists() else None
        if current != text:
            raise CliError(f"{path} is stale: run `graph-api schema` and commit it")
        print(f"{path} is up to date")
        return 0
    path.write_text(text)
    print(f"wrote {path}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("schema", help="write the GraphQL schema (SDL) to schema.graphql")
    p.add_argument("--output", "-o", default="schema.graphql", help="file to write or check")
    p.add_argument("--check", action="store_true", help="fail if the file differs from the code")
    p.set_defaults(handler=cmd_schema)
