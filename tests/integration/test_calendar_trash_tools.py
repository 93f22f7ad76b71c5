"""The calendar trash tools against the fake Nextcloud's trash bin (Nextcloud >= 22), through the MCP client:
deleted events, tasks and calendars are listed, restored and deleted for good (that last step is confirmed first,
`core/confirm.py`: the user is asked when the client can elicit, else `confirm=true`); deleted calendars never show
up as calendars or task lists."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from mcp.client.context import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

RAW = httpx2.BasicAuth("alice", "alice-secret")
HOME = "/remote.php/dav/calendars/alice/"


async def _event(client: Any, title: str = "Dentist") -> dict[str, Any]:
    args = {"title": title, "start": "2026-05-04T09:00:00Z", "end": "2026-05-04T10:00:00Z", "calendar": "personal"}
    event: dict[str, Any] = structured(await client.call_tool("nc_calendar_create_event", args))
    return event


async def _trash(client: Any) -> list[dict[str, Any]]:
    out = structured(await client.call_tool("nc_calendar_list_trash", {}))
    assert set(out) == {"items", "next_cursor", "total"}
    items: list[dict[str, Any]] = out["items"]
    return items


async def test_a_deleted_event_is_listed_and_restored(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        event = await _event(client)
        args = {"calendar": "personal", "event_id": event["event_id"]}
        assert not (await client.call_tool("nc_calendar_delete_event", args)).is_error
        events = structured(
            await client.call_tool("nc_calendar_list_events", {"start": "2026-05-01", "end": "2026-06-01"})
        )
        assert events["items"] == []
        (entry,) = await _trash(client)
        assert entry["kind"] == "event" and entry["calendar"] == "personal" and entry["title"] == "Dentist"
        assert entry["uid"] == event["uid"] and entry["start"] == "2026-05-04T09:00:00Z" and entry["due"] is None
        assert entry["name"].endswith(".ics") and entry["deleted"] and entry["expires"]
        assert entry["deleted"] < entry["expires"]  # 30 days later (RetentionService)

        restored = structured(await client.call_tool("nc_calendar_restore_trash", {"name": entry["name"]}))
        assert restored == {
            "name": entry["name"],
            "kind": "event",
            "calendar": "personal",
            "uid": event["uid"],
            "result": "restored",
        }
        back = structured(await client.call_tool("nc_calendar_get_event", args))
        assert back["title"] == "Dentist" and back["event_id"] == event["event_id"]
        assert await _trash(client) == []


async def test_a_deleted_task_is_restored_by_uid(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        made = {"name": "tasks", "display_name": "Tasks", "components": ["VTODO"]}
        structured(await client.call_tool("nc_calendar_create_calendar", made))
        task = structured(await client.call_tool("nc_tasks_create_task", {"title": "Taxes", "due": "2026-04-30"}))
        ref = {"tasklist": "tasks", "task_id": task["task_id"]}
        assert not (await client.call_tool("nc_tasks_delete_task", ref)).is_error
        (entry,) = await _trash(client)
        assert (entry["kind"], entry["calendar"], entry["title"], entry["due"]) == (
            "task",
            "tasks",
            "Taxes",
            "2026-04-30",
        )
        structured(await client.call_tool("nc_calendar_restore_trash", {"name": task["uid"]}))
        assert structured(await client.call_tool("nc_tasks_get_task", ref))["title"] == "Taxes"


async def test_a_deleted_calendar_is_no_calendar_until_restored(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        made = {"name": "work", "display_name": "Work", "components": ["VEVENT", "VTODO"]}
        structured(await client.call_tool("nc_calendar_create_calendar", made))
        assert not (
            await client.call_tool("nc_calendar_delete_calendar", {"calendar": "work", "confirm": True})
        ).is_error
        calendars = structured(await client.call_tool("nc_calendar_list_calendars", {}))["items"]
        assert {c["name"] for c in calendars} == {"personal"}
        assert structured(await client.call_tool("nc_tasks_list_tasklists", {}))["items"] == []
        refused = await client.call_tool(
            "nc_calendar_create_event", {"title": "x", "start": "2026-05-04", "calendar": "work"}
        )
        assert refused.is_error and "no calendar 'work'" in error_text(refused)
        again = await client.call_tool("nc_calendar_create_calendar", {"name": "work", "display_name": "W"})
        assert again.is_error and "nc_calendar_list_trash" in error_text(again)

        (entry,) = await _trash(client)
        assert (entry["name"], entry["kind"], entry["title"], entry["uid"]) == ("work", "calendar", "Work", None)
        structured(await client.call_tool("nc_calendar_restore_trash", {"name": "Work"}))  # by display name
        calendars = structured(await client.call_tool("nc_calendar_list_calendars", {}))["items"]
        assert {c["name"] for c in calendars} == {"personal", "work"}
        assert [t["name"] for t in structured(await client.call_tool("nc_tasks_list_tasklists", {}))["items"]] == [
            "work"
        ]


async def test_deleting_for_good_without_elicitation_needs_confirm(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as client:
        event = await _event(client, "Old")
        await client.call_tool("nc_calendar_delete_event", {"calendar": "personal", "event_id": event["event_id"]})
        structured(await client.call_tool("nc_calendar_create_calendar", {"name": "work", "display_name": "Work"}))
        await client.call_tool("nc_calendar_delete_calendar", {"calendar": "work", "confirm": True})
        entries = {e["kind"]: e for e in await _trash(client)}
        assert set(entries) == {"event", "calendar"}
        losses = {
            "event": f"the trashed event 'Old' ({entries['event']['name']}) of calendar 'personal'",
            "calendar": "the trashed calendar 'Work' (work) with everything in it",
        }

        for kind, entry in entries.items():
            unconfirmed = await client.call_tool("nc_calendar_delete_trash", {"name": entry["name"]})
            text = error_text(unconfirmed)
            assert unconfirmed.is_error and f"Nothing was deleted. This would delete {losses[kind]}." in text
            assert "nc_calendar_restore_trash" in text
            assert "call nc_calendar_delete_trash again with the same arguments and confirm=true" in text
        assert len(await _trash(client)) == 2  # nothing was deleted

        for kind, entry in entries.items():
            done = structured(
                await client.call_tool("nc_calendar_delete_trash", {"name": entry["name"], "confirm": True})
            )
            assert done == {"deleted": losses[kind], "confirmed_by": "argument"}
        assert await _trash(client) == []
        gone = await control.request("PROPFIND", f"{HOME}work/", auth=RAW, headers={"Depth": "0"})
        assert gone.status_code == 404  # X-NC-CalDAV-No-Trashbin: the calendar is gone, its name free again
        structured(await client.call_tool("nc_calendar_create_calendar", {"name": "work", "display_name": "Work"}))


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_deleting_for_good_with_elicitation_the_user_decides(mcp_as: McpFactory, mode: str) -> None:
    """The user is asked; a decline deletes nothing even with confirm=true, an accepted "Delete" deletes."""
    asked: list[str] = []
    answers = [ElicitResult(action="decline"), ElicitResult(action="accept", content={"confirm": True})]

    async def user(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return answers.pop(0)

    async with mcp_as("alice") as plain, mcp_as("alice", elicitation=user, mode=mode) as client:
        event = await _event(plain, "Old")
        await plain.call_tool("nc_calendar_delete_event", {"calendar": "personal", "event_id": event["event_id"]})
        (entry,) = await _trash(plain)
        loss = f"the trashed event 'Old' ({entry['name']}) of calendar 'personal'"

        declined = await client.call_tool("nc_calendar_delete_trash", {"name": entry["name"], "confirm": True})
        assert declined.is_error and f"Nothing was deleted: the user declined deleting {loss}" in error_text(declined)
        assert len(await _trash(plain)) == 1

        done = structured(await client.call_tool("nc_calendar_delete_trash", {"name": entry["name"]}))
        assert done == {"deleted": loss, "confirmed_by": "user"}
        assert await _trash(plain) == []
    assert [m.split("?")[0] for m in asked] == [f"Delete {loss}"] * 2
    assert "cannot be undone" in asked[0]


async def test_restore_onto_a_taken_name_is_a_conflict(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        event = await _event(client)
        await client.call_tool("nc_calendar_delete_event", {"calendar": "personal", "event_id": event["event_id"]})
        other = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:other\r\nDTSTAMP:20260101T000000Z"
            "\r\nDTSTART:20260505T090000Z\r\nSUMMARY:Other\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        put = await control.put(f"{HOME}personal/{event['event_id']}", content=other.encode(), auth=RAW)
        assert put.status_code == 201
        (entry,) = await _trash(client)
        refused = await client.call_tool("nc_calendar_restore_trash", {"name": entry["name"]})
        text = error_text(refused)
        assert refused.is_error and "already exists" in text and "taken" in text
        assert len(await _trash(client)) == 1


async def test_unknown_entries_are_refused_with_the_valid_ones(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        empty = await client.call_tool("nc_calendar_restore_trash", {"name": "99.ics"})
        assert empty.is_error and "trash is empty" in error_text(empty)
        event = await _event(client)
        await client.call_tool("nc_calendar_delete_event", {"calendar": "personal", "event_id": event["event_id"]})
        unknown = await client.call_tool("nc_calendar_delete_trash", {"name": "nope", "confirm": True})
        assert unknown.is_error and "Dentist" in error_text(unknown) and "nc_calendar_list_trash" in error_text(unknown)


async def test_without_a_trash_bin_the_tools_say_so(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    fake.fake_state.set_version("21.0.9")
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_calendar_list_trash", {})
    assert result.is_error and "Nextcloud 22" in error_text(result)
