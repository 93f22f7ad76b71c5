"""MCP resources against the fake Nextcloud, through the official MCP client: the URI templates, the concrete
resources of `resources/list` (paged), reading each kind, the errors, and the gating by MCP_APPS, by the apps
the caller's Nextcloud offers and by OAuth scopes."""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, BlobResourceContents, TextResourceContents

from support.caldav_xml import event, seed_calendars
from support.fixtures import USERS
from support.mcp_helpers import McpFactory

pytestmark = pytest.mark.anyio

ALICE = ("alice", USERS["alice"])
TEMPLATES = {
    "nextcloud://notes/{note_id}": "text/markdown",
    "nextcloud://files/{+path}": None,
    "nextcloud://calendars/{calendar}/events{?start,end}": "text/calendar",
    "nextcloud://contacts/{addressbook}/{contact_id}": "text/vcard",
    "nextcloud://deck/boards/{board}": "text/markdown",
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


async def _seed(control: httpx2.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await control.post(f"/__testbed__/seed/{path}", json={"user": "alice", **body})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def _text(client: Any, uri: str) -> TextResourceContents:
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents), contents
    return contents[0]


async def _refused(client: Any, uri: str) -> str:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    assert caught.value.error.code == INVALID_PARAMS, caught.value.error
    return caught.value.error.message


async def test_templates_are_listed_with_their_types(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        templates = (await client.list_resource_templates()).resource_templates
    assert {t.uri_template: t.mime_type for t in templates} == TEMPLATES
    assert all(t.description and t.title for t in templates)


async def test_a_note_is_its_markdown(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    note = (await _seed(control, "notes", {"notes": [{"title": "Plan", "content": "# Plan\n- step 1"}]}))["notes"][0]
    async with mcp_as("alice") as client:
        read = await _text(client, f"nextcloud://notes/{note['id']}")
        missing = await _refused(client, "nextcloud://notes/999999")
        not_an_id = await _refused(client, "nextcloud://notes/plan")
    assert (read.text, read.mime_type) == ("# Plan\n- step 1", "text/markdown")
    assert "999999 does not exist" in missing and "nc_notes_list_notes" in missing
    assert "not a note id" in not_an_id


async def test_files_are_text_or_bytes_with_their_type(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "files", {"files": [{"path": "Docs/Q1 report.md", "content": "# Q1\nfine"}]})
    put = await control.put("/remote.php/dav/files/alice/Docs/dot.png", content=PNG, auth=ALICE)
    assert put.status_code == 201, put.text
    async with mcp_as("alice") as client:
        text = await _text(client, "nextcloud://files/Docs/Q1%20report.md")
        blob = (await client.read_resource("nextcloud://files/Docs/dot.png")).contents
        folder = await _refused(client, "nextcloud://files/Docs")
        missing = await _refused(client, "nextcloud://files/Docs/nothing.md")
        escape = await _refused(client, "nextcloud://files/../alice/x")
    assert (text.text, text.mime_type) == ("# Q1\nfine", "text/markdown")
    assert len(blob) == 1 and isinstance(blob[0], BlobResourceContents)
    assert (base64.b64decode(blob[0].blob), blob[0].mime_type) == (PNG, "image/png")
    assert "is a folder" in folder and "nc_files_list_files" in folder
    assert "Docs/nothing.md" in missing
    assert "Unknown resource" in escape


async def test_a_file_over_the_limit_is_refused_naming_the_limit_and_the_tool(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    await _seed(control, "files", {"files": [{"path": "big.bin", "size": 600 * 1024}]})
    async with mcp_as("alice") as client:
        message = await _refused(client, "nextcloud://files/big.bin")
    assert "/big.bin is 614400 bytes" in message
    assert "up to 524288 bytes (512 KiB)" in message and "nc_files_download_file" in message


async def test_calendar_events_of_a_range_are_one_icalendar(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    zone = (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\n"
        "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    berlin = [
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{zone}BEGIN:VEVENT\r\nUID:{uid}\r\n"
        f"DTSTAMP:20231101T000000Z\r\nDTSTART;TZID=Europe/Berlin:2026120{day}T100000\r\n"
        f"DTEND;TZID=Europe/Berlin:2026120{day}T110000\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        for uid, day in (("standup", 2), ("review", 4))
    ]
    objects = [{"data": data} for data in [*berlin, event("later", "20270301T090000Z", "20270301T100000Z")]]
    await seed_calendars(control, "alice", {"uri": "work", "name": "Work", "objects": objects})
    uri = "nextcloud://calendars/Work/events?start=2026-12-01&end=2026-12-08"
    async with mcp_as("alice") as client:
        read = await _text(client, uri)
        default_range = await _text(client, "nextcloud://calendars/work/events")
        unknown = await _refused(client, "nextcloud://calendars/holidays/events")
        bad_date = await _refused(client, "nextcloud://calendars/work/events?start=soon")
    text = read.text
    assert read.mime_type == "text/calendar" and text.startswith("BEGIN:VCALENDAR")
    assert "UID:standup" in text and "UID:review" in text and "UID:later" not in text
    assert text.count("BEGIN:VTIMEZONE") == 1 and "X-WR-CALNAME:Work" in text
    assert "UID:later" not in default_range.text  # now + 30 days
    assert "holidays" in unknown and "nc_calendar_list_calendars" in unknown
    assert "start" in bad_date and "ISO 8601" in bad_date


async def test_a_contact_is_its_vcard(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    card = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:ann-1\r\nFN:Ann Example\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n"
    await _seed(
        control, "addressbooks", {"addressbooks": [{"uri": "contacts", "cards": [{"name": "ann.vcf", "data": card}]}]}
    )
    async with mcp_as("alice") as client:
        by_uid = await _text(client, "nextcloud://contacts/contacts/ann-1")
        by_name = await _text(client, "nextcloud://contacts/contacts/ann.vcf")
        missing = await _refused(client, "nextcloud://contacts/contacts/bob-2")
    assert by_uid.mime_type == "text/vcard" and "FN:Ann Example" in by_uid.text
    assert by_name.text == by_uid.text
    assert "bob-2" in missing and "nc_contacts_list_contacts" in missing


async def test_a_deck_board_is_markdown(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    cards = [
        {"title": "Write docs", "labels": ["Later"], "duedate": "2026-12-05T10:00:00+00:00", "assign": ["alice"]},
        {"title": "Old", "archived": True},
    ]
    board = {"title": "Roadmap", "stacks": [{"title": "Inbox", "cards": cards}, {"title": "Done"}]}
    seeded = (await _seed(control, "deck", {"boards": [board]}))["boards"][0]
    async with mcp_as("alice") as client:
        by_id = await _text(client, f"nextcloud://deck/boards/{seeded['id']}")
        by_title = await _text(client, "nextcloud://deck/boards/roadmap")
        unknown = await _refused(client, "nextcloud://deck/boards/Backlog")
    text = by_id.text
    assert by_id.mime_type == "text/markdown" and by_title.text == text
    assert text.startswith("# Roadmap\n") and text.index("## Inbox") < text.index("## Done")
    assert "- [ ] **Write docs** (card " in text and "labels: Later; due 2026-12-05T10:00:00+00:00" in text
    assert "assigned to @alice" in text and "Old" not in text
    assert "## Done\n\n_No cards._" in text
    assert "no Deck board 'Backlog'" in unknown and "Roadmap" in unknown


async def test_unknown_uris_are_invalid_params(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        other = await _refused(client, "nextcloud://mail/1")
        scheme = await _refused(client, "https://example.com/a")
    assert "Unknown resource 'nextcloud://mail/1'" in other and "nextcloud://notes/{note_id}" in other
    assert "Unknown resource" in scheme


async def test_the_listing_is_bounded_and_paged(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "notes", {"notes": [{"title": f"Note {i}", "modified": 1_700_000_000 + i} for i in range(30)]})
    await _seed(control, "deck", {"boards": [{"title": f"Board {i}"} for i in range(30)]})
    await _seed(control, "files", {"files": [{"path": "fav #1.txt", "content": "x", "favorite": True}]})
    async with mcp_as("alice") as client:
        first = await client.list_resources()
        assert first.next_cursor is not None
        second = await client.list_resources(cursor=first.next_cursor)
        with pytest.raises(MCPError) as bad:
            await client.list_resources(cursor="not-a-cursor")
    assert len(first.resources) == 50 and second.next_cursor is None
    every = [r.uri for r in [*first.resources, *second.resources]]
    assert len(every) == len(set(every))
    notes = [r for r in [*first.resources, *second.resources] if r.uri.startswith("nextcloud://notes/")]
    assert len(notes) == 25 and notes[0].name == "Note 29"  # the most recently changed first
    assert sum(u.startswith("nextcloud://deck/boards/") for u in every) == 25
    assert "nextcloud://files/fav%20%231.txt" in every and "nextcloud://calendars/personal/events" in every
    async with mcp_as("alice") as client:
        favorite = (await client.read_resource("nextcloud://files/fav%20%231.txt")).contents[0]
    assert isinstance(favorite, TextResourceContents) and favorite.text == "x"
    assert bad.value.error.code == INVALID_PARAMS and "cursor" in bad.value.error.message


async def test_mcp_apps_without_notes_leaves_notes_out(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    note = (await _seed(control, "notes", {"notes": [{"title": "Plan"}]}))["notes"][0]
    async with mcp_as("alice", mcp_apps="files,calendar,deck") as client:
        listed = [r.uri for r in (await client.list_resources()).resources]
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        message = await _refused(client, f"nextcloud://notes/{note['id']}")
    assert not any(uri.startswith("nextcloud://notes/") for uri in listed) and listed
    assert "nextcloud://notes/{note_id}" not in templates and "nextcloud://files/{+path}" in templates
    assert "Unknown resource" in message


async def test_an_app_the_nextcloud_lacks_is_left_out(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "deck", {"boards": [{"title": "Roadmap"}]})
    assert (await control.post("/__testbed__/apps", json={"disable": ["deck"]})).status_code == 200
    async with mcp_as("alice") as client:
        listed = [r.uri for r in (await client.list_resources()).resources]
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        message = await _refused(client, "nextcloud://deck/boards/1")
    assert not any("deck" in uri for uri in listed + templates)
    assert "is not available" in message and "deck app is not installed" in message
