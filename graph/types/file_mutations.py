"""File mutations: multipart upload, direct-to-bucket upload (ticket + complete), rename, delete.

Errors are raised (not returned as union payloads): every failure has a contract code.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graph import files
from graph.context import Info
from graph.sql.cursor import global_id, pk_of
from graph.storage import storage_of
from graph.types.file import File
from models.errors import Invalid, NotFound

TICKET_TYPE = "UploadTicket"


@strawberry.type(description="An HTTP header the client must send with a direct upload.")
class Header:
    name: str
    value: str


@strawberry.type(
    description="Permission to PUT one file straight to storage. Send the bytes with an HTTP PUT to "
    "`uploadUrl` with exactly `headers`, before `expiresAt`, then call `completeUpload(id)`."
)
class UploadTicket:
    id: strawberry.ID = strawberry.field(description="Pass to completeUpload once the PUT succeeded.")
    upload_url: str = strawberry.field(description="Time-limited URL to PUT the bytes to.")
    headers: list[Header] = strawberry.field(description="Headers the PUT must carry, exactly.")
    expires_at: datetime = strawberry.field(description="After this, uploadUrl no longer accepts the bytes.")


@strawberry.input(description="A file about to be uploaded directly to storage.")
class CreateUploadUrlInput:
    name: str = strawberry.field(
        description="File name: 1..255 characters, no '/', '\\' or control characters."
    )
    mime_type: str = strawberry.field(description="Content-Type the PUT will carry, e.g. image/png.")
    size: int = strawberry.field(description="Exact size in bytes; at most the server's upload limit.")


def _pk(value: strawberry.ID, type_name: str) -> str:
    pk = pk_of(value, type_name)
    if pk is None:
        raise NotFound()
    return pk


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Upload a file with a multipart request (GraphQL multipart request spec; send an "
        "`Apollo-Require-Preflight: true` header). `name` defaults to the upload's file name. The stored "
        "mimeType is detected from the content and the name. Over the size limit: PAYLOAD_TOO_LARGE."
    )
    async def upload_file(self, info: Info, file: Upload, name: str | None = None) -> File:
        viewer = info.context.require_viewer()
        if not isinstance(file, UploadFile):
            raise Invalid({"file": "Must be a file part of a multipart request"})
        ctx = info.context
        row = await files.store_upload(ctx.db, storage_of(ctx), ctx.settings, viewer.user_id, file, name)
        return File.from_row(row)

    @strawberry.mutation(
        description="Start a direct upload: returns a time-limited URL to PUT the bytes to. Over the size "
        "limit: PAYLOAD_TOO_LARGE; bad name, type or size: BAD_USER_INPUT."
    )
    async def create_upload_url(self, info: Info, input: CreateUploadUrlInput) -> UploadTicket:
        viewer = info.context.require_viewer()
        ctx = info.context
        ticket = await files.create_ticket(
            ctx.db,
            storage_of(ctx),
            ctx.settings,
            viewer.user_id,
            name=input.name,
            mime_type=input.mime_type,
            size=input.size,
        )
        return UploadTicket(
            id=strawberry.ID(global_id(TICKET_TYPE, ticket.pending_id)),
            upload_url=ticket.url,
            headers=[Header(name=k, value=v) for k, v in ticket.headers.items()],
            expires_at=ticket.expires_at,
        )

    @strawberry.mutation(
        description="Record a direct upload once its PUT succeeded. The object must exist with the "
        "announced size and type, else BAD_USER_INPUT."
    )
    async def complete_upload(self, info: Info, id: strawberry.ID) -> File:
        viewer = info.context.require_viewer()
        ctx = info.context
        row = await files.complete_ticket(ctx.db, storage_of(ctx), viewer.user_id, _pk(id, TICKET_TYPE))
        return File.from_row(row)

    @strawberry.mutation(description="Change a file's name; its path (object key) stays.")
    async def rename_file(self, info: Info, id: strawberry.ID, name: str) -> File:
        viewer = info.context.require_viewer()
        row = await files.rename_file(info.context.db, viewer.user_id, _pk(id, "File"), name)
        return File.from_row(row)

    @strawberry.mutation(description="Delete a file and its stored bytes; returns the deleted file's id.")
    async def delete_file(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        viewer = info.context.require_viewer()
        pk = _pk(id, "File")
        await files.delete_file(info.context.db, storage_of(info.context), viewer.user_id, pk)
        return strawberry.ID(global_id("File", pk))
