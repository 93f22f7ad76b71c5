"""Mail tools against the fake Mail app: every tool, failure paths (foreign and unknown ids, bad addresses, no
trash), the send confirmation guard, alice/bob isolation, and OAuth mode with the per-app scopes."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio


async def _seed(control: httpx2.AsyncClient, user: str, *messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    boxes = [
        {"name": "INBOX", "special_use": "inbox", "messages": list(messages)},
        {"name": "Sent", "special_use": "sent"}, {"name": "Trash", "special_use": "trash"}, {"name": "Archive"},
    ]  # fmt: skip
    account = {"email": f"{user}@example.com", "name": user.title(), "mailboxes": boxes, **extra}
    response = await control.post("/__testbed__/seed/mail", json={"user": user, "accounts": [account]})
    assert response.status_code == 201, response.text
    seeded: dict[str, Any] = response.json()["accounts"][0]
    return seeded


MSGS = (
    {"subject": "Quarterly report", "from": {"label": "Carol", "email": "carol@x.org"}, "time": 1_800_000_000,
     "body": "Numbers attached.\n-- \nCarol", "attachments": [{"name": "q.pdf", "mime": "application/pdf", "size": 9}]},
    {"subject": "Lunch?", "from": "dave@y.org", "time": 1_800_000_100, "seen": True},
    {"subject": "Newsletter", "from": "news@z.org", "time": 1_800_000_200, "html": True,
     "body": "<p>Hello &amp; welcome</p><script>x()</script>"},
)  # fmt: skip


async def test_accounts_mailboxes_and_messages(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    acc = await _seed(control, "alice", *MSGS, aliases=[{"email": "al@example.com"}])
    inbox = acc["mailboxes"]["INBOX"]
    async with mcp_as("alice") as mcp:
        accounts = structured(await mcp.call_tool("nc_mail_list_accounts", {}))["items"]
        assert accounts == [{"id": acc["id"], "email": "alice@example.com", "aliases": ["al@example.com"]}]
        boxes = structured(await mcp.call_tool("nc_mail_list_mailboxes", {"account_id": acc["id"]}))["items"]
        assert {"id": inbox, "name": "INBOX", "role": "inbox", "unread": 2} in boxes
        first = structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": inbox, "limit": 2}))
        assert [m["subject"] for m in first["items"]] == ["Newsletter", "Lunch?"] and first["total"] is None
        rest = structured(
            await mcp.call_tool(
                "nc_mail_list_messages", {"mailbox_id": inbox, "limit": 2, "cursor": first["next_cursor"]}
            )
        )
        assert [m["subject"] for m in rest["items"]] == ["Quarterly report"] and rest["next_cursor"] is None
        assert rest["items"][0]["from"] == ["Carol <carol@x.org>"] and rest["items"][0]["attachments"] is True
        found = structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": inbox, "query": "carol"}))
        assert [m["subject"] for m in found["items"]] == ["Quarterly report"]
        unread = structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": inbox, "unread": True}))
        assert len(unread["items"]) == 2
        report = structured(await mcp.call_tool("nc_mail_get_message", {"message_id": acc["messages"][0]}))
        assert report["text"] == "Numbers attached." and report["signature"] == "Carol"
        assert report["attachments"] == [{"id": "2", "name": "q.pdf", "mime": "application/pdf", "size": 9}]
        assert report["date"] == "2027-01-15T08:00:00+00:00" and report["seen"] is False
        news = structured(await mcp.call_tool("nc_mail_get_message", {"message_id": acc["messages"][2]}))
        assert news["text"] == "Hello & welcome"  # HTML as text, scripts dropped
        bad = await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": inbox, "cursor": "x"})
        assert bad.is_error and "cursor" in error_text(bad)
        none = await mcp.call_tool("nc_mail_list_mailboxes", {"account_id": acc["id"] + 50})
        assert none.is_error and "nc_mail_list_accounts" in error_text(none)


async def test_send_needs_confirmation(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    acc = await _seed(control, "alice", *MSGS)
    args = {"account_id": acc["id"], "to": ["bob@example.com"], "subject": "Hello", "body": "Hi Bob"}
    async with mcp_as("alice") as mcp:
        refused = await mcp.call_tool("nc_mail_create_message", args)
        text = error_text(refused)
        assert refused.is_error and "Not sent" in text and "bob@example.com" in text and "'Hello'" in text
        assert "confirm=true" in text
        sent_box = acc["mailboxes"]["Sent"]
        assert structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": sent_box}))["items"] == []
        done = structured(await mcp.call_tool("nc_mail_create_message", {**args, "confirm": True}))
        assert done == {"result": "sent", "from": "alice@example.com", "to": ["bob@example.com"], "subject": "Hello"}
        reply = structured(
            await mcp.call_tool("nc_mail_create_message", {"account_id": acc["id"], "reply_to": acc["messages"][1],
                                                           "body": "Yes!", "confirm": True})
        )  # fmt: skip
        assert reply["to"] == ["dave@y.org"] and reply["subject"] == "Re: Lunch?"
        sent = structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": sent_box}))["items"]
        assert [m["subject"] for m in sent] == ["Re: Lunch?", "Hello"]
        bad = await mcp.call_tool("nc_mail_create_message", {**args, "to": ["nope"], "confirm": True})
        assert bad.is_error and "to: 'nope'" in error_text(bad)
        alias = await mcp.call_tool("nc_mail_create_message", {**args, "from_email": "x@y.org", "confirm": True})
        assert alias.is_error and "Could not find alias x@y.org" in error_text(alias)
        empty = await mcp.call_tool("nc_mail_create_message", {"account_id": acc["id"], "confirm": True})
        assert empty.is_error and "to:" in error_text(empty)


async def test_flag_move_and_delete(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    acc = await _seed(control, "alice", *MSGS)
    report = acc["messages"][0]
    async with mcp_as("alice") as mcp:
        flagged = structured(
            await mcp.call_tool("nc_mail_update_message", {"message_id": report, "seen": True, "flagged": True})
        )
        assert flagged["id"] == report and flagged["seen"] and flagged["flagged"]
        moved = structured(
            await mcp.call_tool(
                "nc_mail_update_message", {"message_id": report, "mailbox_id": acc["mailboxes"]["Archive"]}
            )
        )
        assert moved["id"] != report and moved["subject"] == "Quarterly report" and moved["flagged"]
        old = await mcp.call_tool("nc_mail_get_message", {"message_id": report})
        assert old.is_error and "new id" in error_text(old)
        nothing = await mcp.call_tool("nc_mail_update_message", {"message_id": moved["id"]})
        assert nothing.is_error and "nothing to change" in error_text(nothing)
        deleted = structured(await mcp.call_tool("nc_mail_delete_message", {"message_id": moved["id"]}))
        assert deleted["result"] == "moved to trash" and deleted["trash_mailbox_id"] == acc["mailboxes"]["Trash"]
        purged = structured(await mcp.call_tool("nc_mail_delete_message", {"message_id": deleted["trash_id"]}))
        assert purged["result"] == "deleted"
        gone = await mcp.call_tool("nc_mail_delete_message", {"message_id": deleted["trash_id"]})
        assert gone.is_error and "nc_mail_list_messages" in error_text(gone)


async def test_no_trash(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    response = await control.post("/__testbed__/seed/mail", json={"user": "alice", "accounts": [
        {"email": "alice@example.com", "mailboxes": [{"name": "INBOX", "messages": [{"subject": "x"}]}]}]})  # fmt: skip
    (mid,) = response.json()["accounts"][0]["messages"]
    async with mcp_as("alice") as mcp:
        refused = await mcp.call_tool("nc_mail_delete_message", {"message_id": mid})
        assert refused.is_error and "no trash mailbox" in error_text(refused)


async def test_alice_and_bob_are_isolated(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    alices = await _seed(control, "alice", *MSGS)
    bobs = await _seed(control, "bob", {"subject": "for bob"})
    mid, box = alices["messages"][0], alices["mailboxes"]["INBOX"]
    async with mcp_as("bob") as bob:
        assert [a["id"] for a in structured(await bob.call_tool("nc_mail_list_accounts", {}))["items"]] == [bobs["id"]]
        for name, args in (
            ("nc_mail_get_message", {"message_id": mid}),
            ("nc_mail_update_message", {"message_id": mid, "seen": True}),
            ("nc_mail_delete_message", {"message_id": mid}),
            ("nc_mail_list_messages", {"mailbox_id": box}),
            ("nc_mail_list_mailboxes", {"account_id": alices["id"]}),
            ("nc_mail_create_message", {"account_id": alices["id"], "to": ["x@y.org"], "confirm": True}),
        ):
            denied = await bob.call_tool(name, args)
            assert denied.is_error and "You have no" in error_text(denied), name
        moved = await bob.call_tool(
            "nc_mail_update_message", {"message_id": bobs["messages"][0], "mailbox_id": alices["mailboxes"]["Archive"]}
        )
        assert moved.is_error and "You have no mailbox" in error_text(moved)
    async with mcp_as("alice") as alice:
        assert structured(await alice.call_tool("nc_mail_get_message", {"message_id": mid}))["seen"] is False


SCOPES = "mail:read mail:write"


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "unpatched"])
async def test_every_tool_in_oauth_mode(fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool) -> None:
    """OCS and the internal routes (OCS-APIRequest passes their CSRF check) accept Bearer tokens."""
    acc = await _seed(control, "alice", *MSGS)
    async with oauth_gate(fake, patched=patched) as gate:
        listed = await gate.call("nc_mail_list_accounts", {}, scope=SCOPES)
        assert not listed.error and [a["id"] for a in listed.data["items"]] == [acc["id"]], listed.text
        for name, args in (
            ("nc_mail_list_mailboxes", {"account_id": acc["id"]}),
            ("nc_mail_list_messages", {"mailbox_id": acc["mailboxes"]["INBOX"]}),
            ("nc_mail_get_message", {"message_id": acc["messages"][0]}),
            ("nc_mail_update_message", {"message_id": acc["messages"][0], "seen": True}),
            ("nc_mail_create_message", {"account_id": acc["id"], "to": ["b@example.com"], "confirm": True}),
            ("nc_mail_delete_message", {"message_id": acc["messages"][1]}),
        ):
            result = await gate.call(name, args, scope=SCOPES)
            assert not result.error, (name, result.text)


async def test_oauth_scopes_gate_the_tools(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    acc = await _seed(control, "alice", *MSGS)
    async with oauth_gate(fake, patched=True) as gate:
        readable = await gate.tool_names(scope="mail:read")
        assert {"nc_mail_list_accounts", "nc_mail_get_message", "nc_mail_list_messages"} <= readable
        assert not readable & {"nc_mail_create_message", "nc_mail_update_message", "nc_mail_delete_message"}
        assert not any(n.startswith("nc_mail_") for n in await gate.tool_names(scope="notes:read notes:write"))
        args = {"account_id": acc["id"], "to": ["b@example.com"], "confirm": True}
        denied = await gate.call("nc_mail_create_message", args, scope="mail:read")
        assert denied.error and "insufficient_scope" in denied.text


async def test_the_toolset_follows_the_app(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await control.post("/__testbed__/apps", json={"disable": ["mail"]})
    async with mcp_as("alice") as mcp:
        assert not any(t.name.startswith("nc_mail_") for t in (await mcp.list_tools()).tools)
