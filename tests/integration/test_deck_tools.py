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
        boards = structured(await mcp.call_tool("nc_deck_boards_list", {}))["result"]
        assert [b["title"] for b in boards] == ["Launch"] and boards[0]["perms"]
        board = structured(await mcp.call_tool("nc_deck_board_get", {"board_id": bid}))
        assert [s["title"] for s in board["stacks"]] == ["To do", "Doing"] and board["members"] == ["alice"]
        assert [lb["title"] for lb in board["labels"]][-1] == "Later" and board["owner"] == "alice"
        stacks = structured(await mcp.call_tool("nc_deck_stacks_list", {"board_id": bid}))["result"]
        card = stacks[0]["cards"][0]
        assert len(card["description"]) == 101 and card["labels"] == ["Later"]  # cut to 100 + "…"
        full = structured(await mcp.call_tool("nc_deck_stacks_list", {"board_id": bid, "full": True}))["result"]
        assert len(full[0]["cards"][0]["description"]) == 250
        made = structured(await mcp.call_tool("nc_deck_board_save", {"title": "New", "color": "ff0000"}))
        saved = structured(await mcp.call_tool("nc_deck_board_save", {"board_id": made["id"], "archived": True}))
        assert saved["archived"] is True and saved["title"] == "New" and saved["color"] == "ff0000"
        clone = structured(await mcp.call_tool("nc_deck_board_clone", {"board_id": bid, "cards": True}))
        assert clone["title"] == "Launch (copy)"
        assert structured(await mcp.call_tool("nc_deck_board_delete", {"board_id": made["id"]}))["ok"]
        assert made["id"] not in [b["id"] for b in structured(await mcp.call_tool("nc_deck_boards_list", {}))["result"]]
        await mcp.call_tool("nc_deck_board_delete", {"board_id": made["id"], "undo": True})
        stack = structured(await mcp.call_tool("nc_deck_stack_save", {"board_id": bid, "title": "Review"}))
        renamed = structured(
            await mcp.call_tool(
                "nc_deck_stack_save", {"board_id": bid, "stack_id": stack["id"], "title": "QA", "order": 0}
            )
        )
        assert renamed["title"] == "QA" and renamed["order"] == 0
        await mcp.call_tool("nc_deck_stack_delete", {"board_id": bid, "stack_id": stack["id"]})
        stacks = structured(await mcp.call_tool("nc_deck_board_get", {"board_id": bid}))["stacks"]
        assert [s["title"] for s in stacks] == ["To do", "Doing"]
        label = structured(
            await mcp.call_tool("nc_deck_label_save", {"board_id": bid, "title": "Bug", "color": "aa0000"})
        )
        dup = await mcp.call_tool("nc_deck_label_save", {"board_id": bid, "title": "Later"})
        assert dup.is_error and "title must be unique" in error_text(dup)
        changed = structured(
            await mcp.call_tool("nc_deck_label_save", {"board_id": bid, "label_id": label["id"], "title": "Defect"})
        )
        assert changed == {"id": label["id"], "title": "Defect", "color": "aa0000"}
        await mcp.call_tool("nc_deck_label_delete", {"board_id": bid, "label_id": label["id"]})


async def test_cards_full_cycle(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid, todo, doing = seeded["id"], seeded["stacks"][0]["id"], seeded["stacks"][1]["id"]
    async with mcp_as("alice") as mcp:
        args = {
            "board_id": bid,
            "stack_id": todo,
            "title": "Ship",
            "description": "go",
            "due": "2026-12-24",
            "labels": ["Finished"],
            "assignees": ["alice"],
        }
        ref = structured(await mcp.call_tool("nc_deck_card_create", args))
        cid = ref["id"]
        card = structured(await mcp.call_tool("nc_deck_card_get", {"board_id": bid, "card_id": cid}))
        assert card["labels"] == ["Finished"] and card["assignees"] == ["alice"]
        assert card["due"] == "2026-12-24T00:00:00+00:00" and card["stack_id"] == todo
        done = structured(await mcp.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "done": True}))
        assert done["done"] and done["description"] == "go" and done["due"] == card["due"]  # nothing dropped
        retitled = structured(
            await mcp.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "title": "Ship it"})
        )
        assert retitled["done"] == done["done"] and retitled["labels"] == ["Finished"]
        moved = structured(
            await mcp.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "stack_id": doing, "order": 0})
        )
        assert moved["stack_id"] == doing
        bad = await mcp.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "due": "2026-13-45"})
        assert bad.is_error and "Bad due date" in error_text(bad)
        tags = {
            "board_id": bid,
            "card_id": cid,
            "add_labels": ["Later"],
            "remove_labels": ["Finished"],
            "remove_users": ["alice"],
        }
        tagged = structured(await mcp.call_tool("nc_deck_card_assign", tags))
        assert tagged["labels"] == ["Later"] and tagged["assignees"] == []
        again = structured(await mcp.call_tool("nc_deck_card_assign", tags))  # idempotent
        assert again["labels"] == ["Later"]
        archived = structured(
            await mcp.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "archived": True})
        )
        assert archived["archived"] is True
        listing = structured(await mcp.call_tool("nc_deck_stacks_list", {"board_id": bid, "archived": True}))
        assert [c["id"] for c in listing["result"][1]["cards"]] == [cid]
        await mcp.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "archived": False})
        other = structured(await mcp.call_tool("nc_deck_board_save", {"title": "Other"}))
        target = structured(await mcp.call_tool("nc_deck_stack_save", {"board_id": other["id"], "title": "In"}))
        across = {"board_id": bid, "card_id": cid, "to_board_id": other["id"], "stack_id": target["id"]}
        crossed = structured(await mcp.call_tool("nc_deck_card_update", across))
        assert crossed["stack_id"] == target["id"] and crossed["labels"] == ["Later"]
        detail = structured(await mcp.call_tool("nc_deck_card_get", {"board_id": other["id"], "card_id": cid}))
        assert detail["owner"] == "alice" and detail["description"] == "go"
        assert structured(await mcp.call_tool("nc_deck_card_delete", {"board_id": other["id"], "card_id": cid}))["ok"]
        gone = await mcp.call_tool("nc_deck_card_get", {"board_id": other["id"], "card_id": cid})
        assert gone.is_error and "Card is deleted" in error_text(gone)


