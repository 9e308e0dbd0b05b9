"""The HTTP side of files: multipart guard (CSRF preflight, body cap), local-disk URL routes,
chunked reading of uploads, and content sniffing.

Multipart uploads are parsed by Starlette, which spools each file part to a temporary file
(in memory only up to 1 MiB), so the body is never held whole in memory; `read_chunks` then
streams that spool to storage in fixed-size chunks.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from graph import errors as codes
from graph.middleware import call_with_body_limit
from graph.settings import Settings
from graph.storage import LocalStorage, content_disposition, request_base_url
from models.errors import PayloadTooLarge

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
# Room for the multipart envelope and the `operations`/`map` fields around the file bytes.
FORM_OVERHEAD = 1024 * 1024

# Any of these proves the request came from code that could pass a CORS preflight, not a
# plain HTML form (GraphQL multipart request spec, "Security"; same names as Apollo Server).
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-require-preflight")


def check_multipart_preflight(headers: Any) -> None:
    """Refuse (HTTP 400) a multipart request a browser could send cross-site without a preflight:
    one carrying none of PREFLIGHT_HEADERS. `headers` is a case-insensitive mapping."""
    if not any(headers.get(name) for name in PREFLIGHT_HEADERS):
        raise HTTPException(
            400,
            "Multipart requests must carry an 'Apollo-Require-Preflight' (or 'x-apollo-operation-name') "
            "header, to prevent cross-site request forgery",
        )


def _error_response(status: int, message: str, code: str) -> Response:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status_code=status, media_type="application/json")


class UploadsMiddleware:
    """Guards multipart POSTs to /graphql before any byte is parsed: the CSRF preflight check,
    and a cap on the body (upload limit + form overhead) enforced both on Content-Length and
    on the bytes actually received, so a chunked body cannot fill the disk spool either.

    Also records each request's base URL for local-disk file links (graph.storage)."""

    def __init__(self, app: ASGIApp, settings: Settings, path: str = "/graphql") -> None:
        self.app = app
        self.path = path
        self.max_body = settings.upload_max_bytes + FORM_OVERHEAD
        self.upload_max = settings.upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        request_base_url.set(str(request.base_url).rstrip("/"))
        content_type = request.headers.get("content-type", "")
        if not (
            scope["path"] == self.path
            and scope["method"] == "POST"
            and content_type.lower().startswith("multipart/")
        ):
            await self.app(scope, receive, send)
            return
        try:
            check_multipart_preflight(request.headers)
        except HTTPException as exc:
            await _error_response(400, exc.detail, codes.BAD_USER_INPUT)(scope, receive, send)
            return

        async def too_large(send: Send) -> None:
            await self._too_large(scope, receive, send)

        await call_with_body_limit(self.app, scope, receive, send, self.max_body, too_large)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"Upload exceeds the limit of {self.upload_max} bytes"
        await _error_response(413, message, codes.PAYLOAD_TOO_LARGE)(scope, receive, send)


async def read_chunks(upload: UploadFile, limit: int) -> AsyncIterator[bytes]:
    """The upload's bytes in CHUNK_SIZE pieces; raises PayloadTooLarge past `limit` bytes."""
    await upload.seek(0)
    total = 0
    while chunk := await upload.read(CHUNK_SIZE):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"Upload exceeds the limit of {limit} bytes")
        yield chunk


