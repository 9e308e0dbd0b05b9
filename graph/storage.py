"""Object storage for file bytes: S3 through aioboto3, or local disk behind the same interface.

Knows nothing of GraphQL. The app builds one Storage in its lifespan (`build_storage(settings)`,
then `await storage.open()`) and keeps it in `services.extra["storage"]`; `storage_of(context)`
returns it.

Every backend failure (unreachable endpoint, missing bucket, disk error) surfaces as
`models.errors.StorageUnavailable`, so callers never see backend exceptions and clients never
see backend messages. A missing object is not a failure: `head` returns None, `delete` succeeds.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
import hmac
import logging
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import orjson
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from graph.settings import Settings
from models.errors import StorageUnavailable

if TYPE_CHECKING:
    from graph.context import Context

log = logging.getLogger(__name__)

# S3 multipart parts must be at least 5 MiB (except the last); 8 MiB keeps the buffer small
# while a 25 MiB upload still needs only a few requests.
PART_SIZE = 8 * 1024 * 1024

# What an S3 call raises when the endpoint, the network or the bucket fails.
BACKEND_ERRORS = (BotoCoreError, ClientError, OSError)

# The base URL (scheme://host[:port]) of the request being served, set by the uploads middleware.
# Local-disk URLs use it when settings.public_url is unset, so GraphiQL links work as reached.
request_base_url: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_base_url", default=None
)


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str | None
    last_modified: datetime | None = None


@dataclass(frozen=True)
class UploadTarget:
    """Where and how a client PUTs bytes directly: the URL, the headers it must send, the deadline."""

    url: str
    headers: dict[str, str]
    expires_at: datetime


class Storage(Protocol):
    backend: str

    async def open(self) -> None:
        """Connect, and create the bucket / directory when allowed."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """True when the backend answers (readiness); never raises."""
        ...

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, mime_type: str) -> int:
        """Stream `chunks` to `key` and return the byte count. Memory use is bounded by one part,
        whatever the size. If `chunks` raises (e.g. over the size limit) or the backend fails,
        nothing is left at `key` and the exception propagates (backend errors as
        StorageUnavailable)."""
        ...

    async def head(self, key: str) -> ObjectInfo | None: ...

    async def read_start(self, key: str, size: int) -> bytes:
        """The first `size` bytes of the object (for content sniffing)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is fine."""
        ...

    def list_objects(self, prefix: str = "") -> AsyncIterator[ObjectInfo]: ...

    async def download_url(self, key: str, *, filename: str, mime_type: str) -> str:
        """A time-limited URL that downloads the object at `key`."""
        ...

    async def upload_url(self, key: str, *, mime_type: str, size: int) -> UploadTarget:
        """A time-limited URL the client PUTs exactly `size` bytes of `mime_type` to."""
        ...


def storage_of(context: Context) -> Storage:
    storage: Storage = context.services.extra["storage"]
    return storage


def build_storage(settings: Settings) -> Storage:
    """S3 when S3_BUCKET is set, else local disk under DATA_DIR/files."""
    if settings.s3_bucket:
        return S3Storage(settings)
    return LocalStorage(settings)


def content_disposition(filename: str) -> str:
    # RFC 6266: an ASCII fallback plus the exact UTF-8 name.
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --------------------------------------------------------------------------------------------
# S3


class S3Storage:
    backend = "s3"

    def __init__(self, settings: Settings) -> None:
        assert settings.s3_bucket
        self.settings = settings
        self.bucket = settings.s3_bucket
        self._stack = AsyncExitStack()
        self._client: Any = None  # aiobotocore S3 client; untyped library

    async def open(self) -> None:
        import aioboto3

        s = self.settings
        session = aioboto3.Session(
            aws_access_key_id=s.aws_access_key_id,
            aws_secret_access_key=s.aws_secret_access_key.get_secret_value()
            if s.aws_secret_access_key
            else None,
            region_name=s.s3_region,
        )
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if s.s3_force_path_style else "auto"},
            # An outage should fail a request within seconds, not hang it through long retries.
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        self._client = await self._stack.enter_async_context(
            session.client("s3", endpoint_url=s.s3_endpoint_url, config=config)
        )
        if s.s3_create_bucket:
            try:
                await self._ensure_bucket()
            except Exception:  # noqa: BLE001 - the server starts anyway; /readyz reports it
                log.warning("could not check or create bucket=%s", self.bucket, exc_info=True)

    async def _ensure_bucket(self) -> None:
        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            kwargs: dict[str, Any] = {"Bucket": self.bucket}
            if self.settings.s3_region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.settings.s3_region}
            await self._client.create_bucket(**kwargs)
            log.info("created bucket=%s", self.bucket)

    async def close(self) -> None:
        await self._stack.aclose()

    async def ping(self) -> bool:
        try:
            await self._client.head_bucket(Bucket=self.bucket)
            return True
        except Exception:  # noqa: BLE001 - readiness only reports
            log.warning("storage ping failed bucket=%s", self.bucket, exc_info=True)
            return False

    def _unavailable(self, what: str, key: str, exc: BaseException) -> StorageUnavailable:
        log.error("storage %s failed key=%s: %s", what, key, exc)
        return StorageUnavailable()

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, mime_type: str) -> int:
        c = self._client
        buffer = bytearray()
        total = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                total += len(chunk)
                buffer += chunk
                while len(buffer) >= PART_SIZE:
                    if upload_id is None:
                        created = await c.create_multipart_upload(
                            Bucket=self.bucket, Key=key, ContentType=mime_type
                        )
                        upload_id = created["UploadId"]
                    body = bytes(buffer[:PART_SIZE])
                    del buffer[:PART_SIZE]
                    number = len(parts) + 1
                    part = await c.upload_part(
                        Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
                    )
                    parts.append({"PartNumber": number, "ETag": part["ETag"]})
            if upload_id is None:
                await c.put_object(Bucket=self.bucket, Key=key, Body=bytes(buffer), ContentType=mime_type)
            else:
                if buffer or not parts:
                    number = len(parts) + 1
                    part = await c.upload_part(
                        Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=bytes(buffer)
                    )
                    parts.append({"PartNumber": number, "ETag": part["ETag"]})
                await c.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
            return total
        except BaseException as exc:
            if upload_id is not None:
                try:
                    await c.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                except Exception:  # noqa: BLE001 - the bucket's lifecycle rules or gc clean parts up
                    log.warning("abort multipart upload failed key=%s", key, exc_info=True)
            if isinstance(exc, BACKEND_ERRORS):
                raise self._unavailable("put", key, exc) from exc
            raise

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            found = await self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._unavailable("head", key, exc) from exc
        except (BotoCoreError, OSError) as exc:
            raise self._unavailable("head", key, exc) from exc
        return ObjectInfo(
            key=key,
            size=int(found["ContentLength"]),
            content_type=found.get("ContentType"),
            last_modified=found.get("LastModified"),
        )

    async def read_start(self, key: str, size: int) -> bytes:
        try:
            got = await self._client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - 1}")
            async with got["Body"] as body:
                data: bytes = await body.read()
                return data
        except BACKEND_ERRORS as exc:
            raise self._unavailable("read", key, exc) from exc

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete_object(Bucket=self.bucket, Key=key)
        except BACKEND_ERRORS as exc:
            raise self._unavailable("delete", key, exc) from exc

    async def list_objects(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ObjectInfo(
                        key=item["Key"],
                        size=int(item["Size"]),
                        content_type=None,
                        last_modified=item.get("LastModified"),
                    )
        except BACKEND_ERRORS as exc:
            raise self._unavailable("list", prefix, exc) from exc

    async def download_url(self, key: str, *, filename: str, mime_type: str) -> str:
        url: str = await self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": mime_type,
                "ResponseContentDisposition": content_disposition(filename),
            },
            ExpiresIn=self.settings.download_url_ttl_seconds,
        )
        return url

    async def upload_url(self, key: str, *, mime_type: str, size: int) -> UploadTarget:
        ttl = self.settings.upload_url_ttl_seconds
        url: str = await self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": mime_type, "ContentLength": size},
            ExpiresIn=ttl,
        )
        return UploadTarget(
            url=url,
            headers={"Content-Type": mime_type, "Content-Length": str(size)},
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )


# --------------------------------------------------------------------------------------------
# Local disk


class UrlSigner:
    """Stateless signed tokens for the local-disk URLs: payload + HMAC-SHA256, with an expiry."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, body: bytes) -> str:
        digest = hmac.new(self._secret, body, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, payload: dict[str, Any], ttl_seconds: int) -> str:
        body = base64.urlsafe_b64encode(orjson.dumps({**payload, "exp": int(time.time()) + ttl_seconds}))
        body = body.rstrip(b"=")
        return body.decode() + "." + self._mac(body)

    def verify(self, token: str) -> dict[str, Any] | None:
        """The payload when the token is authentic and not expired, else None."""
        body, _, mac = token.partition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body.encode())):
            return None
        try:
            payload: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        if not isinstance(payload, dict) or int(payload.get("exp", 0)) < time.time():
            return None
        return payload


