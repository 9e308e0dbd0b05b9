"""`graph-api files gc [--yes]`: find (and with --yes remove) what storage and database disagree on."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from graph.cli.common import CliError, database_url, load_settings, run_db

if TYPE_CHECKING:
    from graph.files import GcReport


def _print_report(report: GcReport) -> None:
    for key, size in report.orphan_objects:
        print(f"orphan object (no file row): {key} ({size} bytes)")
    for file_id, key in report.missing_objects:
        print(f"missing object (file row without bytes): file {file_id} {key}")
    for pending_id, key in report.expired_uploads:
        print(f"expired direct upload: {pending_id} {key}")
    counts = (
        f"{len(report.orphan_objects)} orphan object(s), {len(report.missing_objects)} file row(s) "
        f"without object, {len(report.expired_uploads)} expired upload(s)"
    )
    if report.clean:
        print("nothing to collect")
    elif report.deleted:
        print(f"deleted {counts}")
    else:
        print(f"found {counts}; run again with --yes to delete them")


def cmd_gc(args: argparse.Namespace) -> int:
    # Imported here: the storage stack (botocore) is heavy and only this command needs it.
    from graph.db import close_database, open_database
    from graph.files import collect_garbage
    from graph.storage import build_storage
    from models.errors import StorageUnavailable

    settings = load_settings()
    url, _ = database_url(settings)

    async def work() -> GcReport:
        db = await open_database(url, pool_min=1, pool_max=2)
        storage = build_storage(settings)
        try:
            await storage.open()
            if not await storage.ping():
                raise CliError("cannot reach the file storage (check the S3_* settings)")
            return await collect_garbage(
                db, storage, delete=args.yes, grace=timedelta(seconds=args.grace_seconds)
            )
        except StorageUnavailable as exc:
            raise CliError("the file storage failed during gc; nothing more was deleted") from exc
        finally:
            await storage.close()
            await close_database(db)

    _print_report(run_db(url, work))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("files", help="file storage maintenance")
    files_sub = p.add_subparsers(dest="files_command", required=True, parser_class=type(p))
    gc = files_sub.add_parser(
        "gc",
        help="report objects without rows, rows without objects and expired uploads; delete with --yes",
    )
    gc.add_argument("--yes", action="store_true", help="delete what was found (default: only report)")
    gc.add_argument(
        "--grace-seconds",
        type=int,
        default=3600,
        help="spare objects younger than this: an upload may be between its bytes and its row (default 3600)",
    )
    gc.set_defaults(handler=cmd_gc)