async def test_comments_and_attachments(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    cid = seeded["stacks"][0]["cards"][0]
    files = {"user": "alice", "files": [{"path": "Docs/spec.txt", "content": "spec body"}]}
    assert (await control.post("/__testbed__/seed/files", json=files)).status_code == 201
    async with mcp_as("alice") as mcp:
        first = structured(await mcp.call_tool("nc_deck_comment_save", {"card_id": cid, "message": "first"}))
        reply = structured(
            await mcp.call_tool("nc_deck_comment_save", {"card_id": cid, "message": "re", "reply_to": first["id"]})
        )
        assert reply["reply_to"] == first["id"]
        edited = structured(
            await mcp.call_tool("nc_deck_comment_save", {"card_id": cid, "comment_id": first["id"], "message": "1st"})
        )
        assert edited["message"] == "1st"
        listed = structured(await mcp.call_tool("nc_deck_comments_list", {"card_id": cid}))["result"]
        assert [c["message"] for c in listed] == ["re", "1st"]
        await mcp.call_tool("nc_deck_comment_delete", {"card_id": cid, "comment_id": reply["id"]})
        assert len(structured(await mcp.call_tool("nc_deck_comments_list", {"card_id": cid}))["result"]) == 1
        att = structured(await mcp.call_tool("nc_deck_attachment_add", {"card_id": cid, "path": "Docs/spec.txt"}))
        assert att["name"] == "spec.txt" and att["path"] == "/Deck/spec.txt" and att["size"] == 9
        detail = structured(await mcp.call_tool("nc_deck_card_get", {"board_id": seeded["id"], "card_id": cid}))
        assert [a["id"] for a in detail["attachments"]] == [att["id"]] and detail["comments"] == 1
        await mcp.call_tool("nc_deck_attachment_delete", {"card_id": cid, "attachment_id": att["id"]})
        detail = structured(await mcp.call_tool("nc_deck_card_get", {"board_id": seeded["id"], "card_id": cid}))
        assert detail["attachments"] == []
        missing = await mcp.call_tool("nc_deck_attachment_add", {"card_id": cid, "path": "Docs/none.txt"})
        assert missing.is_error


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
        clone = structured(await mcp.call_tool("nc_deck_board_clone", {"board_id": seeded["id"], "cards": True}))
        stacks = structured(await mcp.call_tool("nc_deck_stacks_list", {"board_id": clone["id"]}))["result"]
        assert [c["title"] for c in stacks[0]["cards"]] == ["Plan"]
        att = structured(await mcp.call_tool("nc_deck_attachment_add", {"card_id": cid, "path": "x.md"}))
        gone = await mcp.call_tool("nc_deck_attachment_delete", {"card_id": cid, "attachment_id": att["id"]})
        assert not gone.is_error, error_text(gone)
        detail = structured(await mcp.call_tool("nc_deck_card_get", {"board_id": seeded["id"], "card_id": cid}))
        assert detail["attachments"] == []
    paths = [entry["path"] for entry in (await control.get("/__testbed__/requests")).json()["requests"]]
    api_clone = f"/index.php/apps/deck/api/v1.0/boards/{seeded['id']}/clone"
    assert (api_clone in paths) == (version == "1.19.0")


async def test_isolation_and_permissions(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid, cid = seeded["id"], seeded["stacks"][0]["cards"][0]
    async with mcp_as("bob") as bob:
        assert structured(await bob.call_tool("nc_deck_boards_list", {}))["result"] == []
        denied = await bob.call_tool("nc_deck_board_get", {"board_id": bid})
        assert denied.is_error and "Permission denied" in error_text(denied)
        missing = await bob.call_tool("nc_deck_board_get", {"board_id": 999})
        assert missing.is_error and "Permission denied" in error_text(missing)
        await control.post("/__testbed__/deck/share", json={"board": bid, "user": "bob"})
        shared = structured(await bob.call_tool("nc_deck_boards_list", {}))["result"]
        assert shared[0]["shared"] is True and shared[0]["perms"] == ["read"]
        ro = await bob.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "title": "mine"})
        assert ro.is_error and "Permission denied" in error_text(ro)
        assert structured(
            await bob.call_tool("nc_deck_comment_save", {"card_id": cid, "message": "read-only may comment"})
        )
    async with mcp_as("alice") as alice:
        card = structured(await alice.call_tool("nc_deck_card_get", {"board_id": bid, "card_id": cid}))
        assert card["title"] == "Plan" and card["comments"] == 1
        stranger = await alice.call_tool(
            "nc_deck_card_assign", {"board_id": bid, "card_id": cid, "add_users": ["nobody"]}
        )
        assert stranger.is_error and "not part of the board" in error_text(stranger)


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
    assert (await deck.save_comment(cid, None, "hello", 0))["message"] == "hello"
    assert (await deck.create_stack(bid, "S", 5))["title"] == "S"
    await deck.delete_card(bid, todo, made["id"])  # REST only
    assert (await deck.save_label(bid, None, "X", "123456"))["title"] == "X"  # REST only
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
        ("nc_deck_boards_list", {}),
        ("nc_deck_board_get", {"board_id": bid}),
        ("nc_deck_stacks_list", {"board_id": bid}),
        ("nc_deck_stacks_list", {"board_id": bid, "archived": True}),
        ("nc_deck_board_save", {"title": "OAuth"}),
        ("nc_deck_board_save", {"board_id": bid, "color": "123456"}),
        ("nc_deck_board_clone", {"board_id": bid}),
        ("nc_deck_stack_save", {"board_id": bid, "title": "New"}),
        ("nc_deck_stack_save", {"board_id": bid, "stack_id": todo, "title": "Todo"}),
        ("nc_deck_label_save", {"board_id": bid, "title": "OAuth label"}),
        ("nc_deck_card_create", {"board_id": bid, "stack_id": todo, "title": "t"}),
        ("nc_deck_card_get", {"board_id": bid, "card_id": cid}),
        ("nc_deck_card_update", {"board_id": bid, "card_id": cid, "done": True}),
        ("nc_deck_card_assign", {"board_id": bid, "card_id": cid, "add_users": ["alice"]}),
        ("nc_deck_comment_save", {"card_id": cid, "message": "m"}),
        ("nc_deck_comments_list", {"card_id": cid}),
        ("nc_deck_attachment_add", {"card_id": cid, "path": "a.txt"}),
    ]
    async with oauth_gate(fake, patched=patched) as gate:

        async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            result = await gate.call(name, arguments, scope=SCOPE)
            assert not result.error, f"{name}: {result.text}"
            return result.data

        for name, arguments in calls:
            await call(name, arguments)
        comment = (await call("nc_deck_comments_list", {"card_id": cid}))["result"][0]
        attachment = (await call("nc_deck_card_get", {"board_id": bid, "card_id": cid}))["attachments"][0]
        board = await call("nc_deck_board_get", {"board_id": bid})
        label, stack = board["labels"][-1], board["stacks"][-1]
        destructive: list[tuple[str, dict[str, Any]]] = [
            ("nc_deck_comment_delete", {"card_id": cid, "comment_id": comment["id"]}),
            ("nc_deck_attachment_delete", {"card_id": cid, "attachment_id": attachment["id"]}),
            ("nc_deck_label_delete", {"board_id": bid, "label_id": label["id"]}),
            ("nc_deck_card_delete", {"board_id": bid, "card_id": cid}),
            ("nc_deck_stack_delete", {"board_id": bid, "stack_id": stack["id"]}),
            ("nc_deck_board_delete", {"board_id": bid}),
        ]
        for name, arguments in destructive:
            await call(name, arguments)


