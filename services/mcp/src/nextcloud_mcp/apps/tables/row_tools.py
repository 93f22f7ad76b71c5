"""Tables row tools (`nc_tables_*_row(s)`): values in and out by column name, typed and checked before sending.

Row creation uses the OCS API; reading, updating and deleting rows exist only in the `#[CORS]` REST API (v1), which
works with OAuth on a stock Nextcloud thanks to the OCS-APIRequest header (see client.py). Row updates are checked
against the row's `etag` (its lastEditAt, see models.py: the API has no row ETag).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.tables.client import Row, TablesClient, tables_client
from nextcloud_mcp.apps.tables.models import Deleted, RowOut, check_etag, encode_values, row_out
from nextcloud_mcp.apps.tables.params import RowId, TableId, Values, ViewId
from nextcloud_mcp.apps.tables.values import Column, decode
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, offset_of, require_etag
from nextcloud_mcp.core.errors import Forbidden, InvalidInput, NextcloudError, NotFound
from nextcloud_mcp.core.partial import unanswered
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

Node = tuple[Literal["table", "view"], int]
Where = Annotated[
    dict[str, Any] | None,
    Field(max_length=20, description='Column name -> value to match, e.g. {"Genre": "Poetry"}.'),
]
#: what core.http raises `Unavailable` from when the connection could not be opened (nothing was sent)
SCAN_PAGE = 200
MAX_SCAN = 5000  # rows examined per call when filtering


def _node(table_id: int, view_id: int | None) -> Node:
    return ("view", view_id) if view_id is not None else ("table", table_id)


def _matches(row: RowOut, where: dict[str, Any], empty: dict[str, Any]) -> bool:
    """Equal values, case-insensitive text, "contains" for lists; a cell never set counts as empty (`empty`)."""
    for name, wanted in where.items():
        have = row.values.get(name, empty.get(name))
        if isinstance(have, list):
            if wanted not in have:
                return False
        elif isinstance(have, str) and isinstance(wanted, str):
            if have.casefold() != wanted.casefold():
                return False
        elif have != wanted:
            return False
    return True


def _where(columns: list[Column], where: dict[str, Any]) -> dict[str, Any]:
    """`where` with its column names as the table spells them; unknown names refused with the valid ones."""
    exact = {c.title for c in columns}
    folded = {c.title.casefold(): c.title for c in columns}
    unknown = [n for n in where if n not in exact and n.strip().casefold() not in folded]
    if unknown:
        known = ", ".join(repr(c.title) for c in columns)
        raise InvalidInput(f"Unknown column(s) in where: {', '.join(map(repr, unknown))}; the columns are: {known}.")
    return {n if n in exact else folded[n.strip().casefold()]: v for n, v in where.items()}


async def _scan(
    client: TablesClient, node: Node, columns: list[Column], where: dict[str, Any], limit: int, start: int
) -> Page[RowOut]:
    """Rows from offset `start` on, filtered here (the API cannot filter); the cursor is the offset to go on from."""
    if not where:  # one more than asked: tells whether a next page exists
        rows = await client.rows(*node, limit=limit + 1, offset=start)
        items = [row_out(r, columns) for r in rows[:limit]]
        return Page[RowOut](items=items, next_cursor=str(start + limit) if len(rows) > limit else None, total=None)
    found: list[RowOut] = []
    empty = {c.title: decode(c, None) for c in columns}  # e.g. false for a check box never ticked
    position = start
    while position - start < MAX_SCAN:
        batch = await client.rows(*node, limit=SCAN_PAGE, offset=position)
        for index, raw in enumerate(batch):
            row = row_out(raw, columns)
            if _matches(row, where, empty):
                found.append(row)
                if len(found) == limit:
                    more = index + 1 < len(batch) or len(batch) == SCAN_PAGE
                    cursor = str(position + index + 1) if more else None
                    return Page[RowOut](items=found, next_cursor=cursor, total=None)
        position += len(batch)
        if len(batch) < SCAN_PAGE:
            return Page[RowOut](items=found, next_cursor=None, total=None)
    return Page[RowOut](items=found, next_cursor=str(position), total=None)


async def _as_read(client: TablesClient, answer: Row, columns: list[Column], done: str) -> RowOut:
    """The written row as nc_tables_get_row shows it. Tables answers a create without ``lastEditAt`` and an update with
    the ``lastEditAt`` from before it (models.py), so the row is read again for its etag; if that read is refused,
    the answer is shown without an etag rather than with a wrong one. If it fails otherwise, the error says that
    the write (`done`) happened."""
    try:
        return row_out(await client.get_row(answer.id), columns)
    except (Forbidden, NotFound):
        return row_out(answer, columns).model_copy(update={"etag": None})
    except NextcloudError as exc:
        exc.message = (
            f"{done}, but reading it back failed: {exc.message} It is saved; do not repeat the call. Read it with "
            f"nc_tables_get_row (row_id={answer.id})."
        )
        raise


@tool(
    "nc_tables_list_rows", "List rows",
    "List rows (values by column name); where filters them, pages may then hold fewer.",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_list_rows(
    ctx: Context,
    table_id: TableId,
    view_id: ViewId = None,
    where: Where = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Item]:
    """Items: what nc_tables_get_row returns (loose, to keep tools/list small)."""
    client = tables_client(session(ctx))
    node = _node(table_id, view_id)
    start = offset_of(cursor)
    columns = await client.columns(*node)
    found = await _scan(client, node, columns, _where(columns, where) if where else {}, limit, start)
    return Page[Item](items=[r.model_dump() for r in found.items], next_cursor=found.next_cursor, total=found.total)


@tool(
    "nc_tables_get_row", "Get a row", "One row, values by column name.",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_get_row(ctx: Context, row_id: RowId) -> RowOut:
    client = tables_client(session(ctx))
    row = await client.get_row(row_id)
    return row_out(row, await client.columns("table", row.table_id))


@tool(
    "nc_tables_create_row", "Create a row", "Add a row; values typed per column (nc_tables_get_table).",
    app="tables", read_only=False,
)  # fmt: skip
async def tables_create_row(ctx: Context, table_id: TableId, values: Values, view_id: ViewId = None) -> RowOut:
    client = tables_client(session(ctx))
    node = _node(table_id, view_id)
    columns = await client.columns(*node)
    try:
        created = await client.create_row(*node, encode_values(columns, values, creating=True))
    except NextcloudError as exc:
        if unanswered(exc):  # sent without an answer
            exc.message += (
                f" Look for it with nc_tables_list_rows (table_id={table_id}, where=…) before creating it again."
            )
        raise
    return await _as_read(client, created, columns, f"Row {created.id} was created in {node[0]} {node[1]}")


@tool(
    "nc_tables_update_row", "Update a row", "Change the cells given; the others stay.",
    app="tables", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def tables_update_row(
    ctx: Context, row_id: RowId, values: Values, etag: Etag = None, force: Force = False, view_id: ViewId = None
) -> RowOut:
    require_etag(etag, force, what="row", get_tool="nc_tables_get_row")
    client = tables_client(session(ctx))
    row = await client.get_row(row_id)  # just before the write: its lastEditAt is the version to compare
    columns = await client.columns(*_node(row.table_id, view_id))
    data = encode_values(columns, values, creating=False)
    if etag and not force:
        check_etag(row, etag)
    return await _as_read(client, await client.update_row(row_id, data, view_id), columns, f"Row {row_id} was updated")


@tool(
    "nc_tables_delete_row", "Delete a row", "Delete one row.",
    app="tables", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def tables_delete_row(ctx: Context, row_id: RowId) -> Deleted:
    await tables_client(session(ctx)).delete_row(row_id)
    return Deleted(id=row_id, deleted=True)


TOOLS: list[ToolSpec] = [tables_list_rows, tables_get_row, tables_create_row, tables_update_row, tables_delete_row]
