"""Talk tools against the fake Talk app: every tool, failure paths, alice/bob isolation, OAuth scopes."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio


async def test_conversations_and_participants(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as mcp:
        made = structured(
            await mcp.call_tool("nc_talk_create_conversation", {"name": "Team", "participants": ["bob", "ghost"]})
        )
        assert made["type"] == "group" and [p["user"] for p in made["participants"]] == ["alice", "bob"]
        assert made["not_added"][0]["user"] == "ghost" and "nc_users_search_users" in made["not_added"][0]["error"]
        got = structured(await mcp.call_tool("nc_talk_get_conversation", {"conversation": "team"}))  # by name
        assert got["token"] == made["token"] and set(got) == set(made) - {"not_added"}
        listed = structured(await mcp.call_tool("nc_talk_list_conversations", {}))
        assert set(listed) == {"items", "next_cursor", "total"} and listed["items"][0]["name"] == "Team"
        renamed = structured(
            await mcp.call_tool(
                "nc_talk_update_conversation", {"conversation": made["token"], "name": "Core", "etag": got["etag"]}
            )
        )
        assert renamed["name"] == "Core" and renamed["etag"] != got["etag"]
        stale = await mcp.call_tool(
            "nc_talk_update_conversation", {"conversation": "Core", "name": "X", "etag": got["etag"]}
        )
        assert stale.is_error and "nc_talk_get_conversation" in error_text(stale)
        unknown = await mcp.call_tool("nc_talk_get_conversation", {"conversation": "Nope"})
        assert unknown.is_error and "'Core'" in error_text(unknown)
        added = structured(await mcp.call_tool("nc_talk_add_participant", {"conversation": "Core", "user": "carol"}))
        assert "carol" in [p["user"] for p in added["participants"]]
        removed = structured(
            await mcp.call_tool("nc_talk_remove_participant", {"conversation": "Core", "user": "carol"})
        )
        assert removed["removed"] == "carol"
        missing = await mcp.call_tool("nc_talk_remove_participant", {"conversation": "Core", "user": "dave"})
        assert missing.is_error and "bob" in error_text(missing)
        one = structured(
            await mcp.call_tool("nc_talk_create_conversation", {"type": "one_to_one", "participants": ["bob"]})
        )
        assert one["type"] == "one_to_one" and one["name"] == "bob"
        cannot = await mcp.call_tool("nc_talk_delete_conversation", {"conversation": one["token"]})
        assert cannot.is_error and "nc_talk_remove_participant" in error_text(cannot)
    async with mcp_as("bob") as mcp:
        bobs = structured(await mcp.call_tool("nc_talk_list_conversations", {}))["items"]
        assert {c["name"] for c in bobs} == {"Core", "alice"}
        refused = await mcp.call_tool(
            "nc_talk_update_conversation", {"conversation": "Core", "name": "B", "force": True}
        )
        assert refused.is_error and "not allowed" in error_text(refused)
    async with mcp_as("carol") as mcp:
        assert structured(await mcp.call_tool("nc_talk_list_conversations", {}))["items"] == []  # isolation
        hidden = await mcp.call_tool("nc_talk_get_conversation", {"conversation": made["token"]})
        assert hidden.is_error
    async with mcp_as("alice") as mcp:
        done = structured(await mcp.call_tool("nc_talk_delete_conversation", {"conversation": "Core"}))
        assert done["ok"]


async def test_messages_reactions_and_read_marker(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as mcp:
        room = structured(await mcp.call_tool("nc_talk_create_conversation", {"name": "Chat", "participants": ["bob"]}))
        sent = [
            structured(await mcp.call_tool("nc_talk_create_message", {"conversation": "Chat", "text": f"m{i} @bob"}))
            for i in range(3)
        ]
        reply = structured(
            await mcp.call_tool(
                "nc_talk_create_message",
                {"conversation": "Chat", "text": "re", "reply_to": sent[0]["id"], "silent": True},
            )
        )
        assert reply["reply_to"] == sent[0]["id"] and reply["silent"] is True
        too_long = await mcp.call_tool("nc_talk_create_message", {"conversation": "Chat", "text": "x" * 32001})
        assert too_long.is_error and "32000" in error_text(too_long)
        bad_reply = await mcp.call_tool(
            "nc_talk_create_message", {"conversation": "Chat", "text": "r", "reply_to": 999}
        )
        assert bad_reply.is_error and "reply_to" in error_text(bad_reply)
        first = structured(await mcp.call_tool("nc_talk_list_messages", {"conversation": "Chat", "limit": 2}))
        assert [m["text"] for m in first["items"]] == ["re", "m2 @bob"] and first["next_cursor"]
        rest = structured(
            await mcp.call_tool("nc_talk_list_messages", {"conversation": "Chat", "cursor": first["next_cursor"]})
        )
        assert [m["text"] for m in rest["items"]][:2] == ["m1 @bob", "m0 @bob"] and rest["next_cursor"] is None
        assert rest["items"][-1]["text"] == "alice created the conversation"  # placeholders filled in
        edited = structured(
            await mcp.call_tool(
                "nc_talk_update_message",
                {"conversation": "Chat", "message_id": sent[1]["id"], "text": "m1 v2", "etag": sent[1]["etag"]},
            )
        )
        assert edited["text"] == "m1 v2" and edited["edited"]
        stale = await mcp.call_tool(
            "nc_talk_update_message",
            {"conversation": "Chat", "message_id": sent[1]["id"], "text": "x", "etag": sent[1]["etag"]},
        )
        assert stale.is_error and "nc_talk_list_messages" in error_text(stale)
        deleted = structured(
            await mcp.call_tool("nc_talk_delete_message", {"conversation": "Chat", "message_id": sent[2]["id"]})
        )
        assert deleted["deleted"] is True
    async with mcp_as("bob") as mcp:
        mine = structured(await mcp.call_tool("nc_talk_list_conversations", {}))["items"][0]
        assert mine["unread_messages"] == 3 and mine["unread_mention"] is True
        unread = structured(
            await mcp.call_tool("nc_talk_list_messages", {"conversation": "Chat", "direction": "newer"})
        )
        assert [m["text"] for m in unread["items"]][-1] == "re" and unread["next_cursor"]
        nothing = structured(
            await mcp.call_tool(
                "nc_talk_list_messages",
                {"conversation": room["token"], "direction": "newer", "cursor": unread["next_cursor"], "wait": 1},
            )
        )
        assert nothing == {"items": [], "next_cursor": None, "total": None}
        reacted = structured(
            await mcp.call_tool(
                "nc_talk_set_reaction", {"conversation": "Chat", "message_id": sent[0]["id"], "reaction": "👍"}
            )
        )
        assert reacted["reactions"] == {"👍": ["bob"]}
        read = structured(await mcp.call_tool("nc_talk_set_read_marker", {"conversation": "Chat"}))
        assert read["unread_messages"] == 0
        not_mine = await mcp.call_tool(
            "nc_talk_update_message", {"conversation": "Chat", "message_id": sent[0]["id"], "text": "x", "force": True}
        )
        assert not_mine.is_error and "only the author" in error_text(not_mine)


async def test_polls_and_shared_items(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as mcp:
        await mcp.call_tool("nc_talk_create_conversation", {"name": "Vote", "participants": ["bob"]})
        made = structured(
            await mcp.call_tool(
                "nc_talk_create_poll", {"conversation": "Vote", "question": "Lunch?", "options": ["Pizza", "Salad"]}
            )
        )
        assert made["status"] == "open" and made["options"] == ["Pizza", "Salad"]
    async with mcp_as("bob") as mcp:
        voted = structured(
            await mcp.call_tool("nc_talk_set_vote", {"conversation": "Vote", "poll_id": made["id"], "options": [1]})
        )
        assert voted["voted"] == [1] and voted["votes"] == {"1": 1}
        too_many = await mcp.call_tool(
            "nc_talk_set_vote", {"conversation": "Vote", "poll_id": made["id"], "options": [0, 1]}
        )
        assert too_many.is_error and "max_votes" in error_text(too_many)
        not_author = await mcp.call_tool("nc_talk_complete_poll", {"conversation": "Vote", "poll_id": made["id"]})
        assert not_author.is_error
    async with mcp_as("alice") as mcp:
        closed = structured(
            await mcp.call_tool("nc_talk_complete_poll", {"conversation": "Vote", "poll_id": made["id"]})
        )
        assert closed["status"] == "closed"
        shared = structured(await mcp.call_tool("nc_talk_list_shared_items", {"conversation": "Vote"}))
        assert [i["object"]["name"] for i in shared["items"]] == ["Lunch?"]


async def test_search_messages(mcp_as: McpFactory) -> None:
    """nc_talk_search_messages over the fake's talk-message provider (spreed lib/Search/MessageSearch.php)."""
    async with mcp_as("alice") as mcp:
        team = structured(await mcp.call_tool("nc_talk_create_conversation", {"name": "Team", "participants": ["bob"]}))
        await mcp.call_tool("nc_talk_create_conversation", {"name": "Private"})
        for i in range(3):
            await mcp.call_tool("nc_talk_create_message", {"conversation": "Team", "text": f"budget line {i}"})
        secret = structured(
            await mcp.call_tool("nc_talk_create_message", {"conversation": "Private", "text": "budget X"})
        )
        first = structured(await mcp.call_tool("nc_talk_search_messages", {"query": "Budget", "limit": 2}))
        assert set(first) == {"items", "next_cursor", "total"} and first["next_cursor"] == "2"
        hit = first["items"][0]
        assert hit["id"] == secret["id"] and hit["conversation_name"] == "Private" and hit["author"] == "alice"
        assert hit["text"] == "budget X" and hit["time"].endswith("+00:00") and len(hit["conversation"]) == 8
        rest = structured(
            await mcp.call_tool(
                "nc_talk_search_messages", {"query": "budget", "limit": 2, "cursor": first["next_cursor"]}
            )
        )
        assert [h["text"] for h in rest["items"]] == ["budget line 1", "budget line 0"] and rest["next_cursor"] is None
        only = structured(
            await mcp.call_tool("nc_talk_search_messages", {"query": "budget", "conversation": "private"})
        )
        assert [h["id"] for h in only["items"]] == [secret["id"]]
        none = structured(await mcp.call_tool("nc_talk_search_messages", {"query": "nothing like this"}))
        assert none == {"items": [], "next_cursor": None, "total": None}
    async with mcp_as("bob") as mcp:
        bobs = structured(await mcp.call_tool("nc_talk_search_messages", {"query": "budget"}))
        assert {h["conversation"] for h in bobs["items"]} == {team["token"]} and len(bobs["items"]) == 3
        foreign = await mcp.call_tool("nc_talk_search_messages", {"query": "budget", "conversation": "Private"})
        assert foreign.is_error and "nc_talk_list_conversations" in error_text(foreign)