async def test_card_update_with_a_stale_etag_changes_nothing(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    bid = seeded["id"]
    async with mcp_as("alice") as first, mcp_as("alice") as second:
        stacks = structured(await first.call_tool("nc_deck_stacks_list", {"board_id": bid}))["result"]
        cid = stacks[0]["cards"][0]["id"]
        read = structured(await first.call_tool("nc_deck_card_get", {"board_id": bid, "card_id": cid}))
        await control.post("/__testbed__/clock", json={"advance": 5})  # Deck's ETag is md5(lastModified) in seconds
        won = await second.call_tool("nc_deck_card_update", {"board_id": bid, "card_id": cid, "title": "Theirs"})
        assert not won.is_error, error_text(won)
        lost = await first.call_tool(
            "nc_deck_card_update", {"board_id": bid, "card_id": cid, "title": "Mine", "etag": read["etag"]}
        )
        assert lost.is_error and "changed since it was read" in error_text(lost)
        now = structured(await first.call_tool("nc_deck_card_get", {"board_id": bid, "card_id": cid}))
        assert now["title"] == "Theirs" and now["etag"] != read["etag"]
        ok = await first.call_tool(
            "nc_deck_card_update", {"board_id": bid, "card_id": cid, "title": "Mine", "etag": now["etag"]}
        )
        assert structured(ok)["title"] == "Mine"
