"""Tasks (VTODO) in the semantic index, and Deck renames, against the fake Nextcloud: a task found by its
description and opened with `nc_tasks_get_task`, a completed task found, a deleted one gone after the sync, a task
list shared with bob found by bob; a calendar holding events and tasks gives each object to one source; a renamed
Deck board re-indexes its cards at the next sync, and a hit checked after a rename is re-indexed at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest

from support.mcp_helpers import McpFactory, structured
from support.semantic import NEEDS_SEMANTIC, close_index  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.anyio,
    NEEDS_SEMANTIC,
]

SEARCH, UPDATE = "nc_semantic_search_items", "nc_semantic_update_index"
_EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:standup-1\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART:20260701T090000Z\r\nDTEND:20260701T091500Z\r\nSUMMARY:Standup\r\n"
    "DESCRIPTION:Daily standup of the harbour crane team.\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _todo(uid: str, summary: str, description: str) -> str:
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n"
        f"DTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\nDESCRIPTION:{description}\r\nSTATUS:NEEDS-ACTION\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    )


def _env(tmp_path: Path) -> dict[str, str]:
    return {"MCP_SEMANTIC": "true", "MCP_SEMANTIC_PATH": str(tmp_path / "index")}


async def _search(client: Any, query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = structured(await client.call_tool(SEARCH, {"query": query, "limit": 5}))["items"]
    return items


async def _open(client: Any, hit: dict[str, Any]) -> dict[str, Any]:
    """Call the tool a hit's `open` names, with its arguments (`name key=value …`)."""
    name, *pairs = hit["open"].split(" ")
    args: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        args[key] = int(value) if value.isdigit() else value
    result = await client.call_tool(name, args)
    assert not result.is_error, result
    return structured(result)


async def _seed_calendar(control: httpx2.AsyncClient, user: str, spec: dict[str, Any]) -> None:
    response = await control.post("/__testbed__/seed/calendars", json={"user": user, "calendars": [spec]})
    assert response.status_code == 201, response.text


async def test_tasks_are_found_opened_completed_and_gone_when_deleted(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    # one calendar holding an event and a task: each is indexed once, by its own source
    await _seed_calendar(control, "alice", {"uri": "work", "name": "Work", "components": ["VEVENT", "VTODO"],
                                            "objects": [{"name": "standup.ics", "data": _EVENT}]})  # fmt: skip
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        passport = structured(await alice.call_tool("nc_tasks_create_task", {
            "title": "Renew passport", "tasklist": "work", "due": "2026-07-15", "priority": 1,
            "description": "Photos from the shop on the corner; the old passport expires in August.",
        }))  # fmt: skip
        taxes = structured(await alice.call_tool("nc_tasks_create_task", {
            "title": "File taxes", "tasklist": "work", "description": "Send the receipts to the accountant.",
        }))  # fmt: skip
        done = await alice.call_tool("nc_tasks_complete_task", {"tasklist": "work", "task_id": taxes["task_id"]})
        assert not done.is_error, done

        status = structured(await alice.call_tool(UPDATE, {}))
        assert status["last_changes"]["indexed"]["tasks"] == 2, status
        assert status["last_changes"]["indexed"]["calendar"] == 1, status  # the event, not the tasks
        assert status["chunks"]["tasks"] == 2 and status["chunks"]["calendar"] == 1, status

        hit = (await _search(alice, "photos for the travel document"))[0]
        assert hit["app"] == "tasks" and hit["id"] == f"work/{passport['task_id']}", hit
        assert hit["title"] == "Renew passport", hit
        assert hit["open"] == f"nc_tasks_get_task tasklist=work task_id={passport['task_id']}"
        opened = await _open(alice, hit)
        assert opened["title"] == "Renew passport" and "passport expires" in opened["description"]

        finished = (await _search(alice, "receipts accountant taxes"))[0]
        assert finished["id"] == f"work/{taxes['task_id']}" and "completed" in finished["snippet"], finished
        crane = (await _search(alice, "harbour crane standup"))[0]
        assert crane["app"] == "calendar" and crane["id"] == "work/standup.ics", crane

        gone = await alice.call_tool("nc_tasks_delete_task", {"tasklist": "work", "task_id": passport["task_id"]})
        assert not gone.is_error, gone
        after = structured(await alice.call_tool(UPDATE, {}))
        assert after["last_changes"]["removed"]["tasks"] == 1 and after["chunks"]["tasks"] == 1, after
        assert all(h["app"] != "tasks" or "passport" not in h["snippet"] for h in await _search(alice, "passport"))


async def test_a_task_list_shared_with_bob_is_found_by_bob(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    """The fake serves a list shared read-only by alice in bob's home (`<uri>_shared_by_alice`), as Nextcloud does."""
    shared = "chores_shared_by_alice"
    todo = _todo("gutter-1", "Clean the gutters", "Before the autumn storms; the ladder is in the shed.")
    spec = {"uri": shared, "name": "Chores (alice)", "components": ["VTODO"], "shared_by": "alice"}
    await _seed_calendar(control, "bob", {**spec, "objects": [{"name": "gutter.ics", "data": todo}]})
    async with mcp_as("bob", **_env(tmp_path)) as bob:
        status = structured(await bob.call_tool(UPDATE, {}))
        assert status["last_changes"]["indexed"]["tasks"] == 1, status
        hit = (await _search(bob, "ladder storms"))[0]
        assert hit["app"] == "tasks" and hit["id"] == f"{shared}/gutter.ics" and hit["title"] == "Clean the gutters"
        assert "ladder" in hit["snippet"], hit
        assert (await _open(bob, hit))["title"] == "Clean the gutters"


async def _board(control: httpx2.AsyncClient, user: str, spec: dict[str, Any]) -> dict[str, Any]:
    response = await control.post("/__testbed__/seed/deck", json={"user": user, "boards": [spec]})
    assert response.status_code == 201, response.text
    board: dict[str, Any] = response.json()["boards"][0]
    return board


async def _rename(client: Any, board_id: int, title: str) -> None:
    got = structured(await client.call_tool("nc_deck_get_board", {"board_id": board_id}))
    args = {"board_id": board_id, "title": title, "etag": got["etag"]}
    renamed = await client.call_tool("nc_deck_update_board", args)
    assert not renamed.is_error, renamed


async def test_a_renamed_deck_board_reaches_its_cards(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    home = await _board(control, "alice", {"title": "Household", "stacks": [{"title": "To do", "cards": [
        {"title": "Fix the roof", "description": "Call the roofer about the leaking gutter."},
        {"title": "Buy paint", "description": "Matte white for the hallway walls."},
    ]}]})  # fmt: skip
    roof = f"{home['id']}/{home['stacks'][0]['cards'][0]}"
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        assert structured(await alice.call_tool(UPDATE, {}))["last_changes"]["indexed"]["deck"] == 2
        await _rename(alice, home["id"], "Summer cottage")
        after = structured(await alice.call_tool(UPDATE, {}))  # the cards' ETags did not move; their board did
        assert after["last_changes"]["indexed"]["deck"] == 2, after
        hit = (await _search(alice, "Summer cottage roof"))[0]
        assert hit["id"] == roof and "Summer cottage" in hit["snippet"], hit

        # between syncs: a hit whose card is unchanged but whose board was renamed is re-indexed when checked
        await _rename(alice, home["id"], "Lake house")
        [checked] = [h for h in await _search(alice, "roofer leaking gutter") if h["id"] == roof]
        assert "Lake house" in checked["snippet"] and "Summer cottage" not in checked["snippet"], checked
