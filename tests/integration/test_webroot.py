"""Sub-path installs: Nextcloud at `http://nc.test/nextcloud`, `NEXTCLOUD_HOST=http://nc.test/nextcloud`.

Every app runs at least one tool in BasicAuth mode against the fake served under that web root. The DAV hrefs
Nextcloud returns already carry the web root (Sabre writes its base URI `OC::$WEBROOT/remote.php/dav/` + path);
the server must not join them onto the base URL again (`/nextcloud/nextcloud/remote.php/...`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import error_text, structured
from support.webroot import HOST, WEBROOT, connect, webroot_app

pytestmark = pytest.mark.anyio

Connect = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def fake() -> FakeNextcloud:
    return webroot_app()


@pytest.fixture
async def control(fake: FakeNextcloud) -> AsyncIterator[httpx2.AsyncClient]:
    """The fake's `/__testbed__` API (at the server root) and raw requests (give the web root yourself)."""
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=fake), base_url=HOST) as client:
        yield client


@pytest.fixture
def mcp(fake: FakeNextcloud) -> Connect:
    def open_client(user: str = "wanda", **env: Any) -> AbstractAsyncContextManager[Client]:
        return connect(fake, user, **env)

    return open_client


async def _paths_requested(control: httpx2.AsyncClient) -> list[str]:
    log = (await control.get("/__testbed__/requests")).json()["requests"]
    return [str(r["path"]) for r in log]


async def test_every_app_is_offered_under_a_web_root(mcp: Connect) -> None:
    async with mcp() as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    for prefix in ("notes", "files", "shares", "search", "users", "calendar", "tasks", "contacts", "deck", "tables"):
        assert any(n.startswith(f"nc_{prefix}_") for n in names), prefix
    assert any(n.startswith("nc_cookbook_") for n in names)


async def test_calendar_discovery_does_not_repeat_the_web_root(mcp: Connect, control: httpx2.AsyncClient) -> None:
    async with mcp() as client:
        calendars = structured(await client.call_tool("nc_calendar_list_calendars", {}))
        assert "personal" in {c["name"] for c in calendars["items"]}
        made = structured(
            await client.call_tool(
                "nc_calendar_create_event",
                {
                    "calendar": "personal",
                    "title": "Review",
                    "start": "2030-03-04T10:00:00Z",
                    "end": "2030-03-04T11:00:00Z",
                },
            )
        )
        listed = structured(
            await client.call_tool(
                "nc_calendar_list_events", {"start": "2030-03-04T00:00:00Z", "end": "2030-03-05T00:00:00Z"}
            )
        )
        assert [e["title"] for e in listed["items"]] == ["Review"]
        got = structured(
            await client.call_tool("nc_calendar_get_event", {"calendar": "personal", "event_id": made["event_id"]})
        )
        assert got["title"] == "Review"
        busy = structured(
            await client.call_tool(
                "nc_calendar_get_free_busy",
                {"attendees": ["walt"], "start": "2030-03-04T09:00:00Z", "end": "2030-03-04T12:00:00Z"},
            )
        )
        assert [a["attendee"] for a in busy["attendees"]] == ["walt"]
    paths = await _paths_requested(control)
    assert f"{WEBROOT}/remote.php/dav/principals/users/wanda/" in paths
    assert not [p for p in paths if p.startswith(f"{WEBROOT}{WEBROOT}/")], paths


async def test_tasks_under_a_web_root(mcp: Connect) -> None:
    async with mcp() as client:
        # Nextcloud's default calendar holds VEVENT only (CalDavBackend): a task list is a VTODO calendar
        args = {"name": "todo", "display_name": "To do", "components": ["VTODO"]}
        structured(await client.call_tool("nc_calendar_create_calendar", args))
        lists = structured(await client.call_tool("nc_tasks_list_tasklists", {}))
        assert [t["name"] for t in lists["items"]] == ["todo"]
        made = structured(await client.call_tool("nc_tasks_create_task", {"title": "Buy milk"}))
        tasks = structured(await client.call_tool("nc_tasks_list_tasks", {}))
        assert [t["title"] for t in tasks["items"]] == ["Buy milk"]
        done = structured(
            await client.call_tool("nc_tasks_complete_task", {"tasklist": made["tasklist"], "task_id": made["task_id"]})
        )
        assert done["status"] == "COMPLETED"


async def test_contacts_under_a_web_root(mcp: Connect) -> None:
    async with mcp() as client:
        books = structured(await client.call_tool("nc_contacts_list_addressbooks", {}))
        assert "contacts" in {b["name"] for b in books["items"]}
        made = structured(await client.call_tool("nc_contacts_create_contact", {"name": "Ada", "emails": ["a@x.org"]}))
        got = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": made["contact_id"]}))
        assert got["name"] == "Ada"
        listed = structured(await client.call_tool("nc_contacts_list_contacts", {"query": "ada"}))
        assert [c["name"] for c in listed["items"]] == ["Ada"]


