"""Deck tools against the fake Deck app: every tool, failure paths, alice/bob isolation, and the Deck client with
OAuth Bearer tokens on a Nextcloud with and without the Bearer patch (OCS routes keep working unpatched)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.apps.deck.client import DeckClient
from nextcloud_mcp.auth.identity import BearerAuth
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import AuthenticationFailed
from nextcloud_mcp.core.http import NextcloudHTTP
from support.fake_oidc import create_client, token_for
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio


async def _seed(control: httpx2.AsyncClient) -> dict[str, Any]:
    spec = {
        "user": "alice",
        "boards": [
            {
                "title": "Launch",
                "stacks": [
                    {"title": "To do", "cards": [{"title": "Plan", "description": "d" * 250, "labels": ["Later"]}]},
                    {"title": "Doing"},
                ],
            }
        ],
    }
    response = await control.post("/__testbed__/seed/deck", json=spec)
    assert response.status_code == 201, response.text
    board: dict[str, Any] = response.json()["boards"][0]
    return board


async def test_boards_stacks_and_labels(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid = seeded["id"]
    async with mcp_as("alice") as mcp:
        boards = structured(await mcp.call_tool("nc_deck_list_boards", {}))
        assert set(boards) == {"items", "next_cursor", "total"} and boards["total"] == 1
        assert [b["title"] for b in boards["items"]] == ["Launch"] and boards["items"][0]["permissions"]
        board = structured(await mcp.call_tool("nc_deck_get_board", {"board_id": bid}))
        assert [s["title"] for s in board["stacks"]] == ["To do", "Doing"] and board["members"] == ["alice"]
        assert [lb["title"] for lb in board["labels"]][-1] == "Later" and board["owner"] == "alice"
        assert board["etag"] == boards["items"][0]["etag"]
        made = structured(await mcp.call_tool("nc_deck_create_board", {"title": "New", "color": "ff0000"}))
        assert set(made) == set(board) and made["labels"][0]["title"] == "Finished"
        saved = structured(
            await mcp.call_tool(
                "nc_deck_update_board", {"board_id": made["id"], "archived": True, "etag": made["etag"]}
            )
        )
        assert set(saved) == set(board) and saved["archived"] is True and saved["title"] == "New"
        clone = structured(await mcp.call_tool("nc_deck_clone_board", {"board_id": bid, "cards": True}))
        assert clone["title"] == "Launch (copy)"
        gone = structured(await mcp.call_tool("nc_deck_delete_board", {"board_id": made["id"], "confirm": True}))
        assert gone == {
            "deleted": f"the board 'New' (id {made['id']}) with no stacks and no cards",
            "confirmed_by": "argument",
        }
        listed = structured(await mcp.call_tool("nc_deck_list_boards", {}))["items"]
        assert made["id"] not in [b["id"] for b in listed]
        assert structured(await mcp.call_tool("nc_deck_restore_board", {"board_id": made["id"]}))["ok"]
        listed = structured(await mcp.call_tool("nc_deck_list_boards", {}))["items"]
        assert made["id"] in [b["id"] for b in listed]
        stack = structured(await mcp.call_tool("nc_deck_create_stack", {"board_id": bid, "title": "Review"}))
        assert set(stack) == {"id", "title", "etag"} and stack["title"] == "Review"
        renamed = structured(
            await mcp.call_tool(
                "nc_deck_update_stack",
                {"board_id": bid, "stack_id": stack["id"], "title": "QA", "order": 0, "etag": stack["etag"]},
            )
        )
        assert renamed["title"] == "QA"
        stacks = structured(await mcp.call_tool("nc_deck_get_board", {"board_id": bid}))["stacks"]
        assert [s["title"] for s in stacks] == ["QA", "To do", "Doing"]
        await mcp.call_tool("nc_deck_delete_stack", {"board_id": bid, "stack_id": stack["id"], "confirm": True})
        stacks = structured(await mcp.call_tool("nc_deck_get_board", {"board_id": bid}))["stacks"]
        assert [s["title"] for s in stacks] == ["To do", "Doing"]
        label = structured(
            await mcp.call_tool("nc_deck_create_label", {"board_id": bid, "title": "Bug", "color": "aa0000"})
        )
        changed = structured(
            await mcp.call_tool(
                "nc_deck_update_label",
                {"board_id": bid, "label_id": label["id"], "title": "Defect", "etag": label["etag"]},
            )
        )
        assert set(changed) == set(label) and (changed["title"], changed["color"]) == ("Defect", "aa0000")
        await mcp.call_tool("nc_deck_delete_label", {"board_id": bid, "label_id": label["id"]})


async def test_updates_need_the_etag_read_or_force(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """Every update refuses without an etag; a stale etag is a conflict naming the tool to re-read; force writes."""
    seeded = await _seed(control)
    bid, todo, cid = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][0]["cards"][0]
    async with mcp_as("alice") as mcp:
        board = structured(await mcp.call_tool("nc_deck_get_board", {"board_id": bid}))
        label_id = seeded["labels"]["Later"]
        comment = structured(await mcp.call_tool("nc_deck_create_comment", {"card_id": cid, "message": "hi"}))
        updates = [
            ("nc_deck_update_board", {"board_id": bid, "title": "X"}, "nc_deck_get_board"),
            ("nc_deck_update_stack", {"board_id": bid, "stack_id": todo, "title": "X"}, "nc_deck_get_board"),
            ("nc_deck_update_label", {"board_id": bid, "label_id": label_id, "title": "X"}, "nc_deck_get_board"),
            ("nc_deck_update_card", {"board_id": bid, "card_id": cid, "title": "X"}, "nc_deck_get_card"),
            (
                "nc_deck_update_comment",
                {"card_id": cid, "comment_id": comment["id"], "message": "X"},
                "nc_deck_list_comments",
            ),
        ]
        for name, args, getter in updates:
            refused = await mcp.call_tool(name, args)
            assert refused.is_error and "Pass the etag" in error_text(refused) and getter in error_text(refused)
        await control.post("/__testbed__/clock", json={"advance": 5})  # Deck's ETag is md5(lastModified) in seconds
        for name, args, getter in updates:
            stale = await mcp.call_tool(name, {**args, "etag": "0" * 32})
            assert stale.is_error, name
            assert "changed since you read it" in error_text(stale) and getter in error_text(stale), error_text(stale)
        now = structured(await mcp.call_tool("nc_deck_get_board", {"board_id": bid}))
        assert now["title"] == board["title"] == "Launch"  # nothing was written
        for name, args, _ in updates:
            assert not (await mcp.call_tool(name, {**args, "force": True})).is_error, name
        assert structured(await mcp.call_tool("nc_deck_get_board", {"board_id": bid}))["title"] == "X"


async def test_cards_full_cycle(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid, todo, doing = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][1]["id"]
    finished = seeded["labels"]["Finished"]
    async with mcp_as("alice") as mcp:
        args = {
            "board_id": bid,
            "stack_id": todo,
            "title": "Ship",
            "description": "go",
            "due": "2026-12-24",
            "labels": [finished],  # a label by id, as a number
            "assignees": ["alice"],
        }
        made = structured(await mcp.call_tool("nc_deck_create_card", args))
        cid = made["id"]
        card = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": bid, "card_id": cid}))
        assert made == card  # create returns exactly what get returns
        assert card["labels"] == ["Finished"] and card["assignees"] == ["alice"] and card["done"] is False
        assert card["due"] == "2026-12-24T00:00:00+00:00" and card["stack_id"] == todo and card["etag"]
        ref = {"board_id": bid, "card_id": cid}
        done = structured(await mcp.call_tool("nc_deck_update_card", {**ref, "done": True, "etag": card["etag"]}))
        assert set(done) == set(card) and done["done"] is True  # a boolean, not Deck's timestamp
        assert done["description"] == "go" and done["due"] == card["due"]  # nothing dropped
        retitled = structured(
            await mcp.call_tool("nc_deck_update_card", {**ref, "title": "Ship it", "etag": done["etag"]})
        )
        assert retitled["done"] is True and retitled["labels"] == ["Finished"]
        undone = structured(await mcp.call_tool("nc_deck_update_card", {**ref, "done": False, "force": True}))
        assert undone["done"] is False and undone["title"] == "Ship it"
        moved = structured(
            await mcp.call_tool("nc_deck_update_card", {**ref, "stack_id": doing, "order": 0, "force": True})
        )
        assert moved["stack_id"] == doing
        bad = await mcp.call_tool("nc_deck_update_card", {**ref, "due": "2026-13-45", "force": True})
        assert bad.is_error and "Bad due date" in error_text(bad)
        tags = {**ref, "add_labels": ["later"], "remove_labels": [str(finished)], "remove_users": ["alice"]}
        tagged = structured(await mcp.call_tool("nc_deck_assign_card", tags))
        assert tagged["labels"] == ["Later"] and tagged["assignees"] == [] and tagged["etag"]
        again = structured(await mcp.call_tool("nc_deck_assign_card", tags))  # idempotent
        assert again["labels"] == ["Later"]
        archived = structured(await mcp.call_tool("nc_deck_update_card", {**ref, "archived": True, "force": True}))
        assert archived["archived"] is True
        listing = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": bid, "archived": True}))
        assert [c["id"] for c in listing["items"]] == [cid] and listing["total"] == 1
        await mcp.call_tool("nc_deck_update_card", {**ref, "archived": False, "force": True})
        other = structured(await mcp.call_tool("nc_deck_create_board", {"title": "Other"}))
        target = structured(await mcp.call_tool("nc_deck_create_stack", {"board_id": other["id"], "title": "In"}))
        across = {**ref, "stack_id": target["id"], "order": 0, "force": True}  # a stack of another board
        crossed = structured(await mcp.call_tool("nc_deck_update_card", across))
        assert crossed["stack_id"] == target["id"] and crossed["labels"] == ["Later"]
        detail = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": other["id"], "card_id": cid}))
        assert detail["description"] == "go"
        assert structured(await mcp.call_tool("nc_deck_delete_card", {"board_id": other["id"], "card_id": cid}))["ok"]
        gone = await mcp.call_tool("nc_deck_get_card", {"board_id": other["id"], "card_id": cid})
        assert gone.is_error and "Card is deleted" in error_text(gone)


async def test_list_cards_pages_and_cuts(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid, todo, doing = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][1]["id"]
    async with mcp_as("alice") as mcp:
        await mcp.call_tool("nc_deck_create_card", {"board_id": bid, "stack_id": doing, "title": "Second"})
        first = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": bid, "limit": 1}))
        card = first["items"][0]
        assert card["title"] == "Plan" and first["total"] == 2 and first["next_cursor"]
        assert len(card["description"]) == 101 and card["labels"] == ["Later"]  # cut to 100 + "…"
        assert card["due"] is None and card["done"] is False  # absent is null, a flag is a boolean
        rest = {"board_id": bid, "limit": 1, "cursor": first["next_cursor"], "full": True}
        second = structured(await mcp.call_tool("nc_deck_list_cards", rest))
        assert [c["title"] for c in second["items"]] == ["Second"] and second["next_cursor"] is None
        only = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": bid, "stack_id": todo, "full": True}))
        assert [c["title"] for c in only["items"]] == ["Plan"] and len(only["items"][0]["description"]) == 250
        wrong = await mcp.call_tool("nc_deck_list_cards", {"board_id": bid, "stack_id": 999})
        assert wrong.is_error and "To do" in error_text(wrong) and str(todo) in error_text(wrong)


async def test_labels_and_members_by_natural_names(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """Labels by title or id (number or text), members by id or display name; unknown ones are refused with the
    valid values, before anything is written."""
    seeded = await _seed(control)
    bid, todo, cid = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][0]["cards"][0]
    review = seeded["labels"]["To review"]
    await control.post("/__testbed__/deck/share", json={"board": bid, "user": "bob", "edit": True})
    async with mcp_as("alice") as mcp:
        ref = {"board_id": bid, "card_id": cid}
        tagged = structured(await mcp.call_tool("nc_deck_assign_card", {**ref, "add_labels": [review, "Finished"]}))
        assert tagged["labels"] == ["Later", "To review", "Finished"]
        bob = structured(await mcp.call_tool("nc_deck_assign_card", {**ref, "add_users": ["bob"]}))
        assert bob["assignees"] == ["bob"]
        unknown = await mcp.call_tool("nc_deck_assign_card", {**ref, "add_labels": ["Urgent"]})
        text = error_text(unknown)
        assert unknown.is_error and "no label 'Urgent'" in text and f"To review ({review})" in text
        assert "nc_deck_create_label" in text
        stranger = await mcp.call_tool("nc_deck_assign_card", {**ref, "add_users": ["nobody"]})
        assert stranger.is_error and "not part of board" in error_text(stranger) and "bob" in error_text(stranger)
        refused = await mcp.call_tool(
            "nc_deck_create_card", {"board_id": bid, "stack_id": todo, "title": "Never", "labels": ["Urgent"]}
        )
        assert refused.is_error
        titles = [c["title"] for c in structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": bid}))["items"]]
        assert "Never" not in titles  # refused before the card was created
        missing = await mcp.call_tool("nc_deck_update_label", {"board_id": bid, "label_id": 999, "force": True})
        assert missing.is_error and f"To review ({review})" in error_text(missing)
        dup = await mcp.call_tool("nc_deck_create_label", {"board_id": bid, "title": "Later"})
        text = error_text(dup)
        assert dup.is_error and "title must be unique" in text and "already has a label" in text
        assert "changed since" not in text


async def test_comments_and_attachments(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    cid = seeded["stacks"][0]["cards"][0]
    files = {"user": "alice", "files": [{"path": "Docs/spec.txt", "content": "spec body"}]}
    assert (await control.post("/__testbed__/seed/files", json=files)).status_code == 201
    async with mcp_as("alice") as mcp:
        first = structured(await mcp.call_tool("nc_deck_create_comment", {"card_id": cid, "message": "first"}))
        assert first["reply_to"] is None and first["created"].endswith("+00:00") and first["etag"]
        reply = structured(
            await mcp.call_tool("nc_deck_create_comment", {"card_id": cid, "message": "re", "reply_to": first["id"]})
        )
        assert reply["reply_to"] == first["id"]
        edit = {"card_id": cid, "comment_id": reply["id"], "message": "re!", "etag": reply["etag"]}
        edited = structured(await mcp.call_tool("nc_deck_update_comment", edit))
        assert edited["message"] == "re!" and edited["reply_to"] == first["id"] and edited["etag"] != reply["etag"]
        stale = await mcp.call_tool("nc_deck_update_comment", {**edit, "message": "lost"})
        assert stale.is_error and "changed since you read it" in error_text(stale)
        listed = structured(await mcp.call_tool("nc_deck_list_comments", {"card_id": cid}))
        assert [c["message"] for c in listed["items"]] == ["re!", "first"] and listed["items"][0] == edited
        page1 = structured(await mcp.call_tool("nc_deck_list_comments", {"card_id": cid, "limit": 1}))
        assert [c["id"] for c in page1["items"]] == [reply["id"]] and page1["next_cursor"] == "1"
        page2 = structured(
            await mcp.call_tool("nc_deck_list_comments", {"card_id": cid, "limit": 1, "cursor": page1["next_cursor"]})
        )
        assert [c["id"] for c in page2["items"]] == [first["id"]]
        await mcp.call_tool("nc_deck_delete_comment", {"card_id": cid, "comment_id": reply["id"]})
        assert len(structured(await mcp.call_tool("nc_deck_list_comments", {"card_id": cid}))["items"]) == 1
        att = structured(await mcp.call_tool("nc_deck_add_attachment", {"card_id": cid, "path": "/Docs/spec.txt"}))
        assert att["name"] == "spec.txt" and att["path"] == "/Deck/spec.txt" and att["type"] == "file"
        detail = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": seeded["id"], "card_id": cid}))
        assert [a["id"] for a in detail["attachments"]] == [att["id"]]
        await mcp.call_tool("nc_deck_delete_attachment", {"card_id": cid, "attachment_id": att["id"]})
        detail = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": seeded["id"], "card_id": cid}))
        assert detail["attachments"] == []
        missing = await mcp.call_tool("nc_deck_add_attachment", {"card_id": cid, "path": "Docs/none.txt"})
        assert missing.is_error


async def test_deleted_legacy_attachment_is_not_listed(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """A `deck_file` attachment (API 1.0, the pre-1.3 kind other clients still create) is only soft-deleted, and
    Deck keeps listing it with `deletedAt` set (AttachmentService::findAll($cardId, true)): the card must not show
    it as attached any more."""
    seeded = await _seed(control)
    cid, sid = seeded["stacks"][0]["cards"][0], seeded["stacks"][0]["id"]
    rest = f"/index.php/apps/deck/api/v1.0/boards/{seeded['id']}/stacks/{sid}/cards/{cid}/attachments"
    upload = await control.post(
        rest,
        auth=("alice", "alice-secret"),
        headers={"OCS-APIRequest": "true"},
        data={"type": "deck_file", "data": "old.txt"},
        files={"file": ("old.txt", b"legacy")},
    )
    assert upload.status_code == 200, upload.text
    legacy = upload.json()["id"]
    async with mcp_as("alice") as mcp:
        detail = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": seeded["id"], "card_id": cid}))
        assert [(a["id"], a["type"]) for a in detail["attachments"]] == [(legacy, "deck_file")]
        args = {"card_id": cid, "attachment_id": legacy, "type": "deck_file"}
        assert not (await mcp.call_tool("nc_deck_delete_attachment", args)).is_error
        detail = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": seeded["id"], "card_id": cid}))
        assert detail["attachments"] == []


@pytest.mark.parametrize("version", ["1.18.3", "1.19.0"])
async def test_version_specific_routes(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud, version: str
) -> None:
    """Clone and attachment delete use the routes of the installed Deck (1.19 added both API routes)."""
    fake.fake_state.apps["deck"] = version
    seeded = await _seed(control)
    cid = seeded["stacks"][0]["cards"][0]
    files = {"user": "alice", "files": [{"path": "x.md", "content": "# x"}]}
    assert (await control.post("/__testbed__/seed/files", json=files)).status_code == 201
    async with mcp_as("alice") as mcp:
        clone = structured(await mcp.call_tool("nc_deck_clone_board", {"board_id": seeded["id"], "cards": True}))
        cards = structured(await mcp.call_tool("nc_deck_list_cards", {"board_id": clone["id"]}))["items"]
        assert [c["title"] for c in cards] == ["Plan"]
        att = structured(await mcp.call_tool("nc_deck_add_attachment", {"card_id": cid, "path": "x.md"}))
        gone = await mcp.call_tool("nc_deck_delete_attachment", {"card_id": cid, "attachment_id": att["id"]})
        assert not gone.is_error, error_text(gone)
        detail = structured(await mcp.call_tool("nc_deck_get_card", {"board_id": seeded["id"], "card_id": cid}))
        assert detail["attachments"] == []
    paths = [entry["path"] for entry in (await control.get("/__testbed__/requests")).json()["requests"]]
    api_clone = f"/index.php/apps/deck/api/v1.0/boards/{seeded['id']}/clone"
    assert (api_clone in paths) == (version == "1.19.0")


async def test_isolation_and_permissions(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid, cid = seeded["id"], seeded["stacks"][0]["cards"][0]
    async with mcp_as("bob") as bob:
        assert structured(await bob.call_tool("nc_deck_list_boards", {}))["items"] == []
        denied = await bob.call_tool("nc_deck_get_board", {"board_id": bid})
        assert denied.is_error and "Permission denied" in error_text(denied) and "nc_deck_" in error_text(denied)
        missing = await bob.call_tool("nc_deck_get_board", {"board_id": 999})
        assert missing.is_error and "Permission denied" in error_text(missing)
        await control.post("/__testbed__/deck/share", json={"board": bid, "user": "bob"})
        shared = structured(await bob.call_tool("nc_deck_list_boards", {}))["items"]
        assert shared[0]["owner"] == "alice" and shared[0]["permissions"] == ["read"]
        ro = await bob.call_tool(
            "nc_deck_update_card", {"board_id": bid, "card_id": cid, "title": "mine", "force": True}
        )
        assert ro.is_error and "Permission denied" in error_text(ro)
        assert structured(
            await bob.call_tool("nc_deck_create_comment", {"card_id": cid, "message": "read-only may comment"})
        )
    async with mcp_as("alice") as alice:
        card = structured(await alice.call_tool("nc_deck_get_card", {"board_id": bid, "card_id": cid}))
        assert card["title"] == "Plan"
        comment = structured(await alice.call_tool("nc_deck_list_comments", {"card_id": cid}))["items"][0]
        others = await alice.call_tool(
            "nc_deck_update_comment", {"card_id": cid, "comment_id": comment["id"], "message": "x", "force": True}
        )
        assert others.is_error and "Only authors are allowed to edit their comment" in error_text(others)


async def _bearer_client(fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool) -> DeckClient:
    fake.fake_state.config.bearer_patch = patched
    registered = await create_client(control)
    token = (await token_for(fake, control, registered, user="alice", password="alice-secret"))["access_token"]
    settings = load_settings(
        environ={"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "x", "NEXTCLOUD_PASSWORD": "x"}
    )
    http = NextcloudHTTP(settings, transport=httpx2.ASGITransport(app=fake))
    return DeckClient(http, BearerAuth(token))


@pytest.mark.parametrize("patched", [True, False])
async def test_oauth_bearer_with_and_without_patch(
    fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool
) -> None:
    """OCS-backed operations work with a Bearer token everywhere. REST-only ones work too, because the client
    sends `OCS-APIRequest: true` (Deck's docs/API.md requires it) and nextcloud/server Request::passesCSRFCheck
    lets that header pass, so CORSMiddleware returns before logging the Bearer session out. Without the header
    a REST route answers the CORS 401, which the client maps to the error naming the Bearer patch."""
    seeded = await _seed(control)
    bid, todo, cid = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][0]["cards"][0]
    deck = await _bearer_client(fake, control, patched)
    assert [b["id"] for b in await deck.boards()] == [bid]
    card = await deck.card(bid, cid)
    updated = await deck.update_card(bid, card, {"title": "via OCS"})
    assert updated["title"] == "via OCS" and updated["description"] == "d" * 250
    made = await deck.create_card(bid, todo, "new", "", None)
    await deck.label(made["id"], seeded["labels"]["Later"], add=True)
    await deck.assignee(made["id"], "alice", add=True)
    await deck.reorder_card(made["id"], todo, 0)
    assert (await deck.create_comment(cid, "hello", 0))["message"] == "hello"
    assert (await deck.create_stack(bid, "S", 5))["title"] == "S"
    await deck.delete_card(bid, todo, made["id"])  # REST only
    assert (await deck.create_label(bid, "X", "123456"))["title"] == "X"  # REST only
    assert (await deck.update_board(bid, "T", "00ff00", False))["title"] == "T"  # REST only
    bare = await deck.rest("GET", "/boards", headers={"OCS-APIRequest": ""}) if patched else None
    if not patched:
        with pytest.raises(AuthenticationFailed, match="Bearer patch"):
            await deck.rest("GET", "/boards", headers={"OCS-APIRequest": ""})
    else:
        assert isinstance(bare, list)


# -- OAuth mode over real HTTP (support/oauth_apps.py: an IdP behind a MockTransport that both the resource server
# and the fake's user_oidc trust) ---------------------------------------------------------------------------------

SCOPE = "deck:read deck:write"


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "unpatched"])
async def test_every_deck_tool_in_oauth_mode(fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool) -> None:
    """In OAuth mode, with and without the Bearer patch, every Deck tool works: OCS routes accept Bearer tokens,
    and the REST ones pass CORSMiddleware because the client sends `OCS-APIRequest: true`."""
    seeded = await _seed(control)
    files = {"user": "alice", "files": [{"path": "a.txt", "content": "A"}]}
    assert (await control.post("/__testbed__/seed/files", json=files)).status_code == 201
    bid, todo, cid = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][0]["cards"][0]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("nc_deck_list_boards", {}),
        ("nc_deck_get_board", {"board_id": bid}),
        ("nc_deck_list_cards", {"board_id": bid}),
        ("nc_deck_list_cards", {"board_id": bid, "archived": True}),
        ("nc_deck_create_board", {"title": "OAuth"}),
        ("nc_deck_update_board", {"board_id": bid, "color": "123456", "force": True}),
        ("nc_deck_clone_board", {"board_id": bid}),
        ("nc_deck_create_stack", {"board_id": bid, "title": "New"}),
        ("nc_deck_update_stack", {"board_id": bid, "stack_id": todo, "title": "Todo", "force": True}),
        ("nc_deck_create_label", {"board_id": bid, "title": "OAuth label"}),
        ("nc_deck_update_label", {"board_id": bid, "label_id": seeded["labels"]["Later"], "force": True}),
        ("nc_deck_create_card", {"board_id": bid, "stack_id": todo, "title": "t"}),
        ("nc_deck_get_card", {"board_id": bid, "card_id": cid}),
        ("nc_deck_update_card", {"board_id": bid, "card_id": cid, "done": True, "force": True}),
        ("nc_deck_assign_card", {"board_id": bid, "card_id": cid, "add_users": ["alice"]}),
        ("nc_deck_create_comment", {"card_id": cid, "message": "m"}),
        ("nc_deck_list_comments", {"card_id": cid}),
        ("nc_deck_add_attachment", {"card_id": cid, "path": "a.txt"}),
    ]
    async with oauth_gate(fake, patched=patched) as gate:

        async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            result = await gate.call(name, arguments, scope=SCOPE)
            assert not result.error, f"{name}: {result.text}"
            return result.data

        for name, arguments in calls:
            await call(name, arguments)
        comment = (await call("nc_deck_list_comments", {"card_id": cid}))["items"][0]
        await call(
            "nc_deck_update_comment", {"card_id": cid, "comment_id": comment["id"], "message": "n", "force": True}
        )
        attachment = (await call("nc_deck_get_card", {"board_id": bid, "card_id": cid}))["attachments"][0]
        board = await call("nc_deck_get_board", {"board_id": bid})
        label, stack = board["labels"][-1], board["stacks"][-1]
        destructive: list[tuple[str, dict[str, Any]]] = [
            ("nc_deck_delete_comment", {"card_id": cid, "comment_id": comment["id"]}),
            ("nc_deck_delete_attachment", {"card_id": cid, "attachment_id": attachment["id"]}),
            ("nc_deck_delete_label", {"board_id": bid, "label_id": label["id"]}),
            ("nc_deck_delete_card", {"board_id": bid, "card_id": cid}),
            ("nc_deck_delete_stack", {"board_id": bid, "stack_id": stack["id"], "confirm": True}),
            ("nc_deck_delete_board", {"board_id": bid, "confirm": True}),
            ("nc_deck_restore_board", {"board_id": bid}),
        ]
        for name, arguments in destructive:
            await call(name, arguments)


async def test_card_update_with_a_stale_etag_changes_nothing(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid = seeded["id"]
    async with mcp_as("alice") as first, mcp_as("alice") as second:
        cid = structured(await first.call_tool("nc_deck_list_cards", {"board_id": bid}))["items"][0]["id"]
        read = structured(await first.call_tool("nc_deck_get_card", {"board_id": bid, "card_id": cid}))
        await control.post("/__testbed__/clock", json={"advance": 5})  # Deck's ETag is md5(lastModified) in seconds
        won = await second.call_tool(
            "nc_deck_update_card", {"board_id": bid, "card_id": cid, "title": "Theirs", "etag": read["etag"]}
        )
        assert not won.is_error, error_text(won)
        lost = await first.call_tool(
            "nc_deck_update_card", {"board_id": bid, "card_id": cid, "title": "Mine", "etag": read["etag"]}
        )
        assert lost.is_error and "changed since you read it" in error_text(lost)
        assert "nc_deck_get_card" in error_text(lost)
        now = structured(await first.call_tool("nc_deck_get_card", {"board_id": bid, "card_id": cid}))
        assert now["title"] == "Theirs" and now["etag"] != read["etag"]
        ok = await first.call_tool(
            "nc_deck_update_card", {"board_id": bid, "card_id": cid, "title": "Mine", "etag": now["etag"]}
        )
        assert structured(ok)["title"] == "Mine"
