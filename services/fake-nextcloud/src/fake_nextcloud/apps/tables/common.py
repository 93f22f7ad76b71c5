"""Helpers shared by the Tables v1 (REST) and v2 (OCS) routes: ``$data`` decoding, titles, column creation.

Sources: nextcloud/tables ed46be1f ``lib/Controller/Api1Controller.php`` and ``RowOCSController.php`` (``$data``
decoding), ``lib/Service/ValueObject/Title.php``, ``lib/Service/ColumnService.php::create`` with
``lib/Validation/ColumnDtoValidator.php``, ``lib/Db/Column.php::fromDto`` and ``lib/Model/SelectionOption(s).php``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from fake_nextcloud.apps.tables.models import Table, TablesBackend, TablesError, View
from fake_nextcloud.apps.tables.values import InvalidArgument, TablesBadRequest
from fake_nextcloud.core.php import php_int

__all__ = ["COLUMN_TYPES", "create_column", "is_numeric", "row_data", "title_of"]

#: ``OCA\\Tables\\Constants\\ColumnType`` (lib/Constants/ColumnType.php); subtypes are not checked anywhere
COLUMN_TYPES = ("number", "text", "selection", "datetime", "usergroup", "relation")
_RESERVED = ("id", "created_by", "created_at", "last_edit_by", "last_edit_at", "data")
_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r\v\f]*$")
_TECHNICAL = re.compile(r"^[a-z][a-z0-9_]*$")  # PCRE's `$` also matches before a final newline, like Python's


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


def _edge(char: str) -> bool:
    return char in " \t\n\r\v\f" or unicodedata.category(char) in ("Zs", "Zl", "Zp")


def title_of(value: str) -> str:
    """``new Title($title)``: trimmed of ``[\\s\\p{Z}]``, not empty, at most 200 bytes, else
    ``InvalidArgumentException``."""
    start, end = 0, len(value)
    while start < end and _edge(value[start]):
        start += 1
    while end > start and _edge(value[end - 1]):
        end -= 1
    title = value[start:end]
    if title == "":
        raise InvalidArgument("Title is missing.")
    if len(title.encode("utf-8")) > 200:
        raise InvalidArgument("Title exceed maximum length of 200 bytes")
    return title


def _validate(args: Mapping[str, Any]) -> str:
    """``ColumnDtoValidator::validate($dto, true)`` + ``normalizeTitle``; answers the normalised title."""
    try:
        title = title_of(args["title"])
    except InvalidArgument as error:
        raise TablesBadRequest(str(error)) from None
    technical = args.get("technicalName")
    if technical is not None:
        if technical == "":
            raise TablesBadRequest("Technical name must not be empty.")
        if len(technical.encode("utf-8")) > 200:
            raise TablesBadRequest("Technical name must be maximum 200 characters long.")
        if technical in _RESERVED:
            raise TablesBadRequest("Technical name is reserved.")
        if _TECHNICAL.match(technical) is None:
            raise TablesBadRequest(
                "Technical name must start with a letter and contain only lowercase letters, digits, and underscores."
            )
    if args.get("textMaxLength") is not None and args["textMaxLength"] < 0:
        raise TablesBadRequest("Maximum text length must be greater than or equal to 0.")
    low, high = args.get("numberMin"), args.get("numberMax")
    if low is not None and high is not None and low > high:
        raise TablesBadRequest("Minimum number must be less than or equal to maximum number.")
    return title


def _options(raw: str | None) -> list[dict[str, Any]]:
    """``SelectionOptions::createFromInputJsonString($options ?? '[]')`` (``'null'``: no options)."""
    if raw is None or raw == "null":
        return []
    try:
        decoded = json.loads(raw or "[]")
    except ValueError:
        decoded = None
    if not isinstance(decoded, list | dict):
        raise InvalidArgument("Provided selectionOption is not a valid JSON string")
    out = []
    for item in decoded.values() if isinstance(decoded, dict) else decoded:
        if not isinstance(item, dict):  # SelectionOption::createFromInputArray(array $data): TypeError
            raise TablesError(500, "SelectionOption::createFromInputArray(): Argument #1 ($data) must be of type array")
        key = item.get("id")
        if not is_numeric(key):
            raise InvalidArgument("Only integer keys are allowed for options")
        if item.get("label") is None:
            raise InvalidArgument("Option label is missing")
        out.append({"id": php_int(key), "label": str(item["label"])})
    return out


def is_numeric(value: Any) -> bool:
    """PHP 8 ``is_numeric``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and _NUMERIC.match(value) is not None


