"""Tools that send more than one write, with a failure injected at each step (the fake's fault rules).

After a failure that follows a write, a tool either undoes what it did and says so, or says exactly what was done
(ids, etags), what was not, and which call finishes the job, so that a retry never duplicates anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.asgi_server import serve
from support.fixtures import server_env
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio
DECK = "/ocs/v2.php/apps/deck/api/v1.0"
DECK_REST = "/index.php/apps/deck/api/v1.0"


async def fault(control: httpx2.AsyncClient, method: str, path: str, status: int = 500, **action: Any) -> None:
    """Every `method` request whose path matches the regex `path` answers `status` (until the faults are cleared)."""
    rule = {"method": method, "path": path, "action": {"status": status, **action}}
    assert (await control.post("/__testbed__/faults", json=rule)).status_code == 201


async def clear(control: httpx2.AsyncClient) -> None:
    await control.delete("/__testbed__/faults")


@pytest.fixture
async def served(fake: FakeNextcloud) -> AsyncIterator[tuple[httpx2.AsyncClient, Client]]:
    """The fake over real HTTP (a dropped connection needs a socket) and a server acting as alice."""
    async with serve(fake) as base, httpx2.AsyncClient(base_url=base, trust_env=False) as control:
        server = build_server(load_settings(environ=server_env("alice", host=base)))
        async with Client(server) as client:
            yield control, client


async def sent(control: httpx2.AsyncClient, method: str, path_part: str) -> int:
    records = (await control.get("/__testbed__/requests")).json()["requests"]
    return sum(1 for r in records if r["method"] == method and path_part in r["path"])


# -- Deck ---------------------------------------------------------------------------------------------------------


async def _board(control: httpx2.AsyncClient) -> dict[str, Any]:
    spec = {"user": "alice", "boards": [{"title": "Home", "stacks": [{"title": "To do"}, {"title": "Done"}]}]}
    response = await control.post("/__testbed__/seed/deck", json=spec)
    assert response.status_code == 201, response.text
    board: dict[str, Any] = response.json()["boards"][0]
    return board


async def _titles(mcp: Any, board_id: int) -> list[str]:
    cards = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": board_id}))["items"]
    return [c["title"] for c in cards]


CARD = {"title": "Paint kitchen", "labels": ["Finished", "To review"], "assignees": ["alice"]}


@pytest.mark.parametrize("step", [r"/label/\d+$", r"/assign$"], ids=["label", "assignee"])
async def test_deck_create_card_is_undone_when_a_label_or_assignee_fails(
    mcp_as: McpFactory, control: httpx2.AsyncClient, step: str
) -> None:
    board = await _board(control)
    args = {"board_id": board["id"], "stack_id": board["stacks"][0]["id"], **CARD}
    async with mcp_as("alice") as mcp:
        await fault(control, "POST", DECK + r"/cards/\d+" + step, 403, body={"ocs": {"meta": {"message": "nope"}}})
        failed = await mcp.call_tool("nc_deck_create_card", args)
        text = error_text(failed)
        assert failed.is_error and "was deleted again, so nothing was kept" in text, text
        assert "will not leave a duplicate" in text
        assert await _titles(mcp, board["id"]) == []
        await clear(control)
        made = structured(await mcp.call_tool("nc_deck_create_card", args))  # the retry the message invites
        assert made["labels"] == ["Finished", "To review"] and made["assignees"] == ["alice"]
        assert await _titles(mcp, board["id"]) == ["Paint kitchen"]


async def test_deck_create_card_reports_the_card_when_it_cannot_be_undone(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    board = await _board(control)
    args = {"board_id": board["id"], "stack_id": board["stacks"][0]["id"], **CARD}
    async with mcp_as("alice") as mcp:
        await fault(control, "POST", DECK + r"/cards/\d+/assign$")
        await fault(control, "DELETE", DECK_REST + r"/boards/\d+/stacks/\d+/cards/\d+$")
        failed = await mcp.call_tool("nc_deck_create_card", args)
        text = error_text(failed)
        cards = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": board["id"]}))["items"]
        assert [c["title"] for c in cards] == ["Paint kitchen"]
        card_id = cards[0]["id"]
        assert f"Card {card_id} 'Paint kitchen' was created" in text and "then assign 'alice' failed" in text
        assert "Done before it: add label 'Finished'; add label 'To review'." in text
        assert "do not create it again" in text
        assert f"nc_deck_assign_card (board_id={board['id']}, card_id={card_id}, add_users=['alice'])" in text
        await clear(control)
        finish = {"board_id": board["id"], "card_id": card_id, "add_users": ["alice"]}
        done = structured(await mcp.call_tool("nc_deck_assign_card", finish))
        assert done["labels"] == ["Finished", "To review"] and done["assignees"] == ["alice"]


async def test_deck_create_card_says_it_exists_when_only_the_read_back_fails(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    board = await _board(control)
    args = {"board_id": board["id"], "stack_id": board["stacks"][0]["id"], **CARD}
    async with mcp_as("alice") as mcp:
        await fault(control, "GET", DECK + r"/cards/\d+/attachments$")
        failed = await mcp.call_tool("nc_deck_create_card", args)
        text = error_text(failed)
        await clear(control)
        cards = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": board["id"]}))["items"]
        assert len(cards) == 1 and cards[0]["labels"] == ["Finished", "To review"]
        assert f"Card {cards[0]['id']} 'Paint kitchen' was created" in text and "reading it back failed" in text
        assert "Do not create it again" in text and "nc_deck_get_card" in text


async def test_deck_update_card_says_the_fields_are_saved_when_the_move_fails(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    board = await _board(control)
    todo, done_stack = board["stacks"][0]["id"], board["stacks"][1]["id"]
    async with mcp_as("alice") as mcp:
        made = structured(
            await mcp.call_tool("nc_deck_create_card", {"board_id": board["id"], "stack_id": todo, "title": "x"})
        )
        await fault(control, "PUT", DECK + r"/cards/\d+/reorder$")
        change = {"board_id": board["id"], "card_id": made["id"], "etag": made["etag"], "title": "Paint",
                  "stack_id": done_stack, "order": 0}  # fmt: skip
        failed = await mcp.call_tool("nc_deck_update_card", change)
        text = error_text(failed)
        await clear(control)
        now = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": board["id"], "card_id": made["id"]}))
        assert now["title"] == "Paint" and now["stack_id"] == todo
        assert "the change of title was saved" in text and f"etag now {now['etag']}" in text
        assert f"stack_id={done_stack}, order=0, etag='{now['etag']}'" in text and "Only the move is left" in text
        follow = {
            "board_id": board["id"],
            "card_id": made["id"],
            "stack_id": done_stack,
            "order": 0,
            "etag": now["etag"],
        }
        moved = structured(await mcp.call_tool("nc_deck_update_card", follow))
        assert moved["stack_id"] == done_stack and moved["title"] == "Paint"


async def test_deck_assign_card_lists_what_was_applied(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    board = await _board(control)
    async with mcp_as("alice") as mcp:
        base = {"board_id": board["id"], "stack_id": board["stacks"][0]["id"], "title": "x"}
        made = structured(await mcp.call_tool("nc_deck_create_card", base))
        await fault(control, "POST", DECK + r"/cards/\d+/assign$")
        args = {"board_id": board["id"], "card_id": made["id"], "add_labels": ["Finished"], "add_users": ["alice"]}
        failed = await mcp.call_tool("nc_deck_assign_card", args)
        text = error_text(failed)
        assert f"Card {made['id']}: assign 'alice' failed" in text and "Done before it: add label 'Finished'" in text
        assert "add_users=['alice']" in text and "same arguments finishes it" in text
        await clear(control)
        again = structured(await mcp.call_tool("nc_deck_assign_card", args))
        assert again["labels"] == ["Finished"] and again["assignees"] == ["alice"]
        assert await sent(control, "POST", "/label/") == 1  # the label was not sent twice


async def test_deck_update_stack_says_the_rename_is_saved_when_the_move_fails(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    board = await _board(control)
    stack = board["stacks"][1]
    async with mcp_as("alice") as mcp:
        etag = next(
            s["etag"]
            for s in structured(await mcp.call_tool("nc_deck_get_board", {"board_id": board["id"]}))["stacks"]
            if s["id"] == stack["id"]
        )
        await fault(control, "PUT", DECK + r"/stacks/\d+/reorder$")
        args = {"board_id": board["id"], "stack_id": stack["id"], "title": "Finished", "order": 0, "etag": etag}
        text = error_text(await mcp.call_tool("nc_deck_update_stack", args))
        assert f"Stack {stack['id']} was renamed to 'Finished'" in text and "Only the move is left" in text
        assert f"stack_id={stack['id']}, order=0" in text


async def test_deck_409_on_an_attachment_names_the_existing_one(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    """Deck answers a second file of the same name with 409 "File already exists." and that attachment as data
    (nextcloud/deck lib/Service/FileService.php::create, lib/Middleware/ExceptionMiddleware.php)."""
    board = await _board(control)
    files = {"user": "alice", "files": [{"path": "plan.md", "content": "# plan"}]}
    assert (await control.post("/__testbed__/seed/files", json=files)).status_code == 201
    async with mcp_as("alice") as mcp:
        base = {"board_id": board["id"], "stack_id": board["stacks"][0]["id"], "title": "x"}
        made = structured(await mcp.call_tool("nc_deck_create_card", base))
        body = {"status": 409, "message": "File already exists.", "data": {"id": 77, "data": "plan.md"}}
        await fault(control, "POST", DECK + r"/cards/\d+/attachment$", 409, body=body)
        text = error_text(await mcp.call_tool("nc_deck_add_attachment", {"card_id": made["id"], "path": "/plan.md"}))
        assert "File already exists." in text and "(attachment 77)" in text and "nc_deck_delete_attachment" in text
        assert "parent is missing" not in text


# -- Files --------------------------------------------------------------------------------------------------------

DAV = r"/remote\.php/dav/files/alice/"


async def test_files_write_and_move_say_they_are_done_when_only_the_read_back_fails(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as mcp:
        await fault(control, "PROPFIND", DAV + r"a\.txt/?$")
        text = error_text(await mcp.call_tool("nc_files_write_file", {"path": "/a.txt", "text": "hello"}))
        assert "/a.txt was written (5 bytes), but reading it back failed" in text and "do not repeat it" in text
        await clear(control)
        assert structured(await mcp.call_tool("nc_files_read_file", {"path": "/a.txt"}))["text"] == "hello"
        await fault(control, "PROPFIND", DAV + r"b\.txt/?$")
        text = error_text(await mcp.call_tool("nc_files_move_file", {"path": "/a.txt", "target": "/b.txt"}))
        assert "/a.txt was moved to /b.txt, but reading it back failed" in text and "nc_files_get_file" in text
        await clear(control)
        assert structured(await mcp.call_tool("nc_files_get_file", {"path": "/b.txt"}))["path"] == "/b.txt"


async def test_files_create_folder_lists_the_folders_it_made(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as mcp:
        await fault(control, "MKCOL", DAV + r"a/b/c/$")
        text = error_text(await mcp.call_tool("nc_files_create_folder", {"path": "/a/b/c"}))
        assert "Created /a, /a/b, then creating /a/b/c failed" in text and "again with the same path is safe" in text
        await clear(control)
        made = structured(await mcp.call_tool("nc_files_create_folder", {"path": "/a/b/c"}))
        assert made["path"] == "/a/b/c"


# -- Notes: a write sent without an answer ------------------------------------------------------------------------


async def test_notes_append_and_create_without_an_answer_say_to_look_first(
    served: tuple[httpx2.AsyncClient, Client],
) -> None:
    control, mcp = served
    note = structured(await mcp.call_tool("nc_notes_create_note", {"title": "Log", "content": "one"}))
    await fault(control, "PUT", r"/apps/notes/api/v1/notes/\d+$", drop=True)
    text = error_text(await mcp.call_tool("nc_notes_append_note", {"note_id": note["id"], "text": "two"}))
    assert "may or may not have been applied" in text and "Read its end with nc_notes_get_note" in text
    assert "nc_notes_get_note before calling nc_notes_append_note again" in text
    assert await sent(control, "PUT", "/notes/") == 1
    await fault(control, "POST", r"/apps/notes/api/v1/notes$", drop=True)
    text = error_text(await mcp.call_tool("nc_notes_create_note", {"title": "Shopping"}))
    assert "may or may not have been applied" in text and "Look for 'Shopping' with nc_notes_search_notes" in text


# -- Calendar: "following" is two writes --------------------------------------------------------------------------

CAL = r"/remote\.php/dav/calendars/alice/personal/"
SERIES = {"title": "Standup", "start": "2026-03-27T09:00:00", "end": "2026-03-27T09:15:00", "tz": "UTC",
          "rrule": "FREQ=DAILY;COUNT=5"}  # fmt: skip


async def _split(mcp: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A daily series and the arguments that split it at its fourth instance; also the series' resource regex."""
    series = structured(await mcp.call_tool("nc_calendar_create_event", SERIES))
    window = {"start": "2026-03-20", "end": "2026-04-10"}
    fourth = structured(await mcp.call_tool("nc_calendar_list_events", window))["items"][3]
    args = {"calendar": "personal", "event_id": series["event_id"], "etag": series["etag"], "scope": "following",
            "recurrence_id": fourth["recurrence_id"], "location": "Room B"}  # fmt: skip
    return series, args, CAL + series["event_id"].replace(".", r"\.") + "$"