async def test_files_under_a_web_root(mcp: Connect, control: httpx2.AsyncClient) -> None:
    seeded = await control.post(
        "/__testbed__/seed/files", json={"user": "wanda", "files": [{"path": "Docs/a.md", "content": "hello"}]}
    )
    assert seeded.status_code == 201
    async with mcp() as client:
        listed = structured(await client.call_tool("nc_files_list_files", {"path": "Docs"}))
        assert [i["path"] for i in listed["items"]] == ["/Docs/a.md"]
        read = structured(await client.call_tool("nc_files_read_file", {"path": "Docs/a.md"}))
        assert read["text"] == "hello" and read["path"] == "/Docs/a.md"
        moved = structured(await client.call_tool("nc_files_move_file", {"path": "Docs/a.md", "target": "b.md"}))
        assert moved["path"] == "/b.md", moved
        found = structured(await client.call_tool("nc_files_search_files", {"name": "b.md"}))
        assert [i["path"] for i in found["items"]] == ["/b.md"]
        structured(await client.call_tool("nc_files_delete_file", {"path": "b.md"}))
        trash = structured(await client.call_tool("nc_files_list_trash", {}))
        assert [i["path"] for i in trash["items"]] == ["/b.md"]
        commented = await client.call_tool("nc_files_add_comment", {"path": "Docs", "message": "ok"})
        assert not commented.is_error, error_text(commented)


async def test_shares_under_a_web_root(mcp: Connect, control: httpx2.AsyncClient) -> None:
    seeded = await control.post(
        "/__testbed__/seed/files", json={"user": "wanda", "files": [{"path": "plan.md", "content": "p"}]}
    )
    assert seeded.status_code == 201
    async with mcp() as client:
        link = structured(await client.call_tool("nc_shares_create_share", {"path": "/plan.md", "type": "link"}))
        assert link["url"].startswith(f"{HOST}{WEBROOT}/index.php/s/"), link
        user = structured(await client.call_tool("nc_shares_create_share", {"path": "/plan.md", "to": "walt"}))
        mine = structured(await client.call_tool("nc_shares_list_shares", {}))
        assert {s["id"] for s in mine["items"]} == {link["id"], user["id"]}


async def test_search_users_and_notes_under_a_web_root(mcp: Connect) -> None:
    async with mcp() as client:
        me = structured(await client.call_tool("nc_users_get_me", {}))
        assert me["id"] == "wanda"
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Groceries", "content": "milk"}))
        notes = structured(await client.call_tool("nc_notes_list_notes", {}))
        assert [n["id"] for n in notes["items"]] == [note["id"]]
        providers = structured(await client.call_tool("nc_search_list_providers", {}))
        assert "notes" in {p["id"] for p in providers["items"]}
        hits = structured(await client.call_tool("nc_search_query_items", {"term": "Groceries", "provider": "notes"}))
        assert hits["items"], hits


async def test_deck_tables_and_cookbook_under_a_web_root(mcp: Connect) -> None:
    async with mcp() as client:
        board = structured(await client.call_tool("nc_deck_create_board", {"title": "Plan"}))
        boards = structured(await client.call_tool("nc_deck_list_boards", {}))
        assert board["id"] in {b["id"] for b in boards["items"]}
        table = structured(await client.call_tool("nc_tables_create_table", {"title": "Stock"}))
        tables = structured(await client.call_tool("nc_tables_list_tables", {}))
        assert table["id"] in {t["id"] for t in tables["items"]}
        recipe = structured(await client.call_tool("nc_cookbook_create_recipe", {"name": "Soup"}))
        assert (
            structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": recipe["id"]}))["name"] == "Soup"
        )


async def test_a_host_without_the_web_root_is_an_error_not_a_crash(fake: FakeNextcloud) -> None:
    """NEXTCLOUD_HOST=http://nc.test for a Nextcloud at /nextcloud: every path gets the web server's 404."""
    async with connect(fake, "wanda", host=HOST) as client:
        result = await client.call_tool("nc_calendar_list_calendars", {})
    assert result.is_error and "404" in error_text(result), error_text(result)


async def test_a_trailing_slash_on_the_host_changes_nothing(fake: FakeNextcloud) -> None:
    async with connect(fake, "wanda", host=f"{HOST}{WEBROOT}/") as client:
        calendars = structured(await client.call_tool("nc_calendar_list_calendars", {}))
    assert "personal" in {c["name"] for c in calendars["items"]}
