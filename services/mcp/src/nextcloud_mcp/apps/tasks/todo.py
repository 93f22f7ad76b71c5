"""Tasks (VTODO, RFC 5545 §3.6.2) ↔ iCalendar with icalendar; imported by the tasks client on first use.

Fields as Nextcloud Tasks writes them (nextcloud/tasks src/models/task.js): STATUS, COMPLETED (UTC),
PERCENT-COMPLETE, PRIORITY (1 high … 9 low, 0 none), DUE/DTSTART (zoned, UTC or date), CATEGORIES,
and subtasks as `RELATED-TO;RELTYPE=PARENT:<parent UID>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import icalendar

from nextcloud_mcp.apps.calendar.ical import master, new_calendar, new_component, parse_ics, prop_dt, serialize, text
from nextcloud_mcp.apps.calendar.ical_time import TimeValue, format_value, zone_name
from nextcloud_mcp.core.errors import InvalidInput

__all__ = ["TodoFields", "apply_todo_fields", "new_todo", "set_done", "todo_view"]


@dataclass
class TodoFields:
    """Changes from the caller; None leaves a field as it is. "" clears text/date fields."""

    summary: str | None = None
    description: str | None = None
    due: TimeValue | None = None
    clear_due: bool = False
    start: TimeValue | None = None
    priority: int | None = None
    percent: int | None = None
    categories: list[str] | None = None
    parent_uid: str | None = None  # "" removes the parent


def _set(comp: icalendar.cal.Component, name: str, value: Any) -> None:
    comp.pop(name, None)
    if value is not None and value != "":
        comp.add(name, value)


def set_done(comp: icalendar.cal.Component, done: bool) -> None:
    """Complete (STATUS, COMPLETED now in UTC, 100 %) or reopen (NEEDS-ACTION, no COMPLETED, 0 %)."""
    now = datetime.now(UTC).replace(microsecond=0)
    if done:
        _set(comp, "STATUS", "COMPLETED")
        _set(comp, "COMPLETED", now)
        _set(comp, "PERCENT-COMPLETE", 100)
    else:
        _set(comp, "STATUS", "NEEDS-ACTION")
        comp.pop("COMPLETED", None)
        _set(comp, "PERCENT-COMPLETE", 0)
    _touch(comp)


def _touch(comp: icalendar.cal.Component) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _set(comp, "DTSTAMP", now)
    _set(comp, "LAST-MODIFIED", now)


def apply_todo_fields(comp: icalendar.cal.Component, fields: TodoFields) -> None:
    """Write the named fields, keeping every other property (X-props, alarms, unknown ones)."""
    for name, value in (("SUMMARY", fields.summary), ("DESCRIPTION", fields.description)):
        if value is not None:
            _set(comp, name, value)
    if fields.clear_due:
        comp.pop("DUE", None)
    if fields.due is not None:
        _set(comp, "DUE", fields.due.value)
    if fields.start is not None:
        _set(comp, "DTSTART", fields.start.value)
    start, due = prop_dt(comp, "DTSTART"), prop_dt(comp, "DUE")
    if start is not None and due is not None:
        if isinstance(start, datetime) != isinstance(due, datetime):
            raise InvalidInput("start and due must both be dates or both be date-times.")
        if due < start:
            raise InvalidInput(f"The due time {format_value(due)} is before the start {format_value(start)}.")
    if fields.priority is not None:
        if not 0 <= fields.priority <= 9:
            raise InvalidInput("priority is 1 (highest) to 9 (lowest), or 0 for none.")
        _set(comp, "PRIORITY", fields.priority)
    if fields.percent is not None:
        if not 0 <= fields.percent <= 100:
            raise InvalidInput("percent must be between 0 and 100.")
        _set(comp, "PERCENT-COMPLETE", fields.percent)
        if fields.percent == 100:
            set_done(comp, True)
        elif fields.percent > 0 and text(comp, "STATUS") in (None, "NEEDS-ACTION", "COMPLETED"):
            _set(comp, "STATUS", "IN-PROCESS")
            comp.pop("COMPLETED", None)
    if fields.categories is not None:
        comp.pop("CATEGORIES", None)
        if fields.categories:
            comp.add("CATEGORIES", fields.categories)
    if fields.parent_uid is not None:
        comp.pop("RELATED-TO", None)
        if fields.parent_uid:
            related = icalendar.vText(fields.parent_uid)
            related.params["RELTYPE"] = "PARENT"
            comp.add("RELATED-TO", related, encode=False)
    _touch(comp)


def new_todo(fields: TodoFields) -> tuple[icalendar.Calendar, icalendar.cal.Component]:
    comp = new_component("VTODO")
    _set(comp, "STATUS", "NEEDS-ACTION")
    apply_todo_fields(comp, fields)
    cal = new_calendar()
    cal.add_component(comp)
    return cal, comp


def _parent(comp: icalendar.cal.Component) -> str | None:
    raw: Any = comp.get("RELATED-TO")
    for rel in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        if str(getattr(rel, "params", {}).get("RELTYPE", "PARENT")).upper() == "PARENT":
            return str(rel)
    return None


def _categories(comp: icalendar.cal.Component) -> list[str]:
    raw: Any = comp.get("CATEGORIES")
    out: list[str] = []
    for cat in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        out += [str(c) for c in getattr(cat, "cats", [cat])]
    return out


def _int(comp: icalendar.cal.Component, name: str) -> int:
    try:
        return int(str(comp.get(name, 0) or 0))
    except ValueError:
        return 0  # a broken PRIORITY/PERCENT-COMPLETE reads as unset rather than failing the whole list


def todo_view(comp: icalendar.cal.Component) -> dict[str, Any]:
    """The fields shown to the model for one VTODO."""
    due, start, completed = prop_dt(comp, "DUE"), prop_dt(comp, "DTSTART"), prop_dt(comp, "COMPLETED")
    status = text(comp, "STATUS") or "NEEDS-ACTION"
    zoned = due if isinstance(due, datetime) else start if isinstance(start, datetime) else None
    return {
        "uid": text(comp, "UID") or "",
        "title": text(comp, "SUMMARY") or "",
        "description": text(comp, "DESCRIPTION"),
        "status": status,
        "completed": status == "COMPLETED" or completed is not None,
        "completed_at": format_value(completed) if completed is not None else None,
        "percent": _int(comp, "PERCENT-COMPLETE"),
        "priority": _int(comp, "PRIORITY"),
        "due": format_value(due) if due is not None else None,
        "start": format_value(start) if start is not None else None,
        "tz": zone_name(zoned.tzinfo) if zoned is not None else None,
        "categories": _categories(comp),
        "parent_uid": _parent(comp),
    }


def read_todo(data: bytes, name: str) -> tuple[icalendar.Calendar, icalendar.cal.Component]:
    cal = parse_ics(data, f"task {name!r}")
    return cal, master(cal, "VTODO")


def to_bytes(cal: icalendar.Calendar) -> bytes:
    return serialize(cal)
