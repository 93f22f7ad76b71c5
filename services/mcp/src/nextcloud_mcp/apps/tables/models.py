"""What the Tables tools return, and the conversions between it and the wire models (client.py).

Row versions: the Tables API has no ETag for rows. ``Row2::jsonSerialize`` (nextcloud/tables lib/Db/Row2.php) carries
``lastEditAt``, which ``Row2Mapper::update`` (lib/Db/Row2Mapper.php) sets on every change that alters a cell and only
then (``if (count($changedCells) === 0) return $row``), and ``RowService::updateSet`` (lib/Service/RowService.php)
takes no version to check. So a row's `etag` here is its ``lastEditAt`` as ISO 8601 (UTC, to the second), and an
update re-reads the row just before writing and refuses when it differs from the caller's. Two edits within the
same second, or one between that read and the write, cannot be told apart: the best check the API allows.

Neither write answers the new version: ``Row2Mapper::insert`` returns the given ``Row2`` without its metadata (null
``lastEditAt``) and ``Row2Mapper::update`` sets ``lastEditAt`` on the row sleeve but returns the loaded ``Row2`` with
the old one. So after a create or update the row is read again (row_tools.py::_as_read) for the etag to give back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from nextcloud_mcp.apps.tables.client import Row, Table
from nextcloud_mcp.apps.tables.values import Column, InvalidValue, decode, encode
from nextcloud_mcp.core.contract import iso
from nextcloud_mcp.core.errors import Conflict, InvalidInput
from nextcloud_mcp.core.tool import Item

__all__ = [
    "ColumnOut",
    "Deleted",
    "RowOut",
    "TableOut",
    "TableSummary",
    "check_etag",
    "column_out",
    "encode_values",
    "row_etag",
    "row_out",
    "table_out",
    "table_summary",
]


class TableSummary(BaseModel):
    id: int
    title: str
    rows: int
    shared: bool
    views: list[Item]  # {id, title, rows}: loose, to keep tools/list small


class ColumnOut(BaseModel):  # by name only: every tool takes column names, never ids
    name: str
    type: str
    required: bool
    options: list[str]


class TableOut(TableSummary):
    description: str | None
    columns: list[Item]  # ColumnOut as a dict


class RowOut(BaseModel):
    id: int
    table_id: int
    values: dict[str, Any]
    etag: str | None


class Deleted(BaseModel):
    id: int
    deleted: bool


def table_summary(table: Table) -> TableSummary:
    views: list[Item] = [{"id": v.id, "title": v.title, "rows": v.rows} for v in table.views]
    title = f"{table.emoji} {table.title}" if table.emoji else table.title
    return TableSummary(id=table.id, title=title, rows=table.rows, shared=table.shared, views=views)


def table_out(table: Table, columns: list[Column]) -> TableOut:
    summary = table_summary(table)
    description = table.description or None
    shown = [column_out(c).model_dump() for c in columns]
    return TableOut(**summary.model_dump(), description=description, columns=shown)


def column_out(column: Column) -> ColumnOut:
    options = [o.label for o in column.options]
    return ColumnOut(name=column.title, type=column.kind, required=column.mandatory, options=options)


def row_etag(row: Row) -> str | None:
    """The row's version: ``lastEditAt`` (``Y-m-d H:i:s``, UTC) as ISO 8601 with its offset."""
    if not row.last_edit_at:
        return None
    try:
        return iso(datetime.strptime(row.last_edit_at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC))
    except ValueError:
        return row.last_edit_at


def row_out(row: Row, columns: list[Column]) -> RowOut:
    by_id = {c.id: c for c in columns}
    values = {by_id[c.column_id].title: decode(by_id[c.column_id], c.value) for c in row.data if c.column_id in by_id}
    return RowOut(id=row.id, table_id=row.table_id, values=values, etag=row_etag(row))


def _instant(etag: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(etag.strip().strip('"'))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def check_etag(row: Row, etag: str) -> None:
    """Refuse to write over a row whose version (``lastEditAt``, read just now) is not the one the caller read."""
    current = row_etag(row)
    if current is None:
        return  # a row without lastEditAt has no version to compare (not sent by any Tables version we know)
    if _instant(etag) is None:
        raise InvalidInput(
            f"etag {etag!r} is not a row etag (an ISO time such as {current!r}); pass the etag that "
            "nc_tables_get_row or nc_tables_list_rows returned."
        )
    if _instant(etag) != _instant(current):
        who = f" by {row.last_edit_by}" if row.last_edit_by else ""
        raise Conflict(
            f"Row {row.id} changed since you read it (etag {etag}; now {current}, edited{who}); nothing was written. "
            "Read it again with nc_tables_get_row and retry with its etag, or pass force=true to overwrite it.",
            current=current,
        )


def encode_values(columns: list[Column], values: dict[str, Any], *, creating: bool) -> dict[int, Any]:
    """Column names -> ids with API values; unknown names, wrong types and missing required columns refused."""
    by_name = {c.title: c for c in columns}
    folded = {c.title.casefold(): c for c in columns}
    resolved: dict[str, Column] = {}
    unknown = []
    for name in values:
        column = by_name.get(name) or folded.get(name.strip().casefold())
        if column is None:
            unknown.append(name)
        else:
            resolved[name] = column
    if unknown:
        known = ", ".join(repr(c.title) for c in columns)
        raise InvalidInput(f"Unknown column(s) {', '.join(map(repr, unknown))}; the columns are: {known}.")
    if creating:
        given = {c.id for c in resolved.values()}
        missing = [c.title for c in columns if c.mandatory and c.kind != "selection-check" and c.id not in given]
        if missing:
            raise InvalidInput(f"Required column(s) missing: {', '.join(map(repr, missing))}; give a value for each.")
    try:
        return {resolved[name].id: encode(resolved[name], value) for name, value in values.items()}
    except InvalidValue as exc:
        raise InvalidInput(str(exc)) from exc
