"""File operations behind the file mutations and `graph-api files gc`; no GraphQL here.

Ordering rule that keeps storage and database consistent: bytes land first, the row second. If
the bucket fails, no row is written; if the row cannot be written, the object is deleted again.
A deleted row's object is removed after the commit; when that fails, gc finds it later.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from starlette.datastructures import UploadFile

from graph.db import Database
from graph.settings import Settings
from graph.storage import Storage
from graph.uploads import SNIFF_BYTES, read_chunks, sniff_mime
from models.errors import Invalid, NotFound, PayloadTooLarge, StorageUnavailable
from models.ids import new_id

log = logging.getLogger(__name__)

# Everything File.from_row needs; never `*` (the generated tsvector column is internal).
FILE_COLUMNS = "id, name, original_name, mime_type, size, path, user_id, created_at, updated_at"

_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


def validate_name(name: str, field: str = "name") -> str:
    """A file name as API.md allows it: 1..255 characters, no '/', '\\' or control characters,
    not '.' or '..'. Raises Invalid naming `field`."""
    if not name or not name.strip():
        raise Invalid({field: "Must not be empty"})
    if len(name) > 255:
        raise Invalid({field: "Must be at most 255 characters"})
    if "/" in name or "\\" in name:
        raise Invalid({field: "Must not contain '/' or '\\'"})
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise Invalid({field: "Must not contain control characters"})
    if name in (".", ".."):
        raise Invalid({field: "Must not be '.' or '..'"})
    return name


def original_name_of(filename: str | None, fallback: str) -> str:
    """The client's file name as sent, reduced to its last path segment (some browsers send a
    full path); the chosen name when nothing usable was sent."""
    base = re.split(r"[/\\]", filename or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c) != "Cc")[:255]
    return base if base not in ("", ".", "..") else fallback


def object_key(user_id: str, file_id: str, name: str) -> str:
    # The server builds every key; the name part is validated and never contains '/'.
    return f"{user_id}/{file_id}/{name}"


async def discard_object(storage: Storage, key: str) -> None:
    """Delete an object whose row will not exist; if that fails too, gc will find it."""
    try:
        await storage.delete(key)
    except StorageUnavailable:
        log.warning("could not delete object key=%s; left for graph-api files gc", key)


async def store_upload(
    db: Database, storage: Storage, settings: Settings, user_id: str, upload: UploadFile, name: str | None
) -> asyncpg.Record:
    """Stream a multipart upload to storage, then record its row. Raises PayloadTooLarge (no
    object, no row), Invalid for a bad name, StorageUnavailable (no row)."""
    original = original_name_of(upload.filename, "upload")
    name = validate_name(name if name is not None else original)
    limit = settings.upload_max_bytes
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(f"Upload exceeds the limit of {limit} bytes")
    await upload.seek(0)
    mime_type = sniff_mime(await upload.read(SNIFF_BYTES), name)
    file_id = new_id()
    key = object_key(user_id, file_id, name)
    size = await storage.put(key, read_chunks(upload, limit), mime_type=mime_type)
    try:
        row = await db.fetchrow(
            "INSERT INTO files (id, name, original_name, mime_type, size, path, user_id)"
            f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {FILE_COLUMNS}",
            file_id,
            name,
            original,
            mime_type,
            size,
            key,
            user_id,
        )
    except BaseException:
        await discard_object(storage, key)
        raise
    log.info("file stored id=%s size=%d type=%s", file_id, size, mime_type)
    assert row is not None
    return row


@dataclass(frozen=True)
class Ticket:
    pending_id: str
    url: str
    headers: dict[str, str]
    expires_at: datetime


async def create_ticket(
    db: Database,
    storage: Storage,
    settings: Settings,
    user_id: str,
    *,
    name: str,
    mime_type: str,
    size: int,
) -> Ticket:
    """Announce a direct upload: validate it, sign a PUT URL, record the pending upload. Also
    removes the caller's expired pending uploads (their objects after the commit)."""
    name = validate_name(name)
    mime_type = mime_type.strip().lower()
    if not _MIME.match(mime_type):
        raise Invalid({"mimeType": "Must be a media type such as image/png"})
    if size < 0:
        raise Invalid({"size": "Must not be negative"})
    if size > settings.upload_max_bytes:
        raise PayloadTooLarge(f"Upload exceeds the limit of {settings.upload_max_bytes} bytes")
    pending_id = new_id()
    key = object_key(user_id, pending_id, name)
    target = await storage.upload_url(key, mime_type=mime_type, size=size)
    async with db.transaction() as con:
        expired = await con.fetch(
            "DELETE FROM pending_upload WHERE user_id = $1 AND expires_at < now() RETURNING path", user_id
        )
        await con.execute(
            "INSERT INTO pending_upload (id, name, mime_type, size, path, expires_at, user_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            pending_id,
            name,
            mime_type,
            size,
            key,
            target.expires_at,
            user_id,
        )
    for row in expired:
        await discard_object(storage, row["path"])
    return Ticket(pending_id, target.url, target.headers, target.expires_at)


