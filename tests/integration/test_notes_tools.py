"""Every Notes tool against the fake Nextcloud, in process, through the official MCP client."""

from __future__ import annotations

import re
from typing import Any

import anyio
import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.core.tool import hints
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

NOTES_TOOLS = {
    "nc_notes_list_notes",
    "nc_notes_get_note",
    "nc_notes_create_note",
    "nc_notes_update_note",
    "nc_notes_append_note",
    "nc_notes_delete_note",
    "nc_notes_search_notes",
    "nc_notes_list_categories",
    "nc_notes_read_attachment",
}
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


async def _seed(control: httpx2.AsyncClient, user: str, *notes: dict[str, Any]) -> list[dict[str, Any]]:
    response = await control.post("/__testbed__/seed/notes", json={"user": user, "notes": list(notes)})
    assert response.status_code == 201, response.text
    created: list[dict[str, Any]] = response.json()["notes"]
    return created


async def test_tools_are_listed_with_annotations_and_output_schemas(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools if t.name.startswith("nc_notes_")}
    assert set(tools) == NOTES_TOOLS
    assert hints(tools["nc_notes_get_note"].annotations).read_only
    delete = hints(tools["nc_notes_delete_note"].annotations)
    assert delete.destructive and not delete.read_only
    assert all(t.output_schema for t in tools.values())


