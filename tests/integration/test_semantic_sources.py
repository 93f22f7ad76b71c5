"""What the semantic index covers besides notes and text files (issue 25), against the fake Nextcloud: documents in
Files (PDF, DOCX, ODT; an encrypted, a corrupt and an oversized one reported and not read again until they change),
Deck cards (found, opened, gone when deleted or when the board is no longer shared) and calendar events (found,
re-indexed when changed). Every hit's `open` is a real tool call that opens it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx2
import pytest

from support.documents import make_docx, make_odt, make_pdf
from support.mcp_helpers import McpFactory, structured
from support.semantic import NEEDS_SEMANTIC, close_index  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.anyio,
    NEEDS_SEMANTIC,
]

SEARCH, UPDATE, STATUS = "nc_semantic_search_items", "nc_semantic_update_index", "nc_semantic_get_index"


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return {"MCP_SEMANTIC": "true", "MCP_SEMANTIC_PATH": str(tmp_path / "index"), **more}


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


async def _seed_files(control: httpx2.AsyncClient, files: dict[str, bytes | int]) -> None:
    specs = [
        {"path": path, "size": data} if isinstance(data, int) else
        {"path": path, "content_base64": base64.b64encode(data).decode()}
        for path, data in files.items()
    ]  # fmt: skip
    response = await control.post("/__testbed__/seed/files", json={"user": "alice", "files": specs})
    assert response.status_code == 201, response.text


def _errors(status: dict[str, Any]) -> str:
    return "\n".join(status["last_errors"])


async def test_documents_are_found_and_unreadable_ones_reported_without_retrying(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    await _seed_files(
        control,
        {
            "/Documents/warranty.pdf": make_pdf("The dishwasher warranty covers repairs until 2028"),
            "/Documents/choir.docx": make_docx(
                "The choir rehearses on Thursday evenings in the church hall.", heading="Choir", table=False
            ),
            "/Documents/garden.odt": make_odt("Garden", "Plant the tomatoes outside in May, after the last frost."),
            "/Documents/locked.pdf": make_pdf("Secret salary figures", password="pw"),
            "/Documents/broken.docx": b"this is not a zip archive at all",
            "/Documents/huge.pdf": 300_000,  # over MCP_EXTRACT_MAX_BYTES below: never downloaded
        },
    )
    async with mcp_as("alice", **_env(tmp_path, MCP_EXTRACT_MAX_BYTES="200000")) as alice:
        first = structured(await alice.call_tool(UPDATE, {}))
        assert first["last_changes"]["indexed"]["files"] == 3, first
        errors = _errors(first)
        for name in ("locked.pdf", "broken.docx", "huge.pdf"):
            assert f"/Documents/{name}: not indexed: " in errors, errors
        assert "encrypted" in errors and "300000 bytes" in errors and "MCP_EXTRACT_MAX_BYTES" in errors

        hit = (await _search(alice, "dishwasher guarantee"))[0]
        assert hit["app"] == "files" and hit["id"] == "/Documents/warranty.pdf", hit
        assert hit["open"] == "nc_files_read_file path=/Documents/warranty.pdf"
        assert "dishwasher" in (await _open(alice, hit))["text"]
        assert (await _search(alice, "singing practice church"))[0]["id"] == "/Documents/choir.docx"
        assert (await _search(alice, "when to plant tomatoes"))[0]["id"] == "/Documents/garden.odt"
        assert all("salary" not in h["snippet"] for h in await _search(alice, "secret salary figures"))

        again = structured(await alice.call_tool(UPDATE, {}))  # nothing changed: the failures are not read again
        assert again["last_changes"]["indexed"]["files"] == 0, again
        assert again["last_changes"]["unchanged"]["files"] == 6
        assert "/Documents/locked.pdf: not indexed (unchanged since): " in _errors(again)

        await _seed_files(
            control, {"/Documents/broken.docx": make_docx("Invoice for the new bicycle", heading="Fixed", table=False)}
        )
        fixed = structured(await alice.call_tool(UPDATE, {}))  # changed: read again, and indexed now
        assert fixed["last_changes"]["indexed"]["files"] == 1, fixed
        assert "broken.docx" not in _errors(fixed) and "locked.pdf" in _errors(fixed)
        assert (await _search(alice, "bicycle invoice"))[0]["id"] == "/Documents/broken.docx"

        await alice.call_tool("nc_files_delete_file", {"path": "/Documents/locked.pdf"})
        gone = structured(await alice.call_tool(UPDATE, {}))
        assert "locked.pdf" not in _errors(gone), gone


async def _board(control: httpx2.AsyncClient, user: str, spec: dict[str, Any]) -> dict[str, Any]:
    response = await control.post("/__testbed__/seed/deck", json={"user": user, "boards": [spec]})
    assert response.status_code == 201, response.text
    board: dict[str, Any] = response.json()["boards"][0]
    return board


async def test_deck_cards_are_found_opened_and_go_when_deleted_or_unshared(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    home = await _board(control, "alice", {"title": "Household", "stacks": [{"title": "To do", "cards": [
        {"title": "Fix the roof", "description": "Call the roofer about the leaking gutter above the kitchen.",
         "labels": ["Action needed"], "duedate": "2026-09-01T10:00:00+00:00"},
        {"title": "Buy paint", "description": "Matte white for the hallway walls."},
        {"title": "Old idea", "description": "Build a greenhouse from old windows.", "archived": True},
    ]}]})  # fmt: skip
    taxes = await _board(control, "alice", {"title": "Paperwork", "stacks": [{"title": "Open", "cards": [
        {"title": "Quarterly taxes", "description": "Send the receipts to the accountant before the deadline."},
    ]}]})  # fmt: skip
    share = await control.post("/__testbed__/deck/share", json={"board": taxes["id"], "user": "bob"})
    assert share.status_code == 201, share.text
    roof, paint, _ = home["stacks"][0]["cards"]
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        status = structured(await alice.call_tool(UPDATE, {}))
        assert status["last_changes"]["indexed"]["deck"] == 3, status  # the archived card is left out
        assert status["chunks"]["deck"] == 3 and "calendar" in status["chunks"]
        hit = (await _search(alice, "leaking gutter repair"))[0]
        assert hit["app"] == "deck" and hit["id"] == f"{home['id']}/{roof}" and hit["title"] == "Fix the roof", hit
        assert hit["open"] == f"nc_deck_get_card board_id={home['id']} card_id={roof}"
        card = await _open(alice, hit)
        assert card["title"] == "Fix the roof" and "gutter" in card["description"]
        assert all("greenhouse" not in h["snippet"] for h in await _search(alice, "greenhouse windows"))
        labelled = await _search(alice, "Action needed Household")
        assert labelled[0]["id"] == f"{home['id']}/{roof}", labelled

        await alice.call_tool("nc_deck_delete_card", {"board_id": home["id"], "card_id": paint})
        after = structured(await alice.call_tool(UPDATE, {}))
        assert after["last_changes"]["removed"]["deck"] == 1 and after["chunks"]["deck"] == 2, after
        assert all(h["id"] != f"{home['id']}/{paint}" for h in await _search(alice, "matte white paint hallway"))

    receipts = f"{taxes['id']}/{taxes['stacks'][0]['cards'][0]}"
    async with mcp_as("bob", **_env(tmp_path)) as bob:
        structured(await bob.call_tool(UPDATE, {}))
        hits = await _search(bob, "receipts for the accountant")
        assert hits[0]["id"] == receipts, hits
        assert all(h["app"] != "deck" or h["id"] == receipts for h in hits)  # nothing of alice's own board
        unshare = await control.post(
            "/__testbed__/deck/share", json={"board": taxes["id"], "user": "bob", "remove": True}
        )
        assert unshare.json() == {"removed": 1}, unshare.text
        status = structured(await bob.call_tool(UPDATE, {}))
        assert status["last_changes"]["removed"]["deck"] == 1 and status["chunks"]["deck"] == 0, status
        assert all(h["app"] != "deck" for h in await _search(bob, "receipts for the accountant"))


async def test_calendar_events_are_found_and_reindexed_when_changed(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        created = structured(
            await alice.call_tool(
                "nc_calendar_create_event",
                {
                    "title": "Dentist",
                    "start": "2026-07-01T09:00",
                    "calendar": "personal",
                    "location": "Main Street 5",
                    "description": "Check-up of the wisdom tooth; bring the insurance card.",
                },
            )
        )
        await alice.call_tool(
            "nc_calendar_create_event",
            {"title": "Yoga", "start": "2026-07-02T18:00", "rrule": "FREQ=WEEKLY;COUNT=10",
             "description": "Stretching class in the community centre."},
        )  # fmt: skip
        status = structured(await alice.call_tool(UPDATE, {}))
        assert status["last_changes"]["indexed"]["calendar"] == 2, status  # the recurring event once
        event_id = created["event_id"]
        hit = (await _search(alice, "appointment about my teeth"))[0]
        assert hit["app"] == "calendar" and hit["id"] == f"personal/{event_id}" and hit["title"] == "Dentist", hit
        assert hit["open"] == f"nc_calendar_get_event calendar=personal event_id={event_id}"
        assert (await _open(alice, hit))["title"] == "Dentist"

        await alice.call_tool(
            "nc_calendar_update_event",
            {"calendar": "personal", "event_id": event_id, "etag": created["etag"],
             "description": "Piano lesson: practise the Chopin nocturne."},
        )  # fmt: skip
        after = structured(await alice.call_tool(UPDATE, {}))
        assert after["last_changes"]["indexed"]["calendar"] == 1, after
        assert after["last_changes"]["unchanged"]["calendar"] == 1
        chopin = await _search(alice, "Chopin nocturne")
        assert chopin[0]["id"] == f"personal/{event_id}" and "Chopin" in chopin[0]["snippet"], chopin
        assert all("wisdom" not in h["snippet"] for h in await _search(alice, "wisdom tooth check-up"))


async def test_an_unindexable_document_is_tried_again_after_a_day(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document that failed (say, timed out on a busy machine) is not read again while unchanged, until
    RETRY_SKIPPED has passed since it failed: then the next sync reads it again."""
    import nextcloud_mcp.semantic.sync as sync

    await _seed_files(control, {"/Documents/locked.pdf": make_pdf("Secret salary figures", password="pw")})
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        first = structured(await alice.call_tool(UPDATE, {}))
        assert "/Documents/locked.pdf: not indexed: " in _errors(first), first
        again = structured(await alice.call_tool(UPDATE, {}))
        assert "/Documents/locked.pdf: not indexed (unchanged since): " in _errors(again), again
        monkeypatch.setattr(sync, "RETRY_SKIPPED", 0)  # as if a day had passed
        later = structured(await alice.call_tool(UPDATE, {}))
        assert "/Documents/locked.pdf: not indexed: " in _errors(later), later  # read (and refused) again
        assert "unchanged since" not in _errors(later)
