"""Semantic search (`MCP_SEMANTIC`, issue 25) against the fake Nextcloud: alice's notes and text files indexed in an
embedded Qdrant folder with the offline wordllama model, found by meaning; bob, indexed into the same store, never
sees alice's chunks; a deleted note's chunks go; a changed etag re-indexes."""

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

SEARCH, UPDATE, STATUS = "nc_semantic_search_items", "nc_semantic_update_index", "nc_semantic_get_index"


async def _notes(control: httpx2.AsyncClient, user: str, *notes: dict[str, Any]) -> list[dict[str, Any]]:
    response = await control.post("/__testbed__/seed/notes", json={"user": user, "notes": list(notes)})
    assert response.status_code == 201, response.text
    created: list[dict[str, Any]] = response.json()["notes"]
    return created


async def _files(control: httpx2.AsyncClient, user: str, *files: dict[str, Any]) -> None:
    response = await control.post("/__testbed__/seed/files", json={"user": user, "files": list(files)})
    assert response.status_code in (200, 201), response.text


def _env(tmp_path: Path) -> dict[str, str]:
    return {"MCP_SEMANTIC": "true", "MCP_SEMANTIC_PATH": str(tmp_path / "index")}


async def _search(client: Any, query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = structured(await client.call_tool(SEARCH, {"query": query, "limit": 5}))["items"]
    return items


async def test_off_by_default_tools_list_unchanged(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert not any(n.startswith("nc_semantic_") for n in names)


async def test_alice_finds_her_note_by_meaning_and_bob_never_sees_it(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    await _notes(
        control, "alice",
        {"title": "Boiler guarantee until 2027", "content": "The boiler in the basement is covered until 2027."},
        {"title": "Groceries", "content": "milk, eggs, bread, apples"},
        {"title": "Holiday plans", "content": "Flights to Rome booked for June."},
    )  # fmt: skip
    await _files(control, "alice", {"path": "/Documents/bike.md", "content": "Bicycle repair: new chain and tyres."})
    await _notes(control, "bob", {"title": "Bob's secret", "content": "The boiler code is 4711."})
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        names = {t.name for t in (await alice.list_tools()).tools}
        assert {SEARCH, UPDATE, STATUS} <= names
        status = structured(await alice.call_tool(UPDATE, {}))
        assert status["user"] == "alice" and status["chunks"]["notes"] >= 3 and status["chunks"]["files"] >= 1
        hits = await _search(alice, "warranty of the heater")
        assert hits[0]["title"] == "Boiler guarantee until 2027", hits
        assert hits[0]["app"] == "notes" and hits[0]["open"] == f"nc_notes_get_note note_id={hits[0]['id']}"
        bike = await _search(alice, "fixing my bike")
        assert bike[0]["app"] == "files" and bike[0]["id"] == "/Documents/bike.md", bike
    async with mcp_as("bob", **_env(tmp_path)) as bob:  # the same store
        structured(await bob.call_tool(UPDATE, {}))
        for query in ("warranty of the heater", "boiler", "Rome", "bicycle chain"):
            hits = await _search(bob, query)
            assert all(h["title"] == "Bob's secret" for h in hits), hits
        assert structured(await bob.call_tool(STATUS, {}))["chunks"] == {
            "notes": 1,
            "files": 0,
            "deck": 0,
            "calendar": 0,
            "tasks": 0,
        }
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        assert all("4711" not in h["snippet"] for h in await _search(alice, "boiler code"))


async def test_deleted_note_goes_and_changed_note_is_reindexed(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    boiler, shopping = await _notes(
        control, "alice",
        {"title": "Boiler guarantee until 2027", "content": "Covered by the installer."},
        {"title": "Groceries", "content": "milk, eggs"},
    )  # fmt: skip
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        first = structured(await alice.call_tool(UPDATE, {}))
        assert first["last_changes"]["indexed"]["notes"] == 2
        again = structured(await alice.call_tool(UPDATE, {}))
        assert again["last_changes"]["indexed"]["notes"] == 0  # unchanged etags: nothing re-embedded
        assert again["last_changes"]["unchanged"]["notes"] == 2

        await alice.call_tool("nc_notes_delete_note", {"note_id": boiler["id"]})
        got = structured(await alice.call_tool("nc_notes_get_note", {"note_id": shopping["id"]}))
        await alice.call_tool(
            "nc_notes_update_note",
            {"note_id": shopping["id"], "etag": got["etag"], "content": "saxophone reed and sheet music"},
        )
        after = structured(await alice.call_tool(UPDATE, {}))
        assert after["last_changes"]["removed"]["notes"] == 1
        assert after["last_changes"]["indexed"]["notes"] == 1
        assert after["chunks"]["notes"] == 1
        assert all(h["id"] != str(boiler["id"]) for h in await _search(alice, "boiler guarantee"))
        music = await _search(alice, "saxophone")
        assert music[0]["id"] == str(shopping["id"]) and "saxophone" in music[0]["snippet"], music
        assert structured(await alice.call_tool(STATUS, {}))["last_sync"] is not None
