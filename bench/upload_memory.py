"""Peak server memory while uploading a 100 MiB file: shows uploads are streamed, not buffered.

Starts a real server (uvicorn, one process) on a fresh database, signs up over GraphQL, then
uploads SIZE bytes twice with a streaming client (the body is generated chunk by chunk, so the
client holds no copy either):
  1. `uploadFile` as a GraphQL multipart request (Starlette spools it, we stream it to storage);
  2. `createUploadUrl` + a PUT of the bytes to the returned URL + `completeUpload`.
and prints the server's peak resident memory (VmHWM from /proc/<pid>/status) before and after each.

    .venv/bin/python bench/upload_memory.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/upload_memory.py --database-url ... --s3   # moto S3 server on loopback

Linux only (reads /proc). Talks HTTP to the server; the database is created with `graph-api db init`
and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from graph.migrate import drop_database

MIB = 1024 * 1024
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def body_chunks(size: int, chunk: int = MIB) -> Iterator[bytes]:
    block = os.urandom(chunk)
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        yield block[:n]
        sent += n


def multipart_stream(operations: str, size: int, boundary: str) -> Iterator[bytes]:
    """A GraphQL multipart request, generated lazily (httpx would otherwise build it in memory)."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
        + json.dumps({"0": ["variables.file"]})
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    yield head.encode()
    yield from body_chunks(size)
    yield f"\r\n--{boundary}--\r\n".encode()


def multipart_length(operations: str, size: int, boundary: str) -> int:
    return sum(len(c) for c in multipart_stream(operations, 0, boundary)) + size


def gql(client: httpx.Client, query: str, variables: dict[str, object], token: str | None = None) -> dict:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=120)
    r.raise_for_status()
    data: dict = r.json()  # type: ignore[type-arg]
    if data.get("errors"):
        raise RuntimeError(data["errors"])
    return data["data"]  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--s3", action="store_true", help="store in a moto S3 server instead of local disk")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (a PostgreSQL server URL; a fresh database is created on it)")
    size = args.size_mib * MIB

    parts = urlsplit(args.database_url)
    db_url = urlunsplit(parts._replace(path=f"/bench_upload_{secrets.token_hex(3)}"))
    data_dir = tempfile.mkdtemp(prefix="bench-upload-")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATA_DIR": data_dir,
        "UPLOAD_MAX_BYTES": str(size + MIB),
        # The JSON body cap (graph/middleware.py BodyLimit) also applies to the local PUT route
        # today; raised here so the direct-upload path is measured too.
        "MAX_BODY_BYTES": str(size + MIB),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "SEED_ADMIN_PASSWORD": "bench-admin-password",
    }
    moto = None
    if args.s3:
        from moto.server import ThreadedMotoServer

        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        host, mport = moto.get_host_and_port()
        env.update(
            S3_ENDPOINT_URL=f"http://{host}:{mport}",
            S3_BUCKET="bench-uploads",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            S3_FORCE_PATH_STYLE="true",
        )
    subprocess.run([str(BIN / "graph-api"), "db", "init"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "--factory",
            "graph.app:app_from_env",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise RuntimeError("server did not become ready")
            email = f"bench-{secrets.token_hex(4)}@example.com"
            signed = gql(
                client,
                "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
                {"i": {"email": email, "password": "bench-password-1", "name": "Bench"}},
            )
            token = signed["signUp"]["token"]
            idle = memory_kib(server.pid, "VmHWM")

            operations = json.dumps(
                {
                    "query": "mutation($file: Upload!) { uploadFile(file: $file) { id size } }",
                    "variables": {"file": None},
                }
            )
            boundary = secrets.token_hex(16)
            started = time.perf_counter()
            r = client.post(
                "/graphql",
                content=multipart_stream(operations, size, boundary),
                headers={
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(multipart_length(operations, size, boundary)),
                    "Apollo-Require-Preflight": "true",
                    "Authorization": f"Bearer {token}",
                },
                timeout=600,
            )
            multipart_seconds = time.perf_counter() - started
            r.raise_for_status()
            uploaded = r.json()
            assert uploaded["data"]["uploadFile"]["size"] == size, uploaded
            after_multipart = memory_kib(server.pid, "VmHWM")

            ticket = gql(
                client,
                "mutation($i: CreateUploadUrlInput!) { createUploadUrl(input: $i) "
                "{ id uploadUrl headers { name value } } }",
                {"i": {"name": "direct.bin", "mimeType": "application/octet-stream", "size": size}},
                token,
            )["createUploadUrl"]
            started = time.perf_counter()
            put = httpx.put(
                ticket["uploadUrl"],
                content=body_chunks(size),
                headers={h["name"]: h["value"] for h in ticket["headers"]},
                timeout=600,
            )
            put.raise_for_status()
            done = gql(
                client, "mutation($id: ID!) { completeUpload(id: $id) { size } }", {"id": ticket["id"]}, token
            )
            direct_seconds = time.perf_counter() - started
            assert done["completeUpload"]["size"] == size
            after_direct = memory_kib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(10)
        if moto is not None:
            moto.stop()
        subprocess.run(["rm", "-rf", data_dir], check=False)
        asyncio.run(drop_database(db_url))

    backend = "s3 (moto)" if args.s3 else "local disk"
    print(f"backend: {backend}; file: {args.size_mib} MiB")
    print(f"server peak RSS (VmHWM) before uploads:      {idle / 1024:7.1f} MiB")
    print(
        f"after multipart uploadFile:                  {after_multipart / 1024:7.1f} MiB "
        f"(+{(after_multipart - idle) / 1024:.1f}) in {multipart_seconds:.1f}s"
    )
    print(
        f"after direct PUT + completeUpload:           {after_direct / 1024:7.1f} MiB "
        f"(+{(after_direct - after_multipart) / 1024:.1f}) in {direct_seconds:.1f}s"
        + (" (PUT went to S3, not through the server)" if args.s3 else "")
    )


if __name__ == "__main__":
    main()
