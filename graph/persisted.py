"""Persisted queries: Apollo's automatic persisted queries (APQ) and a production allow-list.

APQ (`extensions.persistedQuery = {"version": 1, "sha256Hash": ...}`): a request with only the hash
runs the query registered under it, or fails with PERSISTED_QUERY_NOT_FOUND so the client resends
it with the text; a request with both registers the text after checking that its SHA-256 is the
hash. Registered queries live in a bounded in-process LRU: with several workers a client may have
to register once per worker, which costs one extra round trip and nothing else.

With `persisted_queries_only`, the server runs only the operations of a committed manifest
(`persisted_queries_manifest`, a JSON object mapping each sha256 hex to its query text), by hash
or by identical text; anything else is refused and nothing is registered.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from graph.errors import (
    BAD_USER_INPUT,
    FORBIDDEN,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_FOUND_MESSAGE,
)

DEFAULT_MANIFEST = Path(__file__).parent / "persisted_queries.json"


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


@dataclass(frozen=True)
class Refusal:
    """Why a request cannot run; becomes a GraphQL error with `code` (HTTP 200)."""

    message: str
    code: str


def load_manifest(path: Path) -> dict[str, str]:
    """The manifest's {sha256: query}, each hash checked against its text."""
    raw = orjson.loads(path.read_bytes())
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object mapping sha256 hashes to queries")
    manifest: dict[str, str] = {}
    for digest, query in raw.items():
        if not isinstance(query, str) or sha256_hex(query) != digest.lower():
            raise ValueError(f"{path}: entry {digest!r} is not the sha256 of its query")
        manifest[digest.lower()] = query
    return manifest


class PersistedQueries:
    def __init__(self, *, only: Mapping[str, str] | None = None, maxsize: int = 10_000) -> None:
        """`only`: the allow-list (persisted_queries_only); None accepts any query and APQ."""
        self.only = dict(only) if only is not None else None
        self._allowed_texts = set(self.only.values()) if self.only is not None else set()
        self.maxsize = maxsize
        self._cache: OrderedDict[str, str] = OrderedDict()

    def _lookup(self, digest: str) -> str | None:
        if self.only is not None:
            return self.only.get(digest)
        query = self._cache.get(digest)
        if query is not None:
            self._cache.move_to_end(digest)
        return query

    def _register(self, digest: str, query: str) -> None:
        self._cache[digest] = query
        self._cache.move_to_end(digest)
        while len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | Refusal | None:
        """The query text to run (None: no query given), or why the request is refused."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.only is not None and query is not None and query not in self._allowed_texts:
                return Refusal("This server only runs persisted operations", FORBIDDEN)
            return query
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or persisted.get("version", 1) != 1:
            return Refusal("persistedQuery needs version 1 and a sha256Hash", BAD_USER_INPUT)
        digest = digest.lower()
        if query is None:
            found = self._lookup(digest)
            if found is None:
                return Refusal(PERSISTED_QUERY_NOT_FOUND_MESSAGE, PERSISTED_QUERY_NOT_FOUND)
            return found
        if sha256_hex(query) != digest:
            return Refusal("provided sha does not match query", BAD_USER_INPUT)
        if self.only is not None:
            return (
                query
                if digest in self.only
                else Refusal("This server only runs persisted operations", FORBIDDEN)
            )
        self._register(digest, query)
        return query
