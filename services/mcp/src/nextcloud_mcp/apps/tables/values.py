"""Tables cell values: the model's typed values <-> what the Tables API stores, checked before sending.

The Tables app stores a value its column type cannot parse as **null, silently** (nextcloud/tables
lib/Service/RowService.php::parseValueByColumnType only logs a warning), so every value is validated here
against the column first and a wrong one is refused with an error naming the column and the expected type.

Stored forms (lib/Service/ColumnTypes/*Business.php::parseValue): text as string; number as float; selection as
the option id (a JSON *string*, e.g. "2"); selection-multi as a sorted id list; selection-check as "true"/"false";
datetime "Y-m-d H:i", datetime-date "Y-m-d", datetime-time "H:i"; usergroup a list of {id, type} (0 user,
1 group, 2 team). The model sees labels, numbers, booleans, ISO dates and user ids ("group:x", "team:x").
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Column", "InvalidValue", "decode", "encode"]

_USERGROUP_PREFIX = {"group:": 1, "team:": 2}
_LIMITS = {"number-stars": (0.0, 5.0), "number-progress": (0.0, 100.0)}
#: What the model is told each column type expects.
EXPECTED = {
    "text": "text",
    "text-link": "a URL",
    "number": "a number",
    "selection": "one option label",
    "selection-multi": "a list of option labels",
    "selection-check": "true or false",
    "datetime": "an ISO date-time (YYYY-MM-DDTHH:MM)",
    "datetime-date": "an ISO date (YYYY-MM-DD)",
    "datetime-time": "a time (HH:MM)",
    "usergroup": 'a list of user ids ("group:<id>" for groups)',
}


class InvalidValue(ValueError):
    """A value does not fit its column; the message names the column and the expected type."""


class Option(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    label: str


class Column(BaseModel):
    """The parts of a Tables ``Column`` (lib/Db/Column.php::jsonSerialize) the conversion needs."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    title: str
    type: str
    subtype: str = ""
    mandatory: bool = False
    description: str = ""
    number_min: float | None = Field(default=None, alias="numberMin")
    number_max: float | None = Field(default=None, alias="numberMax")
    number_decimals: int | None = Field(default=None, alias="numberDecimals")
    text_max_length: int | None = Field(default=None, alias="textMaxLength")
    options: list[Option] = Field(default_factory=list, alias="selectionOptions")

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:  # tables.json types it as a JSON string; the app sends a list
        if isinstance(value, str):
            try:
                return json.loads(value) if value else []
            except ValueError:
                return []
        return value or []

    @property
    def kind(self) -> str:
        """``text-line``, ``number-stars``, ``selection``, ``datetime-date``, ``usergroup``, …"""
        if self.type == "text":
            return f"text-{self.subtype or 'line'}"
        return f"{self.type}-{self.subtype}" if self.subtype else self.type

    def expected(self) -> str:
        kind = self.kind
        return EXPECTED.get(kind) or EXPECTED.get(self.type, kind)


def _fail(column: Column, value: Any, extra: str = "") -> InvalidValue:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return InvalidValue(f"Column {column.title!r} ({column.kind}) expects {column.expected()}{extra}; got {shown}.")


def _label_id(column: Column, label: Any) -> int:
    if not isinstance(label, str):
        raise _fail(column, label)
    for option in column.options:
        if option.label == label:
            return option.id
    folded = [o for o in column.options if o.label.casefold() == label.strip().casefold()]
    if len(folded) == 1:
        return folded[0].id
    labels = ", ".join(repr(o.label) for o in column.options) or "none"
    raise _fail(column, label, f" (options: {labels})")


def _number(column: Column, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(column, value)
    low, high = _LIMITS.get(column.kind, (None, None))
    low = column.number_min if column.number_min is not None else low
    high = column.number_max if column.number_max is not None else high
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(column, value, f" between {low:g} and {high:g}" if low is not None and high is not None else "")
    return value


def _datetime(column: Column, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(column, value)
    text = value.strip()
    try:
        if column.kind == "datetime-date":
            return date.fromisoformat(text[:10]).isoformat() if len(text) == 10 else _raise(column, value)
        if column.kind == "datetime-time":
            return time.fromisoformat(text).strftime("%H:%M")
        return datetime.fromisoformat(text.replace(" ", "T")).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        raise _fail(column, value) from None


def _raise(column: Column, value: Any) -> str:
    raise _fail(column, value)


def encode(column: Column, value: Any) -> Any:
    """The API value for the model's ``value`` in ``column``; raise `InvalidValue` when it does not fit."""
    kind = column.kind
    if value is None:
        if column.mandatory and kind != "selection-check":
            raise InvalidValue(f"Column {column.title!r} is required and cannot be empty.")
        return None
    if kind.startswith("text"):
        if not isinstance(value, str):
            raise _fail(column, value)
        if column.text_max_length and len(value) > column.text_max_length:
            raise _fail(column, value, f" of at most {column.text_max_length} characters")
        if kind == "text-link" and value and not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value, re.I):
            raise _fail(column, value)
        return value
    if column.type == "number":
        return _number(column, value)
    if kind == "selection":
        return _label_id(column, value)
    if kind == "selection-multi":
        if not isinstance(value, list):
            raise _fail(column, value)
        return sorted({_label_id(column, v) for v in value})
    if kind == "selection-check":
        if not isinstance(value, bool):
            raise _fail(column, value)
        return "true" if value else "false"
    if column.type == "datetime":
        return _datetime(column, value)
    if kind == "usergroup":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise _fail(column, value)
        return [_usergroup(i) for i in items]
    raise InvalidValue(f"Column {column.title!r} has type {kind}, which this server cannot write.")


def _usergroup(item: str) -> dict[str, Any]:
    for prefix, code in _USERGROUP_PREFIX.items():
        if item.startswith(prefix):
            return {"id": item[len(prefix) :], "type": code}
    return {"id": item, "type": 0}


def decode(column: Column, raw: Any) -> Any:
    """The model's value for a stored ``raw`` value (None for empty)."""
    kind = column.kind
    if raw is None or raw == "":
        return False if kind == "selection-check" else None
    if column.type == "number":
        number = float(raw) if isinstance(raw, int | float | str) and _is_number(raw) else None
        return int(number) if number is not None and number.is_integer() else number
    if kind == "selection":
        return next((o.label for o in column.options if str(o.id) == str(raw)), None)
    if kind == "selection-multi":
        ids = [str(i) for i in raw] if isinstance(raw, list) else []
        return [o.label for o in column.options if str(o.id) in ids]
    if kind == "selection-check":
        return raw is True or raw == "true"
    if kind == "datetime" and isinstance(raw, str):
        return raw.replace(" ", "T")
    if kind == "usergroup" and isinstance(raw, list):
        names = {code: prefix for prefix, code in _USERGROUP_PREFIX.items()}
        return [names.get(int(e.get("type", 0)), "") + str(e.get("id")) for e in raw if isinstance(e, dict)]
    return raw


def _is_number(raw: Any) -> bool:
    try:
        float(raw)
    except (TypeError, ValueError):
        return False
    return True