async def test_create_get_update_round_trip(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        created = structured(
            await client.call_tool(
                "nc_notes_create_note", {"title": "Groceries", "content": "milk", "category": "home/shopping"}
            )
        )
        assert created["category"] == "home/shopping"
        got = structured(await client.call_tool("nc_notes_get_note", {"note_id": created["id"]}))
        assert got == created  # create returns what get returns, etag included
        assert got["content"] == "milk" and ISO_WITH_OFFSET.match(got["modified"]), got
        updated = structured(
            await client.call_tool(
                "nc_notes_update_note",
                {"note_id": got["id"], "etag": got["etag"], "content": "milk\neggs", "favorite": True},
            )
        )
        assert updated["content"] == "milk\neggs" and updated["favorite"] is True
        assert updated["etag"] != got["etag"]
        assert updated == structured(await client.call_tool("nc_notes_get_note", {"note_id": got["id"]}))
        loose = structured(await client.call_tool("nc_notes_create_note", {"title": "Loose"}))
        assert loose["category"] is None  # no category is null, not ""


async def test_stale_etag_is_a_conflict_that_shows_the_server_version(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as client:
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Plan", "content": "step 1"}))
        # someone else edits the note in the meantime (straight through the Notes API)
        other = await control.put(
            f"/index.php/apps/notes/api/v1/notes/{note['id']}",
            json={"content": "step 1\nstep 2"},
            auth=("alice", "alice-secret"),
        )
        assert other.status_code == 200
        result = await client.call_tool(
            "nc_notes_update_note", {"note_id": note["id"], "etag": note["etag"], "content": "my rewrite"}
        )
        assert result.is_error
        text = error_text(result)
        assert "NOT applied" in text and other.json()["etag"] in text
        assert "+step 2" in text  # the diff shows what the server has that the caller does not
        assert "nc_notes_get_note" in text and "nc_notes_update_note" in text
        current = structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
        assert current["content"] == "step 1\nstep 2"  # nothing was overwritten


async def test_concurrent_appends_lose_nothing(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Log", "content": "start"}))

        async def append(i: int) -> None:
            structured(await client.call_tool("nc_notes_append_note", {"note_id": note["id"], "text": f"line {i}"}))

        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(append, i)
        final = structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
    lines = final["content"].splitlines()
    assert lines[0] == "start" and sorted(lines[1:]) == [f"line {i}" for i in range(4)]


async def test_readonly_missing_and_deleted_notes(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    [shared] = await _seed(control, "alice", {"title": "Shared", "content": "x", "readonly": True})
    async with mcp_as("alice") as client:
        result = await client.call_tool(
            "nc_notes_update_note", {"note_id": shared["id"], "etag": shared["etag"], "content": "changed"}
        )
        assert result.is_error and "read-only" in error_text(result)
        missing = await client.call_tool("nc_notes_get_note", {"note_id": 999999})
        assert missing.is_error and "does not exist" in error_text(missing)
        assert "nc_notes_list_notes" in error_text(missing)  # says where note ids come from
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Temp"}))
        assert structured(await client.call_tool("nc_notes_delete_note", {"note_id": note["id"]}))["deleted"] is True
        gone = await client.call_tool("nc_notes_get_note", {"note_id": note["id"]})
        assert gone.is_error and "does not exist" in error_text(gone)


async def test_notes_and_their_files_are_the_same_thing(mcp_as: McpFactory) -> None:
    """Notes are files below Notes/ (nextcloud/notes NotesService, Note): what the files tools write there is
    listed, found and guarded by the notes tools, cache or not."""
    async with mcp_as("alice") as client:
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Plan", "content": "v1"}))
        assert [n["title"] for n in structured(await client.call_tool("nc_notes_list_notes", {}))["items"]] == ["Plan"]
        written = {"path": "Notes/ideas/Idea.md", "text": "a zeppelin idea"}
        assert not (await client.call_tool("nc_files_write_file", written)).is_error
        listed = structured(await client.call_tool("nc_notes_list_notes", {}))["items"]
        assert sorted((n["title"], n["category"]) for n in listed) == [("Idea", "ideas"), ("Plan", None)]
        read = structured(await client.call_tool("nc_files_read_file", {"path": "Notes/Plan.md"}))
        changed = {"path": "Notes/Plan.md", "text": "v2 from files", "etag": read["etag"]}
        assert not (await client.call_tool("nc_files_write_file", changed)).is_error
        hits = structured(await client.call_tool("nc_notes_search_notes", {"query": "files"}))["items"]
        assert [h["id"] for h in hits] == [note["id"]]
        stale = await client.call_tool(
            "nc_notes_update_note", {"note_id": note["id"], "etag": note["etag"], "content": "mine"}
        )
        assert stale.is_error and "v2 from files" in error_text(stale)


async def test_a_deleted_note_is_in_the_trash_and_can_be_restored(mcp_as: McpFactory) -> None:
    """Server bug: nc_notes_delete_note promised a permanent delete, but the Notes app deletes the note's file
    (nextcloud/notes NotesService::delete -> File::delete), which files_trashbin keeps, together with the
    category folder left empty (NoteUtil::deleteEmptyFolder). Restoring the folder first puts the note back."""
    async with mcp_as("alice") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert "permanently" not in (tools["nc_notes_delete_note"].description or "")
        assert "nc_files_restore_trash" in (tools["nc_notes_delete_note"].description or "")
        args = {"title": "Oops", "content": "keep me", "category": "work"}
        note = structured(await client.call_tool("nc_notes_create_note", args))
        structured(await client.call_tool("nc_notes_delete_note", {"note_id": note["id"]}))
        trash = {i["path"]: i["name"] for i in structured(await client.call_tool("nc_files_list_trash", {}))["items"]}
        assert set(trash) == {"/Notes/work", "/Notes/work/Oops.md"}
        for path in ("/Notes/work", "/Notes/work/Oops.md"):
            structured(await client.call_tool("nc_files_restore_trash", {"name": trash[path]}))
        back = structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
    assert (back["title"], back["category"], back["content"]) == ("Oops", "work", "keep me")


@pytest.mark.parametrize(
    ("tool", "args", "needle"),
    [
        ("nc_notes_get_note", {"note_id": "abc"}, "note_id"),
        ("nc_notes_get_note", {}, "note_id"),
        ("nc_notes_update_note", {"note_id": 1, "content": "x"}, "etag"),
        ("nc_notes_update_note", {"note_id": 1, "etag": "abc"}, "Nothing to update"),
        ("nc_notes_update_note", {"note_id": 1, "etag": "a\nb", "content": "x"}, "etag"),
        ("nc_notes_list_notes", {"cursor": "abc"}, "cursor"),
        ("nc_notes_create_note", {"title": ""}, "title"),
        ("nc_notes_list_notes", {"limit": 0}, "limit"),
        ("nc_notes_search_notes", {"query": ""}, "query"),
    ],
)
async def test_bad_arguments_get_clear_errors(mcp_as: McpFactory, tool: str, args: dict[str, Any], needle: str) -> None:
    async with mcp_as("alice") as client:
        result = await client.call_tool(tool, args)
    assert result.is_error
    assert needle in error_text(result)
    assert "Traceback" not in error_text(result)


async def test_search_ranks_title_matches_first(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(
        control,
        "alice",
        {"title": "Meeting notes", "content": "budget review with the team"},
        {"title": "Budget 2027", "content": "numbers"},
        {"title": "Recipes", "content": "pancakes"},
        {"title": "Holidays", "content": "no budget talk here", "category": "private"},
    )
    async with mcp_as("alice") as client:
        found = structured(await client.call_tool("nc_notes_search_notes", {"query": "budget"}))
        assert set(found) == {"items", "next_cursor", "total"}
        assert found["items"][0]["title"] == "Budget 2027"
        assert found["total"] == 3 and found["next_cursor"] is None
        assert "budget" in found["items"][1]["snippet"].lower()
        first = structured(await client.call_tool("nc_notes_search_notes", {"query": "budget", "limit": 2}))
        rest = await client.call_tool(
            "nc_notes_search_notes", {"query": "budget", "limit": 2, "cursor": first["next_cursor"]}
        )
        assert [h["id"] for h in first["items"] + structured(rest)["items"]] == [h["id"] for h in found["items"]]
        scoped = structured(await client.call_tool("nc_notes_search_notes", {"query": "budget", "category": "private"}))
        assert [hit["title"] for hit in scoped["items"]] == ["Holidays"]
        none = structured(await client.call_tool("nc_notes_search_notes", {"query": "budget pancakes"}))
        assert none["total"] == 0


async def test_list_paging_category_filter_and_categories(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(
        control,
        "alice",
        *[{"title": f"Work {i}", "category": "work", "modified": 1_700_000_000 + i} for i in range(5)],
        {"title": "Loose"},
        {"title": "Deep", "category": "work/sub"},
    )
    async with mcp_as("alice") as client:
        page = structured(await client.call_tool("nc_notes_list_notes", {"category": "work", "limit": 2}))
        assert page["total"] == 5 and page["next_cursor"] == "2"
        assert [n["title"] for n in page["items"]] == ["Work 4", "Work 3"]
        assert page["items"][0]["modified"] == "2023-11-14T22:13:24+00:00"  # 1_700_000_004, ISO with offset
        middle = {"category": "work", "limit": 2, "cursor": page["next_cursor"]}
        second = structured(await client.call_tool("nc_notes_list_notes", middle))
        last = structured(await client.call_tool("nc_notes_list_notes", {**middle, "cursor": second["next_cursor"]}))
        assert last["next_cursor"] is None and [n["title"] for n in last["items"]] == ["Work 0"]
        loose = structured(await client.call_tool("nc_notes_list_notes", {"category": ""}))
        assert [n["title"] for n in loose["items"]] == ["Loose"] and loose["items"][0]["category"] is None
        cats = structured(await client.call_tool("nc_notes_list_categories", {}))
        assert cats == {
            "items": [{"name": None, "notes": 1}, {"name": "work", "notes": 5}, {"name": "work/sub", "notes": 1}],
            "next_cursor": None,
            "total": 3,
        }
        one = structured(await client.call_tool("nc_notes_list_categories", {"limit": 1, "cursor": "1"}))
    assert one == {"items": [{"name": "work", "notes": 5}], "next_cursor": "2", "total": 3}


async def test_large_listing_is_chunked_then_refreshed_incrementally(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    await _seed(control, "alice", *[{"title": f"N{i}", "content": "c" * 50} for i in range(450)])
    async with mcp_as("alice") as client:
        assert structured(await client.call_tool("nc_notes_list_notes", {"limit": 1}))["total"] == 450
        await control.delete("/__testbed__/requests")
        await control.post("/__testbed__/clock", json={"advance": 5})
        assert structured(await client.call_tool("nc_notes_list_notes", {"limit": 1}))["total"] == 450
    log = (await control.get("/__testbed__/requests")).json()["requests"]
    listing = [r for r in log if r["path"].endswith("/notes") and r["method"] == "GET"]
    assert listing, log
    assert all("pruneBefore" in r.get("query", "") for r in listing), listing


async def test_alice_never_sees_bobs_notes(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    [bobs] = await _seed(control, "bob", {"title": "Bob's secret", "content": "diary"})
    async with mcp_as("alice") as alice:
        listed = structured(await alice.call_tool("nc_notes_list_notes", {}))
        assert all(n["id"] != bobs["id"] for n in listed["items"])
        assert (await alice.call_tool("nc_notes_get_note", {"note_id": bobs["id"]})).is_error
        assert structured(await alice.call_tool("nc_notes_search_notes", {"query": "secret"}))["total"] == 0
        assert (await alice.call_tool("nc_notes_delete_note", {"note_id": bobs["id"]})).is_error
    async with mcp_as("bob") as bob:
        assert structured(await bob.call_tool("nc_notes_get_note", {"note_id": bobs["id"]}))["content"] == "diary"


async def test_notes_tools_hidden_when_the_app_is_disabled(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    assert (await control.post("/__testbed__/apps", json={"disable": ["notes"]})).status_code == 200
    async with mcp_as("alice") as client:
        assert not {t.name for t in (await client.list_tools()).tools} & NOTES_TOOLS
        result = await client.call_tool("nc_notes_list_notes", {})
    assert result.is_error and "not installed" in error_text(result)


async def test_wrong_password_is_a_clear_error(mcp_as: McpFactory) -> None:
    async with mcp_as("mallory") as client:
        result = await client.call_tool("nc_notes_list_notes", {})
    assert result.is_error and "rejected the credentials" in error_text(result)


async def test_transient_errors_are_retried_and_hard_errors_reported(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    fault = {"method": "GET", "path": "/notes$", "action": {"status": 503}, "times": 1}
    assert (await control.post("/__testbed__/faults", json=fault)).status_code == 201
    async with mcp_as("alice") as client:
        assert structured(await client.call_tool("nc_notes_list_notes", {}))["total"] == 0  # retried once, then fine
        await control.post(
            "/__testbed__/faults", json={"method": "POST", "path": "/notes$", "action": {"status": 500}, "times": 1}
        )
        result = await client.call_tool("nc_notes_create_note", {"title": "x"})
        assert result.is_error and "HTTP 500" in error_text(result)
        created = structured(await client.call_tool("nc_notes_list_notes", {}))
    assert created["total"] == 0  # the failed write was not silently re-sent


async def test_update_needs_the_etag_read_or_force(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Draft", "content": "v1"}))
        refused = await client.call_tool("nc_notes_update_note", {"note_id": note["id"], "content": "v2"})
        assert refused.is_error
        assert "etag" in error_text(refused) and "nc_notes_get_note" in error_text(refused)
        assert "force=true" in error_text(refused)
        assert structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))["content"] == "v1"
        other = await control.put(
            f"/index.php/apps/notes/api/v1/notes/{note['id']}",
            json={"content": "theirs"},
            auth=("alice", "alice-secret"),
        )
        assert other.status_code == 200
        forced = structured(
            await client.call_tool("nc_notes_update_note", {"note_id": note["id"], "force": True, "content": "mine"})
        )
        assert forced["content"] == "mine" and forced["etag"] != other.json()["etag"]
        assert forced == structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))


async def test_readonly_note_says_what_is_possible(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    [shared] = await _seed(control, "alice", {"title": "Shared", "content": "x", "readonly": True})
    async with mcp_as("alice") as client:
        result = await client.call_tool(
            "nc_notes_update_note", {"note_id": shared["id"], "etag": shared["etag"], "content": "changed"}
        )
        assert result.is_error and "nc_notes_create_note" in error_text(result)
        favorite = await client.call_tool(
            "nc_notes_update_note", {"note_id": shared["id"], "etag": shared["etag"], "favorite": True}
        )
        assert structured(favorite)["favorite"] is True and structured(favorite)["readonly"] is True


async def test_locked_and_full_say_what_happened_and_what_next(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    """423 (nextcloud/notes lib/Controller/Helper.php: LockedException) and 507 (InsufficientStorageException)."""
    note = (await _seed(control, "alice", {"title": "Shopping", "content": "milk"}))[0]
    rule = {
        "method": "PUT",
        "path": r"/notes/\d+$",
        "action": {"status": 423, "body": {"errorType": "LockedException"}},
    }
    assert (await control.post("/__testbed__/faults", json=rule)).status_code == 201
    async with mcp_as("alice") as client:
        args = {"note_id": note["id"], "content": "eggs", "etag": note["etag"]}
        locked = error_text(await client.call_tool("nc_notes_update_note", args))
        assert f"Note {note['id']} is locked: another app or client is saving it" in locked
        assert "nothing was changed" in locked and "nc_notes_get_note" in locked
        await control.delete("/__testbed__/faults")
        fake.fake_state.users["alice"].quota = 1
        full = error_text(await client.call_tool("nc_notes_create_note", {"title": "Big", "content": "x" * 100}))
        assert "storage quota is used up" in full and "nothing was changed" in full, full