async def complete_ticket(db: Database, storage: Storage, user_id: str, pending_id: str) -> asyncpg.Record:
    """Turn a pending upload whose bytes arrived into a file row. The object must exist with the
    announced size and type (else Invalid); the row insert and the pending delete commit together."""
    pending = await db.fetchrow(
        "SELECT id, name, mime_type, size, path, expires_at FROM pending_upload"
        " WHERE id = $1 AND user_id = $2",
        pending_id,
        user_id,
    )
    if pending is None:
        raise NotFound()
    if pending["expires_at"] < datetime.now(UTC):
        raise Invalid({"id": "The upload URL has expired; request a new one"})
    info = await storage.head(pending["path"])
    if info is None:
        raise Invalid({"id": "Nothing was uploaded to this URL yet"})
    if info.size != pending["size"]:
        raise Invalid({"id": f"The uploaded object has {info.size} bytes, {pending['size']} were announced"})
    announced = pending["mime_type"]
    if (info.content_type or "").split(";")[0].strip().lower() != announced:
        raise Invalid({"id": "The uploaded object's content type is not the announced one"})
    # The signed PUT pinned the client's claim; what is stored is what the bytes say.
    mime_type = sniff_mime(await storage.read_start(pending["path"], SNIFF_BYTES), pending["name"])
    async with db.transaction() as con:
        claimed = await con.fetchval(
            "DELETE FROM pending_upload WHERE id = $1 AND user_id = $2 RETURNING id", pending_id, user_id
        )
        if claimed is None:  # completed concurrently
            raise NotFound()
        row: asyncpg.Record | None = await con.fetchrow(
            "INSERT INTO files (id, name, original_name, mime_type, size, path, user_id)"
            f" VALUES ($1, $2, $2, $3, $4, $5, $6) RETURNING {FILE_COLUMNS}",
            pending_id,
            pending["name"],
            mime_type,
            info.size,
            pending["path"],
            user_id,
        )
    assert row is not None
    log.info("direct upload completed id=%s size=%d", pending_id, info.size)
    return row


async def rename_file(db: Database, user_id: str, file_id: str, name: str) -> asyncpg.Record:
    """New display name; the object key stays (it is an identifier, not a label)."""
    name = validate_name(name)
    row = await db.fetchrow(
        "UPDATE files SET name = $1, updated_at = now() WHERE id = $2 AND user_id = $3"
        f" RETURNING {FILE_COLUMNS}",
        name,
        file_id,
        user_id,
    )
    if row is None:
        raise NotFound()
    return row


async def delete_file(db: Database, storage: Storage, user_id: str, file_id: str) -> None:
    """Delete the row (committed first), then the object; NotFound when not the caller's."""
    async with db.transaction() as con:
        path = await con.fetchval(
            "DELETE FROM files WHERE id = $1 AND user_id = $2 RETURNING path", file_id, user_id
        )
    if path is None:
        raise NotFound()
    await discard_object(storage, path)


# --------------------------------------------------------------------------------------------
# Garbage collection


@dataclass
class GcReport:
    orphan_objects: list[tuple[str, int]] = field(default_factory=list)  # (key, size): no row
    missing_objects: list[tuple[str, str]] = field(default_factory=list)  # (file id, key): no object
    expired_uploads: list[tuple[str, str]] = field(default_factory=list)  # (pending id, key)
    deleted: bool = False

    @property
    def clean(self) -> bool:
        return not (self.orphan_objects or self.missing_objects or self.expired_uploads)


async def collect_garbage(
    db: Database,
    storage: Storage,
    *,
    delete: bool,
    grace: timedelta = timedelta(hours=1),
    progress: Callable[[str], Any] | None = None,
) -> GcReport:
    """Find objects with no row, rows whose object is gone, and expired pending uploads; remove
    them when `delete`. Rows are read before objects are listed, and objects newer than `grace`
    are spared, so an upload in flight (object landed, row not yet committed) is never taken."""
    report = GcReport()
    files = {r["path"]: r["id"] for r in await db.fetch("SELECT id, path FROM files")}
    pending = await db.fetch("SELECT id, path, expires_at < now() AS expired FROM pending_upload")
    live_pending = {r["path"] for r in pending if not r["expired"]}
    report.expired_uploads = [(r["id"], r["path"]) for r in pending if r["expired"]]
    expired_paths = {path for _, path in report.expired_uploads}
    cutoff = datetime.now(UTC) - grace
    seen: set[str] = set()
    async for obj in storage.list_objects():
        seen.add(obj.key)
        if obj.key in files or obj.key in live_pending or obj.key in expired_paths:
            continue
        if obj.last_modified is not None and obj.last_modified > cutoff:
            continue
        report.orphan_objects.append((obj.key, obj.size))
    report.missing_objects = [(fid, path) for path, fid in files.items() if path not in seen]
    if not delete:
        return report
    if report.missing_objects:
        await db.execute(
            "DELETE FROM files WHERE id = ANY($1::varchar[])", [fid for fid, _ in report.missing_objects]
        )
    if report.expired_uploads:
        await db.execute(
            "DELETE FROM pending_upload WHERE id = ANY($1::varchar[]) AND expires_at < now()",
            [pid for pid, _ in report.expired_uploads],
        )
    for key in [k for k, _ in report.orphan_objects] + [k for _, k in report.expired_uploads]:
        await storage.delete(key)
        if progress is not None:
            progress(key)
    report.deleted = True
    return report