def signing_secret(settings: Settings) -> bytes:
    """URL_SIGNING_SECRET, or (development) a random secret persisted in the data directory, so
    URLs stay valid across restarts without anything to configure."""
    if settings.url_signing_secret is not None:
        return settings.url_signing_secret.get_secret_value().encode()
    path = settings.data_dir / "files" / ".url-signing-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path.read_bytes().strip()


class LocalStorage:
    """Files under DATA_DIR/files/objects/<key>, their content type in files/meta/<key>.

    The server signs its own URLs (`/files/<token>`, served by graph.uploads) so downloads and
    direct uploads work with nothing else running.
    """

    backend = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = (settings.data_dir / "files").resolve()
        self.objects = self.root / "objects"
        self.meta = self.root / "meta"
        self.tmp = self.root / "tmp"
        self.signer = UrlSigner(b"")

    async def open(self) -> None:
        def prepare() -> bytes:
            for d in (self.objects, self.meta, self.tmp):
                d.mkdir(parents=True, exist_ok=True)
            return signing_secret(self.settings)

        self.signer = UrlSigner(await asyncio.to_thread(prepare))

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        def check() -> bool:
            return self.objects.is_dir() and os.access(self.objects, os.W_OK)

        return await asyncio.to_thread(check)

    def _path(self, base: Path, key: str) -> Path:
        # Keys are built by the server, but a path must never leave its tree whatever the key.
        path = (base / key).resolve()
        if not key or not path.is_relative_to(base) or path == base:
            raise ValueError(f"invalid object key {key!r}")
        return path

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, mime_type: str) -> int:
        target = self._path(self.objects, key)
        meta = self._path(self.meta, key)
        tmp = self.tmp / uuid.uuid4().hex
        total = 0
        try:
            f = await asyncio.to_thread(open, tmp, "wb")
            try:
                async for chunk in chunks:
                    total += len(chunk)
                    await asyncio.to_thread(f.write, chunk)
            finally:
                await asyncio.to_thread(f.close)

            def publish() -> None:
                meta.parent.mkdir(parents=True, exist_ok=True)
                meta.write_bytes(orjson.dumps({"content_type": mime_type}))
                target.parent.mkdir(parents=True, exist_ok=True)
                # Atomic: a reader sees the whole object or none.
                os.replace(tmp, target)

            await asyncio.to_thread(publish)
            return total
        except OSError as exc:
            log.error("storage put failed key=%s: %s", key, exc)
            raise StorageUnavailable() from exc
        finally:
            tmp.unlink(missing_ok=True)

    async def head(self, key: str) -> ObjectInfo | None:
        def stat() -> ObjectInfo | None:
            path = self._path(self.objects, key)
            try:
                st = path.stat()
            except FileNotFoundError:
                return None
            try:
                content_type = orjson.loads(self._path(self.meta, key).read_bytes()).get("content_type")
            except (OSError, ValueError):
                content_type = None
            return ObjectInfo(key, st.st_size, content_type, datetime.fromtimestamp(st.st_mtime, UTC))

        try:
            return await asyncio.to_thread(stat)
        except OSError as exc:
            raise StorageUnavailable() from exc

    async def read_start(self, key: str, size: int) -> bytes:
        def read() -> bytes:
            with open(self._path(self.objects, key), "rb") as f:
                return f.read(size)

        try:
            return await asyncio.to_thread(read)
        except OSError as exc:
            raise StorageUnavailable() from exc

    def object_path(self, key: str) -> Path:
        return self._path(self.objects, key)

    async def delete(self, key: str) -> None:
        def remove() -> None:
            self._path(self.objects, key).unlink(missing_ok=True)
            self._path(self.meta, key).unlink(missing_ok=True)
            # Drop the now-empty <user>/<file> directories; never the tree roots.
            for base in (self.objects, self.meta):
                parent = self._path(base, key).parent
                while parent != base and parent.is_relative_to(base):
                    try:
                        parent.rmdir()
                    except OSError:
                        break
                    parent = parent.parent

        try:
            await asyncio.to_thread(remove)
        except OSError as exc:
            raise StorageUnavailable() from exc

    async def list_objects(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        def walk() -> list[ObjectInfo]:
            found = []
            for dirpath, _dirs, files in os.walk(self.objects):
                for name in files:
                    path = Path(dirpath) / name
                    key = path.relative_to(self.objects).as_posix()
                    if key.startswith(prefix):
                        st = path.stat()
                        found.append(
                            ObjectInfo(key, st.st_size, None, datetime.fromtimestamp(st.st_mtime, UTC))
                        )
            return found

        for info in await asyncio.to_thread(walk):
            yield info

    def _url(self, token: str) -> str:
        base = self.settings.public_url or request_base_url.get()
        if not base:
            base = f"http://{self.settings.host}:{self.settings.port}"
        return base.rstrip("/") + "/files/" + token

    async def download_url(self, key: str, *, filename: str, mime_type: str) -> str:
        token = self.signer.sign(
            {"op": "get", "key": key, "name": filename, "type": mime_type},
            self.settings.download_url_ttl_seconds,
        )
        return self._url(token)

    async def upload_url(self, key: str, *, mime_type: str, size: int) -> UploadTarget:
        ttl = self.settings.upload_url_ttl_seconds
        token = self.signer.sign({"op": "put", "key": key, "type": mime_type, "size": size}, ttl)
        return UploadTarget(
            url=self._url(token),
            headers={"Content-Type": mime_type, "Content-Length": str(size)},
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )
