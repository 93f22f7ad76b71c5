"""Helpers shared by the Tables v1 (REST) and v2 (OCS) routes: request parsing and column creation.

Sources: nextcloud/tables ed46be1f ``lib/Controller/Api1Controller.php`` and ``RowOCSController.php`` (``$data``
decoding), ``lib/Service/ColumnService.php::create`` (column creation, manage permission).
"""

from __future__ import annotations

import json
from typing import Any

from fake_nextcloud.apps.tables.models import TablesBackend, TablesError
from fake_nextcloud.apps.tables.values import TablesBadRequest
from fake_nextcloud.core.context import NcContext

__all__ = ["SUBTYPES", "create_column", "int_or_none", "row_data", "uid_of"]

SUBTYPES = {
    "text": ("", "line", "long", "rich", "link"),
    "number": ("", "stars", "progress"),
    "selection": ("", "multi", "check"),
    "datetime": ("", "date", "time"),
    "usergroup": ("",),
}


def uid_of(ctx: NcContext) -> str:
    assert ctx.user is not None
    return ctx.user.uid


def row_data(raw: Any) -> dict[int, Any]:
    """``$data`` of the row endpoints: a JSON string or a ``columnId => value`` object (keys cast with ``(int)``)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if isinstance(raw, list):
        raw = dict(enumerate(raw))
    if not isinstance(raw, dict):
        raise TablesError(500, "Could not create row.")
    out: dict[int, Any] = {}
    for key, value in raw.items():
        try:
            out[int(key)] = value
        except ValueError:
            out[0] = value
    return out


def int_or_none(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def create_column(ctx: NcContext, backend: TablesBackend, uid: str, type_: str, node: Any, node_type: str) -> Any:
    """``ColumnService::create`` (manage permission on the table needed)."""
    view = None
    if node_type == "view":
        table, view = backend.view(uid, int(node))
    else:
        table = backend.table(uid, int(node))
    perms = backend.perms(uid, table)
    if not perms or not perms["manage"]:
        raise TablesError(403, f"User {uid} cannot manage node {table.id} (type 0)")
    title = ctx.param("title")
    if not isinstance(title, str) or not title:
        raise TablesBadRequest("Title is missing")
    subtype = str(ctx.param("subtype") or "")
    if subtype not in SUBTYPES[type_]:
        raise TablesBadRequest(f"Unknown subtype {subtype} for column type {type_}")
    attrs: dict[str, Any] = {
        "mandatory": bool(ctx.param("mandatory", False)),
        "description": ctx.param("description") or "",
    }
    if type_ == "number":
        for name, key in (
            ("numberMin", "number_min"),
            ("numberMax", "number_max"),
            ("numberDefault", "number_default"),
        ):
            if ctx.param(name) is not None:
                attrs[key] = float(ctx.param(name))
        attrs["number_decimals"] = int_or_none(ctx.param("numberDecimals"))
        attrs["number_prefix"] = str(ctx.param("numberPrefix") or "")
        attrs["number_suffix"] = str(ctx.param("numberSuffix") or "")
    elif type_ == "text":
        attrs["text_max_length"] = int_or_none(ctx.param("textMaxLength"))
        attrs["text_default"] = str(ctx.param("textDefault") or "")
    elif type_ == "selection":
        raw = ctx.param("selectionOptions") or "[]"
        options = json.loads(raw) if isinstance(raw, str) else raw
        attrs["selection_options"] = [{"id": int(o["id"]), "label": str(o["label"])} for o in options]
        attrs["selection_default"] = str(ctx.param("selectionDefault") or "")
    elif type_ == "datetime":
        attrs["datetime_default"] = str(ctx.param("datetimeDefault") or "")
    elif type_ == "usergroup":
        attrs["usergroup_multiple_items"] = bool(ctx.param("usergroupMultipleItems", False))
        attrs["usergroup_select_groups"] = bool(ctx.param("usergroupSelectGroups", False))
    column = backend.add_column(uid, table, title, type_, subtype, **attrs)
    if view is not None:
        view.columns.append(column.id)
    return backend.column_json(column)