async def _objects(mcp: Any) -> list[str]:
    window = {"start": "2026-03-20", "end": "2026-04-10"}
    items = structured(await mcp.call_tool("nc_calendar_list_events", window))["items"]
    return sorted({e["event_id"] for e in items})


async def test_calendar_split_is_undone_when_ending_the_original_fails(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as mcp:
        series, args, original = await _split(mcp)
        await fault(control, "PUT", original, 500)
        text = error_text(await mcp.call_tool("nc_calendar_update_event", args))
        assert f"Splitting the series failed while ending the original series {series['event_id']!r}" in text
        assert "was deleted again, so nothing was changed" in text
        await clear(control)
        assert await _objects(mcp) == [series["event_id"]]
        done = structured(await mcp.call_tool("nc_calendar_update_event", args))  # the retry it invites
        assert done["location"] == "Room B" and len(await _objects(mcp)) == 2


async def test_calendar_split_names_the_new_series_when_it_cannot_be_undone(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as mcp:
        series, args, original = await _split(mcp)
        await fault(control, "PUT", original, 500)
        await fault(control, "DELETE", CAL, 500)
        text = error_text(await mcp.call_tool("nc_calendar_update_event", args))
        await clear(control)
        objects = await _objects(mcp)
        new = next(o for o in objects if o != series["event_id"])
        assert f"The new series {new!r}" in text and "those instances can appear twice" in text
        assert f"nc_calendar_delete_event (calendar='personal', event_id={new!r})" in text
        structured(await mcp.call_tool("nc_calendar_delete_event", {"calendar": "personal", "event_id": new}))
        assert await _objects(mcp) == [series["event_id"]]


async def test_calendar_and_tasks_creates_without_an_answer_name_the_id_to_check(
    served: tuple[httpx2.AsyncClient, Client],
) -> None:
    control, mcp = served
    await fault(control, "PUT", CAL, drop=True)
    text = error_text(await mcp.call_tool("nc_calendar_create_event", {"title": "Dentist", "start": "2026-05-01"}))
    assert "may or may not have been applied" in text
    assert "Check with nc_calendar_get_event (calendar='personal'" in text and "create it again only if" in text
    event_id = text.split("event_id='", 1)[1].split("'", 1)[0]
    missing = await mcp.call_tool("nc_calendar_get_event", {"calendar": "personal", "event_id": event_id})
    assert missing.is_error  # the fake dropped it before storing: the check says "create it again"
    await clear(control)
    todo = {"name": "todo", "display_name": "To do", "components": ["VTODO"]}
    structured(await mcp.call_tool("nc_calendar_create_calendar", todo))
    await fault(control, "PUT", r"/remote\.php/dav/calendars/alice/todo/", drop=True)
    text = error_text(await mcp.call_tool("nc_tasks_create_task", {"title": "Call mum", "tasklist": "todo"}))
    assert "Check with nc_tasks_get_task (tasklist='todo', task_id=" in text


# -- Cookbook, Tables, Contacts: the write worked, reading it back did not ----------------------------------------


async def test_cookbook_create_says_it_is_saved_and_a_retry_finds_it(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    recipe = r"/apps/cookbook/api/v1/recipes/\d+$"
    async with mcp_as("alice") as mcp:
        await fault(control, "GET", recipe)
        text = error_text(await mcp.call_tool("nc_cookbook_create_recipe", {"name": "Pancakes"}))
        assert "'Pancakes' was created, but reading it back failed" in text and "do not repeat the call" in text
        recipe_id = int(text.split("Recipe ", 1)[1].split(" ", 1)[0])
        assert f"nc_cookbook_get_recipe (recipe_id={recipe_id})" in text
        await clear(control)
        again = error_text(await mcp.call_tool("nc_cookbook_create_recipe", {"name": "Pancakes"}))
        assert "already exists" in again and "nc_cookbook_list_recipes (query='Pancakes')" in again
        listed = structured(await mcp.call_tool("nc_cookbook_list_recipes", {"query": "Pancakes"}))["items"]
        assert [r["id"] for r in listed] == [recipe_id]
        # (the update's read-back failure is not injected here: the fault rules cannot spare the read before it)


async def test_tables_create_table_and_row_say_they_are_saved(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as mcp:
        await fault(control, "GET", r"/apps/tables/api/2/columns/table/\d+$")
        text = error_text(await mcp.call_tool("nc_tables_create_table", {"title": "Books"}))
        assert "'Books' was created, but reading it back failed" in text and "do not create it again" in text
        await clear(control)
        tables = structured(await mcp.call_tool("nc_tables_list_tables", {}))["items"]
        assert [t["title"] for t in tables] == ["Books"]
        table_id = tables[0]["id"]
        structured(
            await mcp.call_tool("nc_tables_add_column", {"table_id": table_id, "name": "Title", "type": "text-line"})
        )
        await fault(control, "GET", r"/apps/tables/api/1/rows/\d+$")
        args = {"table_id": table_id, "values": {"Title": "Dune"}}
        text = error_text(await mcp.call_tool("nc_tables_create_row", args))
        assert "was created in table" in text and "nc_tables_get_row (row_id=" in text
        await clear(control)
        rows = structured(await mcp.call_tool("nc_tables_list_rows", {"table_id": table_id}))["items"]
        assert len(rows) == 1


async def test_contacts_create_says_where_it_stands(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as mcp:
        await fault(control, "PROPFIND", r"/remote\.php/dav/addressbooks/users/alice/$")
        created = await mcp.call_tool("nc_contacts_create_addressbook", {"name": "club", "display_name": "Club"})
        text = error_text(created)
        assert "The address book 'club' was created, but reading it back failed" in text, text
        await clear(control)
        books = structured(await mcp.call_tool("nc_contacts_list_addressbooks", {}))["items"]
        assert "club" in [b["name"] for b in books]
