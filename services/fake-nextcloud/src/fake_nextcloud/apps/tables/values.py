"""Cell values per column type, as the Tables app parses and checks them before storing a row.

nextcloud/tables ``lib/Service/RowService.php::cleanupData`` runs, per cell: ``validateColumnValueLimits``
(text max length, number min/max -> ``BadRequestError``), the type's ``validateValue`` (usergroup entries,
unique text), then ``parseValueByColumnType``: if the type's ``canBeParsed`` is false the value is stored as
``null`` **silently** (only a log warning) - the quirk that makes client-side validation necessary.
Type classes: ``lib/Service/ColumnTypes/{Text*,Number*,Selection*,Datetime*,Usergroup}Business.php``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fake_nextcloud.apps.tables.columns import Column

__all__ = ["EnumValueError", "InvalidArgument", "TablesBadRequest", "parse_cell"]

# SelectionCheckBusiness::PATTERN_POSITIVE / PATTERN_NEGATIVE (loose in_array for canBeParsed)
_POSITIVE = ("yes", "1", "true", "TRUE")
_NEGATIVE = ("no", "0", "false", "FALSE")
_USERGROUP_TYPES = (0, 1, 2)  # UsergroupType::USER, GROUP, CIRCLE


class TablesBadRequest(Exception):
    """``OCA\\Tables\\Errors\\BadRequestError`` -> 400 ``{"message": ...}`` where the controller catches it."""

    php_class = "BadRequestError"


class InvalidArgument(TablesBadRequest):
    """PHP's ``\\InvalidArgumentException`` (``Service/ValueObject/Title``, ``Model/SelectionOption``): not a
    ``BadRequestError``; 400 where caught, and ``ShareControlMiddleware::afterException`` answers it with 400."""

    php_class = "InvalidArgumentException"


class EnumValueError(TablesBadRequest):
    """PHP's ``\\ValueError`` of ``BackedEnum::from`` (an ``\\Error``, so ``catch (Exception)`` misses it)."""

    php_class = "ValueError"


def _php_float(value: Any) -> float | None:
    """``floatval`` for the inputs a JSON body can carry (None when PHP would give 0 for junk)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _valid_date(value: Any, fmt: str) -> bool:
    """``SuperBusiness::isValidDate``: ``DateTime::createFromFormat`` and an exact round trip."""
    if not isinstance(value, str):
        return False
    try:
        return datetime.strptime(value, fmt).strftime(fmt) == value
    except ValueError:
        return False


def _check_limits(column: Column, value: Any) -> None:
    """``RowService::validateColumnValueLimits``."""
    text = isinstance(value, str) and column.type == "text"
    if text and column.text_max_length and len(value) > column.text_max_length:
        raise TablesBadRequest(f"Value for column {column.title} exceeds maximum length of {column.text_max_length}")
    if column.type == "number" and value not in (None, ""):
        number = _php_float(value)
        if number is not None and column.number_min is not None and number < column.number_min:
            raise TablesBadRequest(
                f"Value for column {column.title} is less than minimum allowed value of {column.number_min:g}"
            )
        if number is not None and column.number_max is not None and number > column.number_max:
            raise TablesBadRequest(
                f"Value for column {column.title} exceeds maximum allowed value of {column.number_max:g}"
            )


def _validate_usergroup(value: Any, known_users: set[str], known_groups: set[str]) -> None:
    """``UsergroupBusiness::validateValue``."""
    if value is None:
        return
    if not isinstance(value, list):
        raise TablesBadRequest("Invalid value for usergroup column")
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise TablesBadRequest("Invalid value for usergroup id")
        if not isinstance(entry.get("type"), int) or isinstance(entry.get("type"), bool):
            raise TablesBadRequest("Invalid usergroup type")
        if entry["type"] == 0 and entry["id"] not in known_users:
            raise TablesBadRequest("User not found")
        if entry["type"] == 1 and entry["id"] not in known_groups:
            raise TablesBadRequest("Group not found")


def _parse(column: Column, value: Any) -> tuple[bool, Any]:
    """(canBeParsed, parsed value) of the column's type business class."""
    kind = column.kind
    if kind.startswith("text"):  # SuperBusiness: any value, json_encode'd
        return True, value if value is None or isinstance(value, str) else str(value)
    if kind.startswith("number"):  # NumberBusiness: `!$value || floatval($value)`
        number = _php_float(value)
        if value in (None, "", 0, "0") or value is False:
            return True, None if value in (None, "") else 0.0
        if number is None or number == 0 or math.isnan(number):
            return False, None
        return True, number
    if kind == "selection":  # SelectionBusiness: option id, stored as a JSON *string*
        if value is None:
            return True, ""
        ids = {int(o["id"]) for o in column.selection_options}
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
            return False, None
        return (int(value) in ids), str(int(value)) if int(value) in ids else None
    if kind == "selection-multi":  # SelectionMultiBusiness: ids, or comma-separated labels
        if value is None:
            return True, []
        by_label = {str(o["label"]): int(o["id"]) for o in column.selection_options}
        ids = set(by_label.values())
        items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list):
            return False, None
        out: list[int] = []
        for item in items:
            if isinstance(value, str):
                if item not in by_label:
                    return False, None
                out.append(by_label[item])
            elif isinstance(item, int | str) and str(item).isdigit() and int(item) in ids:
                out.append(int(item))
            else:
                return False, None
        return True, sorted(out)
    if kind == "selection-check":
        if value is None:
            return True, "false"
        if value is True or value in _POSITIVE or value == 1:
            return True, "true"
        if value is False or value in _NEGATIVE or value == 0:
            return True, "false"
        return False, None
    if kind in ("datetime", "datetime-date", "datetime-time"):
        fmt = {"datetime": "%Y-%m-%d %H:%M", "datetime-date": "%Y-%m-%d", "datetime-time": "%H:%M"}[kind]
        ok = _valid_date(value, fmt)
        return ok, value if ok else None
    if kind == "usergroup":
        return True, [] if value is None else value
    return False, None


def parse_cell(column: Column, value: Any, known_users: set[str], known_groups: set[str]) -> Any:
    """The value stored for ``value`` in ``column`` (``None`` when the type cannot parse it)."""
    _check_limits(column, value)
    if column.kind == "usergroup":
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise TablesBadRequest("Invalid value for usergroup column") from None
        _validate_usergroup(value, known_users, known_groups)
    ok, parsed = _parse(column, value)
    return parsed if ok else None
