"""What the semantic index reads of a task: title, status (completed ones too), start and due, priority, tags, list,
description; and the etag-only calendar-query it lists each component with."""

from __future__ import annotations

from typing import Any

from nextcloud_mcp.apps.calendar.listing import etags_query
from nextcloud_mcp.apps.tasks.index import task_text


def _view(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "",
        "description": None,
        "status": "NEEDS-ACTION",
        "completed": False,
        "completed_at": None,
        "percent": 0,
        "priority": 0,
        "due": None,
        "start": None,
        "categories": [],
    }
    return {**base, **fields}


def test_an_open_task_with_every_detail() -> None:
    view = _view(
        title="Renew passport",
        description="  Photos from the shop on the corner.\n",
        status="IN-PROCESS",
        percent=40,
        priority=1,
        start="2026-07-01",
        due="2026-07-15T17:00:00+02:00",
        categories=["Admin", "Travel"],
    )
    assert task_text(view, "Personal") == (
        "Renew passport\nStatus: in progress, 40% done\nStarts: 2026-07-01; Due: 2026-07-15T17:00:00+02:00\n"
        "Priority: 1 (high)\nTags: Admin, Travel\nTask list: Personal\n\nPhotos from the shop on the corner."
    )


def test_a_completed_task_says_when() -> None:
    view = _view(title="File taxes", status="COMPLETED", completed=True, completed_at="2026-04-30T10:00:00Z")
    assert task_text(view, "Tasks") == "File taxes\nStatus: completed 2026-04-30T10:00:00Z\nTask list: Tasks"


def test_a_bare_task_and_the_priority_words() -> None:
    assert task_text(_view(title="Call mum"), "Tasks") == "Call mum\nStatus: open\nTask list: Tasks"
    assert "Priority: 5 (medium)" in task_text(_view(priority=5), "Tasks")
    assert "Priority: 9 (low)" in task_text(_view(priority=9), "Tasks")
    assert "Status: cancelled" in task_text(_view(status="CANCELLED", completed=False), "Tasks")


def test_each_source_lists_its_own_component_only() -> None:
    events, tasks = etags_query("VEVENT"), etags_query("VTODO")
    assert '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>' in events
    assert '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter>' in tasks
    assert "calendar-data" not in events + tasks
