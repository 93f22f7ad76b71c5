"""The parameters the Tables tools share, each described once (where its value comes from, its format)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

__all__ = ["RowId", "TableId", "Values", "ViewId"]

TableId = Annotated[int, Field(ge=1, description="Table id (nc_tables_list_tables).")]
ViewId = Annotated[int | None, Field(ge=1, description="View id (nc_tables_list_tables); omit for the table.")]
RowId = Annotated[int, Field(ge=1, description="Row id (nc_tables_list_rows).")]
Values = Annotated[dict[str, Any], Field(max_length=200, description='By column name, e.g. {"Pages": 412}.')]