async def limited(chunks: AsyncIterable[bytes], limit: int) -> AsyncIterator[bytes]:
    """Pass `chunks` through; raises PayloadTooLarge past `limit` bytes."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"Upload exceeds the limit of {limit} bytes")
        yield chunk


# --------------------------------------------------------------------------------------------
# Content sniffing

SNIFF_BYTES = 512

# (offset, magic, type): enough for what users upload most; the name decides the rest.
_MAGIC: list[tuple[int, bytes, str]] = [
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"\x00\x00\x01\x00", "image/x-icon"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"\x1aE\xdf\xa3", "video/webm"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
    (0, b"wOFF", "font/woff"),
    (0, b"wOF2", "font/woff2"),
    (0, b"\x7fELF", "application/octet-stream"),
]

# Formats that are zip or RIFF containers: the name says which one.
_ZIP_FAMILY = (
    "application/vnd.openxmlformats",
    "application/vnd.oasis",
    "application/epub",
    "application/java",
)


def _magic(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1"):
            return "image/heic"
        if brand == b"qt  ":
            return "video/quicktime"
        return "audio/mp4" if brand == b"M4A " else "video/mp4"
    for offset, magic, mime in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return mime
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def sniff_mime(head: bytes, name: str) -> str:
    """The type of a file from its first bytes and its name; the client's claim is not used.

    Magic bytes win (a zip container keeps the name's more specific type, e.g. .docx); text
    content takes the name's type when that is textual (.json, .svg, .csv), else text/plain;
    anything else binary takes the name's type unless that type is one whose magic bytes we
    know (a .png that is not a PNG is application/octet-stream)."""
    guessed, _ = mimetypes.guess_type(name, strict=False)
    found = _magic(head)
    if found is not None:
        if found == "application/zip" and guessed and guessed.startswith(_ZIP_FAMILY):
            return guessed
        return found
    if not head:
        return guessed or "application/octet-stream"
    if _is_text(head):
        textual = guessed and (
            guessed.startswith("text/")
            or guessed.endswith(("+xml", "/xml", "/json", "+json", "/javascript", "/x-sh", "/yaml"))
        )
        return guessed if textual and guessed else "text/plain"
    known_magic = {mime for _, _, mime in _MAGIC} | {"image/webp", "audio/wav", "video/mp4", "image/heic"}
    if guessed and guessed not in known_magic and not guessed.startswith("text/"):
        return guessed
    return "application/octet-stream"


# --------------------------------------------------------------------------------------------
# Local-disk URLs: the server signs them (graph.storage.LocalStorage) and serves them here.


def _local_storage(request: Request) -> LocalStorage:
    services = getattr(request.app.state, "services", None)
    storage = services.extra.get("storage") if services is not None else None
    if not isinstance(storage, LocalStorage):
        raise HTTPException(404)
    return storage


async def serve_file(request: Request) -> Response:
    """GET /files/<token>: the object a signed download URL names, while the URL is valid."""
    storage = _local_storage(request)
    payload = storage.signer.verify(request.path_params["token"])
    if payload is None or payload.get("op") != "get":
        raise HTTPException(403, "Invalid or expired link")
    path = storage.object_path(payload["key"])
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type=payload["type"],
        headers={"Content-Disposition": content_disposition(payload["name"]), "Cache-Control": "private"},
    )


async def receive_file(request: Request) -> Response:
    """PUT /files/<token>: store exactly the announced bytes of the announced type, like a
    presigned S3 PUT (which checks the signed Content-Type and Content-Length the same way)."""
    storage = _local_storage(request)
    payload = storage.signer.verify(request.path_params["token"])
    if payload is None or payload.get("op") != "put":
        raise HTTPException(403, "Invalid or expired upload URL")
    size = int(payload["size"])
    if request.headers.get("content-type", "").strip().lower() != str(payload["type"]).lower():
        raise HTTPException(400, "Content-Type does not match the upload ticket")
    length = request.headers.get("content-length")
    if length is not None and length != str(size):
        raise HTTPException(400, "Content-Length does not match the upload ticket")
    try:
        stored = await storage.put(payload["key"], limited(request.stream(), size), mime_type=payload["type"])
    except PayloadTooLarge as exc:
        raise HTTPException(413, "Body is larger than the upload ticket allows") from exc
    if stored != size:
        await storage.delete(payload["key"])
        raise HTTPException(400, "Body size does not match the upload ticket")
    log.info("direct upload stored key=%s size=%d", payload["key"], size)
    return Response(status_code=200)


def file_routes() -> list[Route]:
    return [
        Route("/files/{token}", serve_file, methods=["GET", "HEAD"]),
        Route("/files/{token}", receive_file, methods=["PUT"]),
    ]
