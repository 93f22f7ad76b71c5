"""Task tools (VTODO over CalDAV) against the fake Nextcloud, through the official MCP client."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


async def _make_list(client: Any, name: str = "tasks") -> None:
    """Nextcloud's default calendar holds VEVENT only (CalDavBackend), so tasks need a VTODO calendar."""
    args = {"name": name, "display_name": name.title(), "components": ["VTODO"]}
    structured(await client.call_tool("nc_calendar_create_calendar", args))


async def _create(client: Any, **args: Any) -> dict[str, Any]:
    lists = structured(await client.call_tool("nc_tasks_list_tasklists", {}))["items"]
    if not lists:
        await _make_list(client)
    task: dict[str, Any] = structured(await client.call_tool("nc_tasks_create_task", args))
    return task


async def _raw(control: httpx2.AsyncClient, task: dict[str, Any]) -> str:
    response = await control.get(
        f"/remote.php/dav/calendars/alice/{task['tasklist']}/{task['task_id']}",
        auth=httpx2.BasicAuth("alice", "alice-secret"),
    )
    assert response.status_code == 200
    return response.text


async def test_lists_are_calendars_with_vtodo(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(
            await client.call_tool(
                "nc_calendar_create_calendar", {"name": "events-only", "display_name": "E", "components": ["VEVENT"]}
            )
        )
        await _make_list(client)
        lists = structured(await client.call_tool("nc_tasks_list_tasklists", {}))
    assert [lst["name"] for lst in lists["items"]] == ["tasks"] and lists[
        "total"
    ] == 1  # neither personal (VEVENT only) nor events-only


async def test_create_with_zoned_and_date_due(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        zoned = await _create(client, title="Report", due="2026-03-29T17:00:00", tz="Europe/Berlin", priority=1)
        dated = await _create(client, title="Taxes", due="2026-04-30", description="forms")
    assert zoned["due"] == "2026-03-29T17:00:00+02:00" and zoned["tz"] == "Europe/Berlin" and zoned["priority"] == 1
    assert dated["due"] == "2026-04-30" and dated["tz"] is None
    assert "DUE;TZID=Europe/Berlin:20260329T170000" in await _raw(control, zoned)
    assert "DUE;VALUE=DATE:20260430" in await _raw(control, dated)


async def test_filters_complete_and_reopen(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        urgent = await _create(client, title="Urgent", due="2026-03-01T09:00:00Z", priority=1)
        later = await _create(client, title="Later", due="2026-09-01", priority=5)
        await _create(client, title="Someday")
        done = structured(
            await client.call_tool(
                "nc_tasks_complete_task", {"tasklist": urgent["tasklist"], "task_id": urgent["task_id"]}
            )
        )
        assert done["completed"] is True and done["status"] == "COMPLETED" and done["percent"] == 100
        assert "COMPLETED:" in await _raw(control, urgent)
        open_ = structured(await client.call_tool("nc_tasks_list_tasks", {}))["items"]
        completed = structured(await client.call_tool("nc_tasks_list_tasks", {"status": "completed"}))["items"]
        due = structured(await client.call_tool("nc_tasks_list_tasks", {"due_before": "2026-12-31"}))["items"]
        high = structured(await client.call_tool("nc_tasks_list_tasks", {"status": "all", "max_priority": 3}))["items"]
        reopened = structured(
            await client.call_tool(
                "nc_tasks_complete_task",
                {"tasklist": urgent["tasklist"], "task_id": urgent["uid"], "done": False, "etag": done["etag"]},
            )
        )
    assert [t["title"] for t in open_] == ["Later", "Someday"]
    assert [t["title"] for t in completed] == ["Urgent"]
    assert [t["title"] for t in due] == [later["title"]]
    assert [t["title"] for t in high] == ["Urgent"]
    assert reopened["completed"] is False and reopened["status"] == "NEEDS-ACTION"
    assert "COMPLETED:" not in await _raw(control, urgent)


async def test_subtasks_via_related_to(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        parent = await _create(client, title="Move house")
        child = await _create(client, title="Book van", parent_id=parent["task_id"], tasklist=parent["tasklist"])
        assert child["parent_uid"] == parent["uid"]
        assert f"RELATED-TO;RELTYPE=PARENT:{parent['uid']}" in await _raw(control, child)
        by_uid = await _create(client, title="Pack", parent_id=parent["uid"], tasklist="Tasks")
        assert by_uid["parent_uid"] == parent["uid"]
        detached = structured(
            await client.call_tool(
                "nc_tasks_update_task",
                {"tasklist": child["tasklist"], "task_id": child["task_id"], "parent_id": "", "etag": child["etag"]},
            )
        )
    assert detached["parent_uid"] is None


async def test_update_keeps_unknown_properties_and_conflicts_on_stale_etag(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as client:
        task = await _create(client, title="Write", due="2026-05-01")
        # another client adds an X- property and changes the title
        raw = (await _raw(control, task)).replace("SUMMARY:Write", "SUMMARY:Write more\r\nX-APPLE-SORT-ORDER:7")
        put = await control.put(
            f"/remote.php/dav/calendars/alice/{task['tasklist']}/{task['task_id']}",
            content=raw,
            headers={"Content-Type": "text/calendar", "If-Match": f'"{task["etag"]}"'},
            auth=httpx2.BasicAuth("alice", "alice-secret"),
        )
        assert put.status_code in (201, 204), put.text
        stale = await client.call_tool(
            "nc_tasks_update_task",
            {"tasklist": task["tasklist"], "task_id": task["task_id"], "etag": task["etag"], "priority": 2},
        )
        assert stale.is_error and "nothing was overwritten" in error_text(stale)
        assert "nc_tasks_get_task" in error_text(stale)
        current = structured(
            await client.call_tool("nc_tasks_get_task", {"tasklist": task["tasklist"], "task_id": task["task_id"]})
        )
        fresh = structured(
            await client.call_tool(
                "nc_tasks_update_task",
                {
                    "tasklist": task["tasklist"],
                    "task_id": task["task_id"],
                    "priority": 2,
                    "due": "",
                    "etag": current["etag"],
                },
            )
        )
    assert fresh["title"] == "Write more" and fresh["priority"] == 2 and fresh["due"] is None
    assert "X-APPLE-SORT-ORDER:7" in await _raw(control, task)


async def test_bad_values_and_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        await _make_list(client)
        bad_due = await client.call_tool("nc_tasks_create_task", {"title": "x", "due": "next week"})
        bad_pct = await client.call_tool("nc_tasks_create_task", {"title": "x", "priority": 12})
        task = await _create(client, title="Trash me")
        gone = structured(
            await client.call_tool("nc_tasks_delete_task", {"tasklist": task["tasklist"], "task_id": task["task_id"]})
        )
        left = structured(await client.call_tool("nc_tasks_list_tasks", {"status": "all"}))["items"]
    assert bad_due.is_error and "not ISO 8601" in error_text(bad_due)
    assert bad_pct.is_error
    assert gone == {"task_id": task["task_id"], "result": "deleted"} and left == []


async def test_bob_does_not_see_alices_tasks(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as alice:
        await _create(alice, title="Private")
    async with mcp_as("bob") as bob:
        await _make_list(bob)
        assert structured(await bob.call_tool("nc_tasks_list_tasks", {"status": "all"}))["items"] == []


async def test_lists_and_tasks_by_the_names_people_give(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        await _make_list(client)
        task = await _create(client, title="Call plumber", tasklist="TASKS")
        got = structured(await client.call_tool("nc_tasks_get_task", {"tasklist": "Tasks", "task_id": task["uid"]}))
        not_tasks = await client.call_tool("nc_tasks_list_tasks", {"tasklist": "Personal"})
        unknown = await client.call_tool("nc_tasks_get_task", {"tasklist": "Chores", "task_id": task["uid"]})
        missing = await client.call_tool("nc_tasks_get_task", {"tasklist": "tasks", "task_id": "nope"})
    assert got == task
    assert not_tasks.is_error and "nc_tasks_list_tasklists" in error_text(not_tasks)
    assert "components ['VTODO']" in error_text(not_tasks)
    assert unknown.is_error and "tasks (Tasks)" in error_text(unknown)
    assert missing.is_error and "nc_tasks_list_tasks" in error_text(missing)


async def test_updates_need_the_etag_read_or_force(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        task = await _create(client, title="Draft")
        ref = {"tasklist": task["tasklist"], "task_id": task["task_id"]}
        blind = await client.call_tool("nc_tasks_update_task", {**ref, "title": "Blind"})
        assert blind.is_error and "nc_tasks_get_task" in error_text(blind) and "force" in error_text(blind)
        assert "SUMMARY:Draft" in await _raw(control, task)
        forced = structured(await client.call_tool("nc_tasks_update_task", {**ref, "title": "Final", "force": True}))
        stale_delete = await client.call_tool("nc_tasks_delete_task", {**ref, "etag": task["etag"]})
    assert forced["title"] == "Final" and set(forced) == set(task)
    assert stale_delete.is_error and "nothing was deleted" in error_text(stale_delete)
    assert "SUMMARY:Final" in await _raw(control, task)