async def test_talk_is_hidden_when_the_app_is_disabled(fake: FakeNextcloud, mcp_as: McpFactory) -> None:
    fake.fake_state.disable_app("spreed")
    async with mcp_as("alice") as mcp:
        names = {t.name for t in (await mcp.list_tools()).tools}
        assert not any(n.startswith("nc_talk_") for n in names) and "nc_notes_list_notes" in names


async def test_rate_limit_is_a_clear_error(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as mcp:
        await mcp.call_tool("nc_talk_create_conversation", {"name": "Busy"})
        action = {"status": 429, "headers": {"Retry-After": "60"}, "body": "{}"}
        rule = {"path": "/apps/spreed/api/v1/chat/", "method": "POST", "action": action}
        assert (await control.post("/__testbed__/faults", json=rule)).status_code in (200, 201)
        limited = await mcp.call_tool("nc_talk_create_message", {"conversation": "Busy", "text": "hi"})
        assert limited.is_error and "rate limit" in error_text(limited).lower()


SCOPE = "talk:read talk:write"


async def test_every_talk_tool_in_oauth_mode(fake: FakeNextcloud) -> None:
    async with oauth_gate(fake, patched=False) as gate:

        async def call(name: str, arguments: dict[str, Any], scope: str = SCOPE) -> dict[str, Any]:
            result = await gate.call(name, arguments, scope=scope)
            assert not result.error, f"{name}: {result.text}"
            return result.data

        assert {"nc_talk_list_conversations", "nc_talk_create_message"} <= await gate.tool_names(scope=SCOPE)
        room = await call("nc_talk_create_conversation", {"name": "OAuth", "participants": ["bob"]})
        token = room["token"]
        got = await call("nc_talk_get_conversation", {"conversation": token})
        await call("nc_talk_update_conversation", {"conversation": token, "name": "OAuth2", "etag": got["etag"]})
        sent = await call("nc_talk_create_message", {"conversation": token, "text": "hi"})
        await call("nc_talk_list_messages", {"conversation": token})
        await call(
            "nc_talk_update_message", {"conversation": token, "message_id": sent["id"], "text": "ho", "force": True}
        )
        await call("nc_talk_set_reaction", {"conversation": token, "message_id": sent["id"], "reaction": "🎉"})
        await call("nc_talk_set_read_marker", {"conversation": token})
        poll = await call("nc_talk_create_poll", {"conversation": token, "question": "Q", "options": ["a", "b"]})
        await call("nc_talk_set_vote", {"conversation": token, "poll_id": poll["id"], "options": [0]})
        await call("nc_talk_complete_poll", {"conversation": token, "poll_id": poll["id"]})
        await call("nc_talk_list_shared_items", {"conversation": token})
        await call("nc_talk_search_messages", {"query": "hi", "conversation": token})
        await call("nc_talk_add_participant", {"conversation": token, "user": "carol"})
        await call("nc_talk_remove_participant", {"conversation": token, "user": "carol"})
        await call("nc_talk_delete_message", {"conversation": token, "message_id": sent["id"]})
        await call("nc_talk_list_conversations", {}, scope="talk:read")
        read_only = await gate.call("nc_talk_create_message", {"conversation": token, "text": "x"}, scope="talk:read")
        assert read_only.error and "insufficient_scope" in read_only.text
        bobs = await gate.call("nc_talk_list_conversations", {}, user="carol", scope=SCOPE)
        assert not bobs.error and bobs.data["items"] == []
        await call("nc_talk_delete_conversation", {"conversation": token})