def _or_empty(value: Any) -> str:
    """``$value ?? ''``."""
    return "" if value is None else str(value)


def _attrs(args: Mapping[str, Any]) -> dict[str, Any]:
    """``Column::fromDto``: every given field, whatever the column type."""

    def text(name: str) -> str:
        return _or_empty(args.get(name))

    attrs: dict[str, Any] = {
        "technical_name": args.get("technicalName"),
        "mandatory": bool(args.get("mandatory") or False),
        "description": text("description"),
        "number_default": args.get("numberDefault"),
        "number_min": args.get("numberMin"),
        "number_max": args.get("numberMax"),
        "number_decimals": args.get("numberDecimals"),
        "number_prefix": text("numberPrefix"),
        "number_suffix": text("numberSuffix"),
        "text_default": text("textDefault"),
        "text_allowed_pattern": text("textAllowedPattern"),
        "text_max_length": args.get("textMaxLength"),
        "text_unique": bool(args.get("textUnique") or False),
        "selection_options": _options(args.get("selectionOptions")),
        "selection_default": text("selectionDefault"),
        "datetime_default": text("datetimeDefault"),
        "usergroup_default": text("usergroupDefault"),
        "usergroup_multiple_items": bool(args.get("usergroupMultipleItems") or False),
        "usergroup_select_groups": bool(args.get("usergroupSelectGroups") or False),
    }
    if args.get("usergroupSelectUsers") is not None:
        attrs["usergroup_select_users"] = bool(args["usergroupSelectUsers"])
    return attrs


def create_column(
    b: TablesBackend, uid: str, type_: str, table: Table | None, view: View | None, args: Mapping[str, Any]
) -> dict[str, Any]:
    """``ColumnService::create`` for the bound controller arguments ``args`` (``table``/``view``: the base node;
    ``None`` for both is the ``InternalError`` of a node type that is neither ``table`` nor ``view``)."""
    if type_ not in COLUMN_TYPES:
        raise TablesBadRequest(f"Column type {type_} does not exist.")
    title = _validate(args)
    if table is None:
        raise TablesError(500, "Cannot create column without table or view in context")
    perms = b.perms(uid, table)  # canCreateColumns: manage permission on the table itself
    if not perms or not perms["manage"]:
        raise TablesError(403, f"create column for the table id = {table.id} is not allowed.")
    taken, new_title, suffix = {c.title for c in table.columns.values()}, title, 1
    while new_title in taken:  # "Add number to title to avoid duplicate"
        new_title, suffix = f"{title} ({suffix})", suffix + 1
    attrs = _attrs(args)
    column = b.add_column(uid, table, new_title, type_, _or_empty(args.get("subtype")), **attrs)
    if view is not None:
        view.columns.append(column.id)
    selected = args.get("selectedViewIds") or []
    for view_id in selected.values() if isinstance(selected, dict) else selected:
        target = b.views.get(int(view_id))  # viewService->find($viewId): the column is already stored
        if target is None:
            raise TablesError(404, f"OCA\\Tables\\Service\\ColumnService - create: view {view_id} not found")
        if b.perms(uid, b.tables[target.table_id], target) is None:
            raise TablesError(403, "Can not add column to view, no permission.")
        target.columns.append(column.id)
    return b.column_json(column)
