"""VTODO fields: status transitions, due/start checks, subtasks, and keeping unknown properties."""

from __future__ import annotations

import pytest

from nextcloud_mcp.apps.calendar.ical import serialize
from nextcloud_mcp.apps.calendar.ical_time import UserZone, parse_time
from nextcloud_mcp.apps.tasks.todo import TodoFields, apply_todo_fields, new_todo, read_todo, set_done, todo_view
from nextcloud_mcp.core.errors import InvalidInput

ZONE = UserZone("Europe/Berlin", "calendar")


def test_new_todo_with_zoned_due_priority_and_parent() -> None:
    due = parse_time("2026-03-29T17:00:00", None, ZONE)
    cal, _ = new_todo(TodoFields(summary="Report", due=due, priority=1, parent_uid="p-1", categories=["Work"]))
    data = serialize(cal).decode()
    assert "DUE;TZID=Europe/Berlin:20260329T170000" in data and "BEGIN:VTIMEZONE" in data
    assert "RELATED-TO;RELTYPE=PARENT:p-1" in data and "STATUS:NEEDS-ACTION" in data
    view = todo_view(read_todo(data.encode(), "t")[1])
    assert view["due"] == "2026-03-29T17:00:00+02:00" and view["tz"] == "Europe/Berlin" and view["parent_uid"] == "p-1"
    assert view["categories"] == ["Work"] and view["priority"] == 1 and not view["completed"]


def test_complete_reopen_and_percent() -> None:
    _, comp = new_todo(TodoFields(summary="x"))
    apply_todo_fields(comp, TodoFields(percent=40))
    assert todo_view(comp)["status"] == "IN-PROCESS"
    set_done(comp, True)
    view = todo_view(comp)
    assert view["completed"] and view["percent"] == 100 and view["completed_at"].endswith("Z")
    set_done(comp, False)
    assert todo_view(comp)["status"] == "NEEDS-ACTION" and "COMPLETED" not in comp


def test_unknown_properties_survive_a_change() -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:x\r\nX-APPLE-SORT-ORDER:3\r\n"
        b"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    cal, comp = read_todo(data, "a")
    apply_todo_fields(comp, TodoFields(summary="y", priority=5))
    out = serialize(cal).decode()
    assert "X-APPLE-SORT-ORDER:3" in out and "TRIGGER:-PT5M" in out and "SUMMARY:y" in out


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (TodoFields(priority=10), "priority"),
        (TodoFields(percent=101), "percent"),
        (
            TodoFields(
                start=parse_time("2026-05-02", None, ZONE),
                due=parse_time("2026-05-01", None, ZONE),
            ),
            "before the start",
        ),
    ],
)
def test_bad_values(fields: TodoFields, message: str) -> None:
    _, comp = new_todo(TodoFields(summary="x"))
    with pytest.raises(InvalidInput, match=message):
        apply_todo_fields(comp, fields)
