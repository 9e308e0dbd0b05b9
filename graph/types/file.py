"""Files, read side: the declaration, the File type, its list/filter/order inputs and stats."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from graph import loaders, relay
from graph.context import Info
from graph.filters import OrderDirection, filter_values
from graph.sql import build
from graph.sql.cursor import global_id
from graph.sql.declare import (
    BELONGS_TO_USER,
    CREATED_RANGE,
    OWNED,
    OWNER_FILTER,
    RELEVANCE,
    TIMESTAMP_ORDERS,
    Filter,
    Kind,
    Op,
    Order,
    Table,
    declare,
    declare_list,
)
from graph.storage import storage_of
from graph.types.node import Node, register_node
from graph.types.owned import Owned
from models.errors import Invalid

if TYPE_CHECKING:
    pass

FILES = declare(
    Table(
        type_name="File",
        table='"files"',
        alias="f",
        columns=(
            "id",
            "name",
            "original_name",
            "mime_type",
            "size",
            "path",
            "created_at",
            "updated_at",
            "user_id",
        ),
        visibility=OWNED,
        filters={
            "mime_type": Filter(Op.EQ, "{t}.mime_type"),
            "mime_type_prefix": Filter(Op.PREFIX, "{t}.mime_type"),
            "name_contains": Filter(Op.ICONTAINS, "{t}.name"),
            "search": Filter(Op.SEARCH),
            "min_size": Filter(Op.GTE, "{t}.size"),
            "max_size": Filter(Op.LTE, "{t}.size"),
            **CREATED_RANGE,
            **OWNER_FILTER,
        },
        orders={
            "CREATED_AT": TIMESTAMP_ORDERS["CREATED_AT"],
            "NAME": Order("{t}.name", Kind.TEXT),
            "SIZE": Order("{t}.size", Kind.INT),
            "RELEVANCE": RELEVANCE,
        },
        search_column="{t}.search",
        relations={"user": BELONGS_TO_USER},
    )
)

FILE_STATS = {
    "count": "count(*)",
    "total_size": "coalesce(sum({t}.size), 0)::float8",
    "max_size": "max({t}.size)",
}
BY_MIME = {"count": "count(*)", "total_size": "sum({t}.size)::float8"}
MIME_KEY = [("mime_type", "{t}.mime_type")]


@strawberry.type(description="An uploaded file's metadata; the bytes are behind `url`.")
class File(Node, Owned):
    name: str
    original_name: str
    mime_type: str
    size: int = strawberry.field(description="Bytes.")
    path: str = strawberry.field(description="Object key in the bucket.")
    created_at: datetime
    updated_at: datetime
    pk: strawberry.Private[str]

    @strawberry.field(description="Time-limited download URL.")
    async def url(self, info: Info) -> str:
        return await storage_of(info.context).download_url(
            self.path, filename=self.name, mime_type=self.mime_type
        )

    @classmethod
    def from_row(cls, row: Any) -> File:
        return cls(
            id=strawberry.ID(global_id("File", row["id"])),
            pk=row["id"],
            name=row["name"],
            original_name=row["original_name"],
            mime_type=row["mime_type"],
            size=row["size"],
            path=row["path"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            user_id=row["user_id"],
        )


register_node("File", File.from_row)


@strawberry.input(description="File filters; all given ones must match.")
class FileFilter:
    mime_type: str | None = None
    mime_type_prefix: str | None = strawberry.field(default=None, description='e.g. "image/".')
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring; %, _ and \\ match literally."
    )
    search: str | None = strawberry.field(default=None, description="Full-text search on the name.")
    min_size: int | None = strawberry.field(default=None, description="Bytes, inclusive.")
    max_size: int | None = strawberry.field(default=None, description="Bytes, inclusive.")
    created_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    created_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Owner (admins).")


@strawberry.enum
class FileOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    NAME = "NAME"
    SIZE = "SIZE"
    RELEVANCE = strawberry.enum_value("RELEVANCE", description="Search rank; needs filter.search.")


@strawberry.input(description="A sort key; ties are always broken by id.")
class FileOrder:
    field: FileOrderField
    direction: OrderDirection = OrderDirection.DESC


@strawberry.type
class MimeTypeCount:
    mime_type: str
    count: int
    total_size: float


@strawberry.type
class FileStats:
    count: int
    total_size: float
    max_size: int | None
    _filters: strawberry.Private[dict[str, Any]]
    _owner: strawberry.Private[str | None]

    @strawberry.field(description="Count and total size per MIME type, ordered by MIME type.")
    async def by_mime_type(self, info: Info) -> list[MimeTypeCount]:
        if self._owner is None:
            rows = await relay.aggregate(info.context, FILES, self._filters, BY_MIME, MIME_KEY)
        else:
            loader = loaders.aggregates(info.context, FILES, "user_id", self._filters, BY_MIME, MIME_KEY)
            rows = await loader.load(self._owner)
        return [
            MimeTypeCount(mime_type=r["mime_type"], count=r["count"], total_size=r["total_size"])
            for r in rows
        ]

    @classmethod
    def from_records(cls, records: list[Any], filters: dict[str, Any], owner: str | None) -> FileStats:
        r: Any = records[0] if records else {"count": 0, "total_size": 0.0, "max_size": None}
        return cls(
            count=r["count"],
            total_size=r["total_size"],
            max_size=r["max_size"],
            _filters=filters,
            _owner=owner,
        )


FileConnection = relay.Connection[File]


def _sizes_not_negative(filter: FileFilter) -> None:
    if any(v is not None and v < 0 for v in (filter.min_size, filter.max_size)):
        raise Invalid({"filter": "Sizes are never negative"})


file_page = relay.pager(FILES, check=_sizes_not_negative)


declare_list([("Query", "files"), ("User", "files")], FILES, file_page)


@strawberry.type
class Query:
    @strawberry.field(description="Your files (admins: everyone's; narrow with filter.userId).")
    async def files(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: FileFilter | None = None,
        order_by: list[FileOrder] | None = None,
    ) -> FileConnection:
        info.context.require_viewer()
        page = file_page(first, after, last, before, filter, order_by)
        return await relay.connection(info.context, FILES, page, File.from_row)

    @strawberry.field(description="Count and sizes of your (filtered) files, computed in SQL.")
    async def file_stats(self, info: Info, filter: FileFilter | None = None) -> FileStats:
        info.context.require_viewer()
        filters = filter_values(FILES, filter)
        return FileStats.from_records(
            await relay.aggregate(info.context, FILES, filters, FILE_STATS), filters, None
        )


async def user_file_stats(info: Info, user_pk: str, filter: FileFilter | None) -> FileStats:
    filters = filter_values(FILES, filter)
    rows = await loaders.aggregates(info.context, FILES, "user_id", filters, FILE_STATS).load(user_pk)
    return FileStats.from_records(rows, filters, user_pk)


def user_files(info: Info, user_pk: str, page: build.Page) -> Any:
    return loaders.child_connection(info.context, FILES, "user_id", user_pk, page, File.from_row)
