"""Tables tools (`nc_tables_*`): rows in and out by column name, values typed and checked before sending.

Listing, schema, insert, table and column creation use the OCS API (they work with OAuth on a stock
Nextcloud); reading, updating and deleting rows exist only in the `#[CORS]` REST API (they need app
passwords or the Bearer patch in OAuth mode) - see nextcloud/tables.py.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.tables.client import Row, Table, TablesClient, tables_client
from nextcloud_mcp.apps.tables.values import Column, InvalidValue, decode, encode
from nextcloud_mcp.core.errors import BadRequest
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

Id = Annotated[int, Field(ge=1)]
Values = Annotated[dict[str, Any], Field(max_length=200, description="Column name -> value.")]
Kind = Literal[
    "text-line", "text-long", "text-rich", "text-link", "number", "number-stars", "number-progress", "selection",
    "selection-multi", "selection-check", "datetime", "datetime-date", "datetime-time", "usergroup",
]  # fmt: skip
SCAN_PAGE = 200
MAX_SCAN = 5000  # rows examined per call when filtering


class ViewOut(BaseModel):
    id: int
    title: str
    rows: int


class TableOut(BaseModel):
    id: int
    title: str
    rows: int
    shared: bool
    views: list[ViewOut]


class Tables(BaseModel):
    tables: list[TableOut]


class ColumnOut(BaseModel):
    id: int
    name: str
    type: str
    required: bool
    options: list[str]


class Schema(BaseModel):
    columns: list[ColumnOut]


class RowOut(BaseModel):
    id: int
    values: dict[str, Any]


class RowPage(BaseModel):
    rows: list[RowOut]
    next_offset: int | None


class TableRef(BaseModel):
    id: int
    title: str


class Deleted(BaseModel):
    id: int
    deleted: bool


def _t(table: Table) -> TableOut:
    views = [ViewOut(id=v.id, title=v.title, rows=v.rows) for v in table.views]
    return TableOut(
        id=table.id,
        title=f"{table.emoji} {table.title}" if table.emoji else table.title,
        rows=table.rows,
        shared=table.shared,
        views=views,
    )


def _c(column: Column) -> ColumnOut:
    options = [o.label for o in column.options]
    return ColumnOut(id=column.id, name=column.title, type=column.kind, required=column.mandatory, options=options)


def _row(row: Row, columns: list[Column]) -> RowOut:
    by_id = {c.id: c for c in columns}
    values = {by_id[c.column_id].title: decode(by_id[c.column_id], c.value) for c in row.data if c.column_id in by_id}
    return RowOut(id=row.id, values=values)


def _encode(columns: list[Column], values: dict[str, Any], *, inserting: bool) -> dict[int, Any]:
    """Column names -> ids with API values; unknown names, wrong types and missing required columns refused."""
    by_name = {c.title: c for c in columns}
    unknown = [name for name in values if name not in by_name]
    if unknown:
        known = ", ".join(repr(c.title) for c in columns)
        raise BadRequest(f"Unknown column(s) {', '.join(map(repr, unknown))}; the columns are: {known}.")
    if inserting:
        missing = [c.title for c in columns if c.mandatory and c.kind != "selection-check" and c.title not in values]
        if missing:
            raise BadRequest(f"Required column(s) missing: {', '.join(map(repr, missing))}.")
    try:
        return {by_name[name].id: encode(by_name[name], value) for name, value in values.items()}
    except InvalidValue as exc:
        raise BadRequest(str(exc)) from exc


def _node(table_id: int, view_id: int | None) -> tuple[Literal["table", "view"], int]:
    return ("view", view_id) if view_id is not None else ("table", table_id)


def _matches(row: RowOut, where: dict[str, Any]) -> bool:
    for name, wanted in where.items():
        have = row.values.get(name)
        if isinstance(have, list):
            if wanted not in have:
                return False
        elif isinstance(have, str) and isinstance(wanted, str):
            if have.casefold() != wanted.casefold():
                return False
        elif have != wanted:
            return False
    return True


@tool(
    "nc_tables_list", "List tables", "List tables and their views.",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_list(ctx: Context) -> Tables:
    return Tables(tables=[_t(t) for t in await tables_client(session(ctx)).list_tables()])


@tool(
    "nc_tables_schema", "Table columns", "Columns of a table (or view): names, types, options.",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_schema(ctx: Context, table_id: Id, view_id: Id | None = None) -> Schema:
    return Schema(columns=[_c(c) for c in await tables_client(session(ctx)).columns(*_node(table_id, view_id))])


@tool(
    "nc_tables_rows", "Read rows", "Read rows, paged; where = column values to match.",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_rows(
    ctx: Context,
    table_id: Id,
    view_id: Id | None = None,
    where: Annotated[dict[str, Any] | None, Field(max_length=20)] = None,
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
    offset: Annotated[int, Field(ge=0)] = 0,
) -> RowPage:
    client = tables_client(session(ctx))
    node = _node(table_id, view_id)
    columns = await client.columns(*node)
    if where:
        _check_names(columns, where)
    return await _page(client, node, columns, where or {}, limit, offset)


def _check_names(columns: list[Column], where: dict[str, Any]) -> None:
    names = {c.title for c in columns}
    unknown = [n for n in where if n not in names]
    if unknown:
        raise BadRequest(f"Unknown column(s) in where: {', '.join(map(repr, unknown))}.")


async def _page(
    client: TablesClient, node: tuple[Literal["table", "view"], int], columns: list[Column],
    where: dict[str, Any], limit: int, offset: int,
) -> RowPage:  # fmt: skip
    if not where:
        rows = [_row(r, columns) for r in await client.rows(*node, limit=limit, offset=offset)]
        return RowPage(rows=rows, next_offset=offset + limit if len(rows) == limit else None)
    found: list[RowOut] = []
    position = offset
    while position - offset < MAX_SCAN:
        batch = await client.rows(*node, limit=SCAN_PAGE, offset=position)
        for index, raw in enumerate(batch):
            row = _row(raw, columns)
            if _matches(row, where):
                found.append(row)
                if len(found) == limit:
                    return RowPage(rows=found, next_offset=position + index + 1)
        position += len(batch)
        if len(batch) < SCAN_PAGE:
            return RowPage(rows=found, next_offset=None)
    return RowPage(rows=found, next_offset=position)


@tool(
    "nc_tables_insert", "Insert a row", "Insert a row: values by column name, typed (labels for selections).",
    app="tables", read_only=False,
)  # fmt: skip
async def tables_insert(ctx: Context, table_id: Id, values: Values, view_id: Id | None = None) -> RowOut:
    client = tables_client(session(ctx))
    node = _node(table_id, view_id)
    columns = await client.columns(*node)
    return _row(await client.create_row(*node, _encode(columns, values, inserting=True)), columns)


@tool(
    "nc_tables_update", "Update a row", "Change some cells of a row (others stay as they are).",
    app="tables", read_only=False, idempotent=True,
)  # fmt: skip
async def tables_update(ctx: Context, row_id: Id, values: Values, view_id: Id | None = None) -> RowOut:
    client = tables_client(session(ctx))
    row = await client.get_row(row_id)
    columns = await client.columns(*_node(row.table_id, view_id))
    return _row(await client.update_row(row_id, _encode(columns, values, inserting=False), view_id), columns)


@tool(
    "nc_tables_delete", "Delete a row", "Delete one row.",
    app="tables", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def tables_delete(ctx: Context, row_id: Id) -> Deleted:
    await tables_client(session(ctx)).delete_row(row_id)
    return Deleted(id=row_id, deleted=True)


@tool("nc_tables_create", "Create a table", "Create an empty table.", app="tables", read_only=False)
async def tables_create(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, max_length=200)],
    emoji: Annotated[str | None, Field(max_length=20)] = None,
    description: Annotated[str | None, Field(max_length=2000)] = None,
) -> TableRef:
    table = await tables_client(session(ctx)).create_table(title, emoji, description)
    return TableRef(id=table.id, title=table.title)


@tool(
    "nc_tables_add_column", "Add a column", "Add a column; options = labels for selection types.",
    app="tables", read_only=False,
)  # fmt: skip
async def tables_add_column(
    ctx: Context,
    table_id: Id,
    name: Annotated[str, Field(min_length=1, max_length=200)],
    type: Kind,
    required: bool = False,
    options: Annotated[list[str] | None, Field(max_length=100)] = None,
    min: float | None = None,
    max: float | None = None,
) -> ColumnOut:
    main, _, sub = type.partition("-")
    body: dict[str, Any] = {"baseNodeId": table_id, "title": name, "mandatory": required}
    if sub:
        body["subtype"] = sub
    if main == "selection" and sub != "check":
        if not options:
            raise BadRequest(f"A {type} column needs options (a list of labels).")
        body["selectionOptions"] = json.dumps([{"id": i + 1, "label": label} for i, label in enumerate(options)])
    elif main == "selection":
        body["selectionOptions"] = "[]"
    if main == "number":
        body.update({k: v for k, v in (("numberMin", min), ("numberMax", max)) if v is not None})
    if main == "usergroup":
        body.update(usergroupSelectUsers=True, usergroupSelectGroups=True, usergroupMultipleItems=True)
    return _c(await tables_client(session(ctx)).create_column(main, body))


TOOLS: list[ToolSpec] = [
    tables_list,
    tables_schema,
    tables_rows,
    tables_insert,
    tables_update,
    tables_delete,
    tables_create,
    tables_add_column,
]
