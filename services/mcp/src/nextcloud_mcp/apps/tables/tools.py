"""Tables tools for tables and columns (`nc_tables_*_table(s)`, `nc_tables_add_column`); rows are in row_tools.py.

Every call here uses the OCS API (v2), so it works with OAuth on a stock Nextcloud (see client.py).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.tables.client import tables_client
from nextcloud_mcp.apps.tables.models import ColumnOut, TableOut, column_out, table_out, table_summary
from nextcloud_mcp.apps.tables.params import TableId
from nextcloud_mcp.core.contract import Cursor, Limit, Page, page
from nextcloud_mcp.core.errors import InvalidInput, NextcloudError
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

Kind = Literal[
    "text-line", "text-long", "text-rich", "text-link", "number", "number-stars", "number-progress", "selection",
    "selection-multi", "selection-check", "datetime", "datetime-date", "datetime-time", "usergroup",
]  # fmt: skip


@tool(
    "nc_tables_list_tables", "List tables", "List tables with their views.",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_list_tables(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Item]:
    """Items: {id, title, rows, shared, views: [{id, title, rows}]} (loose, to keep tools/list small)."""
    tables = await tables_client(session(ctx)).list_tables()
    return page([table_summary(t).model_dump() for t in tables], limit, cursor)


@tool(
    "nc_tables_get_table", "Get a table", "A table with its views and columns (name, type, options).",
    app="tables", read_only=True, idempotent=True,
)  # fmt: skip
async def tables_get_table(ctx: Context, table_id: TableId) -> TableOut:
    client = tables_client(session(ctx))
    return table_out(await client.get_table(table_id), await client.columns("table", table_id))


@tool(
    "nc_tables_create_table", "Create a table", "Create an empty table (then nc_tables_add_column).",
    app="tables", read_only=False,
)  # fmt: skip
async def tables_create_table(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, max_length=200, description="Table title.")],
    emoji: Annotated[str | None, Field(max_length=20, description="Emoji before the title, e.g. 📚.")] = None,
    description: Annotated[str | None, Field(max_length=2000, description="What the table is for.")] = None,
) -> TableOut:
    client = tables_client(session(ctx))
    table = await client.create_table(title, emoji, description)
    try:
        return table_out(table, await client.columns("table", table.id))
    except NextcloudError as exc:
        exc.message = (
            f"Table {table.id} {title!r} was created, but reading it back failed: {exc.message} It exists; do not "
            f"create it again. Read it with nc_tables_get_table (table_id={table.id})."
        )
        raise


@tool(
    "nc_tables_add_column", "Add a column", "Add a column to a table.",
    app="tables", read_only=False,
)  # fmt: skip
async def tables_add_column(
    ctx: Context,
    table_id: TableId,
    name: Annotated[str, Field(min_length=1, max_length=200, description="Column name.")],
    type: Annotated[Kind, Field(description="Column type.")],
    required: Annotated[bool, Field(description="Every row needs a value.")] = False,
    options: Annotated[list[str] | None, Field(max_length=100, description="Labels, for selection(-multi).")] = None,
    min: Annotated[float | None, Field(description="Smallest allowed value, for number columns.")] = None,
    max: Annotated[float | None, Field(description="Largest allowed value, for number columns.")] = None,
) -> ColumnOut:
    main, _, sub = type.partition("-")
    choice = main == "selection" and sub != "check"
    if options and not choice:
        raise InvalidInput(f"options are for selection and selection-multi columns only, not {type}; omit them.")
    if (min is not None or max is not None) and main != "number":
        raise InvalidInput(f"min and max are for number columns only, not {type}; omit them.")
    # baseNodeType is required in practice: PermissionMiddleware reads it from the request before the method's default
    # applies, and without it fails with InternalError('Invalid node type') (nextcloud/tables lib/Middleware/
    # PermissionMiddleware.php::checkPermission, ApiColumnsController::create*Column's #[RequirePermission])
    body: dict[str, Any] = {"baseNodeId": table_id, "baseNodeType": "table", "title": name, "mandatory": required}
    if sub:
        body["subtype"] = sub
    if choice:
        if not options:
            raise InvalidInput(f"A {type} column needs options (a list of labels), e.g. options=['Low', 'High'].")
        body["selectionOptions"] = json.dumps([{"id": i + 1, "label": label} for i, label in enumerate(options)])
    elif main == "selection":
        body["selectionOptions"] = "[]"
    if main == "usergroup":
        body.update(usergroupSelectUsers=True, usergroupSelectGroups=True, usergroupMultipleItems=True)
    if main == "number":
        body.update({k: v for k, v in (("numberMin", min), ("numberMax", max)) if v is not None})
    return column_out(await tables_client(session(ctx)).create_column(main, body))


TOOLS: list[ToolSpec] = [tables_list_tables, tables_get_table, tables_create_table, tables_add_column]
