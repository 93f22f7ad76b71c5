"""No lost updates: two clients edit the same item at the same time from the same version; one wins,
the other gets a conflict error, and nothing is silently overwritten.

Notes and files run now. Events, contacts and Deck cards belong to toolsets being added; their tests
check the tool exists in tools/list and skip (naming the tool) until it does; once it exists they check
the conflict-safety contract of its schema (an `etag` to send back) and run the same race.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


async def _race(clients: list[Client], tool: str, calls: list[dict[str, Any]]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    async def one(i: int) -> None:
        results[i] = await clients[i].call_tool(tool, calls[i])

    async with anyio.create_task_group() as tg:
        for i in range(len(calls)):
            tg.start_soon(one, i)
    return results


def _one_winner(results: list[Any]) -> int:
    winners = [i for i, r in enumerate(results) if not r.is_error]
    losers = [r for r in results if r.is_error]
    assert len(winners) == 1, [error_text(r) for r in results]
    for loser in losers:
        text = error_text(loser).lower()
        assert "changed" in text or "conflict" in text, text
    return winners[0]


async def test_concurrent_note_edits_one_wins_one_conflicts(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as a, mcp_as("alice") as b:
        note = structured(await a.call_tool("nc_notes_create_note", {"title": "shared", "content": "v0"}))
        read = structured(await b.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
        for round_ in range(5):
            calls = [
                {"note_id": note["id"], "etag": read["etag"], "content": f"from A {round_}"},
                {"note_id": note["id"], "etag": read["etag"], "content": f"from B {round_}"},
            ]
            winner = _one_winner(await _race([a, b], "nc_notes_update_note", calls))
            read = structured(await a.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
            assert read["content"] == calls[winner]["content"]  # the loser overwrote nothing


async def test_concurrent_appends_keep_both_texts(mcp_as: McpFactory) -> None:
    """Append re-reads and retries on conflict, so both additions survive."""
    async with mcp_as("alice") as a, mcp_as("alice") as b:
        note = structured(await a.call_tool("nc_notes_create_note", {"title": "log", "content": "start"}))
        calls = [{"note_id": note["id"], "text": "line A"}, {"note_id": note["id"], "text": "line B"}]
        results = await _race([a, b], "nc_notes_append_note", calls)
        assert all(not r.is_error for r in results), [error_text(r) for r in results]
        content = structured(await a.call_tool("nc_notes_get_note", {"note_id": note["id"]}))["content"]
        assert "line A" in content and "line B" in content and content.startswith("start")


async def test_interleaved_file_edits_one_wins_one_conflicts(mcp_as: McpFactory) -> None:
    """Both read, A writes, then B writes from its stale read. (The two PUTs are not raced on the wire:
    the fake checks If-Match before it streams the body, without Nextcloud's file lock, so a true
    race tests the fake, not this server; the notes race above is atomic in the fake.)"""
    async with mcp_as("alice") as a, mcp_as("alice") as b:
        structured(await a.call_tool("nc_files_write_file", {"path": "plan.md", "text": "v0"}))
        for round_ in range(3):
            seen_a = structured(await a.call_tool("nc_files_get_file", {"path": "plan.md"}))
            seen_b = structured(await b.call_tool("nc_files_get_file", {"path": "plan.md"}))
            first = {"path": "plan.md", "text": f"A{round_}", "etag": seen_a["etag"]}
            structured(await a.call_tool("nc_files_write_file", first))
            late = await b.call_tool(
                "nc_files_write_file", {"path": "plan.md", "text": f"B{round_}", "etag": seen_b["etag"]}
            )
            assert late.is_error and "changed since you read it" in error_text(late)
            assert structured(await a.call_tool("nc_files_read_file", {"path": "plan.md"}))["text"] == f"A{round_}"


async def test_file_writes_without_an_etag_never_replace(mcp_as: McpFactory) -> None:
    """Without an etag a write only creates (`If-None-Match: *`): the second writer learns the file exists."""
    async with mcp_as("alice") as a, mcp_as("alice") as b:
        structured(await a.call_tool("nc_files_write_file", {"path": "new.md", "text": "A"}))
        late = await b.call_tool("nc_files_write_file", {"path": "new.md", "text": "B"})
        assert late.is_error and "already exists" in error_text(late)
        assert structured(await a.call_tool("nc_files_read_file", {"path": "new.md"}))["text"] == "A"


async def _tools(mcp_as: McpFactory) -> set[str]:
    async with mcp_as("alice", all_tools=True) as client:
        return {t.name for t in (await client.list_tools()).tools}


DAV_ITEMS = {
    "event": (
        "nc_calendar_create_event",
        {"title": "meeting", "start": "2026-12-01T10:00:00", "end": "2026-12-01T11:00:00"},
        "nc_calendar_update_event",
        ("calendar", "event_id"),
        "title",
    ),
    "contact": (
        "nc_contacts_create_contact",
        {"name": "Ann"},
        "nc_contacts_update_contact",
        ("addressbook", "contact_id"),
        "name",
    ),
}


@pytest.mark.parametrize("kind", list(DAV_ITEMS))
async def test_concurrent_dav_item_edits_one_wins_one_conflicts(mcp_as: McpFactory, kind: str) -> None:
    """Two clients edit the same event / contact from the same etag: the second write is refused.

    Interleaved rather than raced on the wire, for the reason given for files above."""
    create, create_args, update, keys, field = DAV_ITEMS[kind]
    if not {create, update} <= await _tools(mcp_as):
        pytest.skip(f"{create}/{update} not in tools/list yet (toolset being added)")
    async with mcp_as("alice", all_tools=True) as a, mcp_as("alice", all_tools=True) as b:
        item = structured(await a.call_tool(create, create_args))
        ref = {k: item[k] for k in keys}
        first = await a.call_tool(update, {**ref, "etag": item["etag"], field: "from A"})
        structured(first)
        late = await b.call_tool(update, {**ref, "etag": item["etag"], field: "from B"})
        assert late.is_error, f"{update} overwrote a concurrent change"
        text = error_text(late).lower()
        assert "changed" in text or "conflict" in text or "etag" in text, text


@pytest.mark.parametrize(
    ("app", "noun"), [("calendar", "event"), ("contacts", "contact"), ("deck", "card"), ("tasks", "task")]
)
async def test_other_apps_update_tools_are_conflict_safe(mcp_as: McpFactory, app: str, noun: str) -> None:
    async with mcp_as("alice", all_tools=True) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    updates = [n for n in tools if n.startswith(f"nc_{app}_") and "update" in n and noun in n] or [
        n for n in tools if n.startswith(f"nc_{app}_") and "update" in n
    ]
    if not updates:
        pytest.skip(f"no nc_{app}_*update* tool in tools/list yet (the {app} toolset is being added)")
    for name in updates:
        props = tools[name].input_schema.get("properties", {})
        versioned = {"etag", "if_match", "last_modified", "version"} & set(props)
        assert versioned, f"{name} takes no etag or version to check, so a concurrent edit can be lost"
