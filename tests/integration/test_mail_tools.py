"""Mail tools against the fake Mail app: every tool, failure paths (foreign and unknown ids, bad addresses, no
trash), the send confirmation (`core/confirm.py`: confirm=true, or an eliciting client's answer on 2026-07-28 and
2025-11-25), threads, drafts (save, replace, delete, send), alice/bob isolation, and OAuth mode with the per-app
scopes."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from mcp.client.context import ClientRequestContext
from mcp.types import ElicitRequestFormParams, ElicitRequestParams, ElicitResult

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
        assert "confirm=true" in text and "'Hi Bob'" in text
        sent_box = acc["mailboxes"]["Sent"]
        assert structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": sent_box}))["items"] == []
        done = structured(await mcp.call_tool("nc_mail_create_message", {**args, "confirm": True}))
        assert done == {"result": "sent", "from": "alice@example.com", "to": ["bob@example.com"], "subject": "Hello",
                        "confirmed_by": "argument"}  # fmt: skip
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


class User:
    """The person behind an eliciting client: answers from a script, remembers what was asked."""

    def __init__(self, *answers: ElicitResult) -> None:
        self.answers = list(answers)
        self.asked: list[ElicitRequestParams] = []

    async def __call__(self, context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params)
        return self.answers.pop(0)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_send_asks_an_eliciting_client(mcp_as: McpFactory, control: httpx2.AsyncClient, mode: str) -> None:
    """Through core/confirm (SEND): declined, dismissed or unticked sends nothing even with confirm=true; accepted
    sends. `mode="auto"` negotiates 2026-07-28 (an input-required round), "legacy" 2025-11-25 (mid-call)."""
    acc = await _seed(control, "alice", *MSGS)
    args = {"account_id": acc["id"], "to": ["bob@example.com"], "cc": ["carol@x.org"], "subject": "Hi", "body": "Yo"}
    user = User(
        ElicitResult(action="decline"),
        ElicitResult(action="cancel"),
        ElicitResult(action="accept", content={"confirm": False}),
        ElicitResult(action="accept", content={"confirm": True}),
    )
    sent_box = acc["mailboxes"]["Sent"]
    async with mcp_as("alice") as plain, mcp_as("alice", elicitation=user, mode=mode) as mcp:
        for outcome in ("the user declined sending", "the user dismissed", "the user answered without ticking"):
            refused = await mcp.call_tool("nc_mail_create_message", {**args, "confirm": True})
            assert refused.is_error and f"Not sent: {outcome}" in error_text(refused)
            assert structured(await plain.call_tool("nc_mail_list_messages", {"mailbox_id": sent_box}))["items"] == []
        done = structured(await mcp.call_tool("nc_mail_create_message", args))
        assert done["result"] == "sent" and done["confirmed_by"] == "user"
        sent = structured(await plain.call_tool("nc_mail_list_messages", {"mailbox_id": sent_box}))["items"]
        assert [(m["subject"], m["to"]) for m in sent] == [("Hi", ["bob@example.com"])]
        bad = await mcp.call_tool("nc_mail_create_message", {**args, "to": ["nope"]})
        assert bad.is_error and "to: 'nope'" in error_text(bad)  # an invalid message asks nobody
    assert len(user.asked) == 4
    for params in user.asked:
        assert isinstance(params, ElicitRequestFormParams)
        assert params.message == (
            "Send the e-mail from alice@example.com to bob@example.com, cc carol@x.org; subject 'Hi'; text 'Yo'? "
            "A sent e-mail cannot be recalled."
        )
        assert params.requested_schema["required"] == ["confirm"]
        assert params.requested_schema["properties"]["confirm"]["title"] == "Send"


async def test_thread(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    acc = await _seed(
        control, "alice",
        {"subject": "Plan", "from": "dave@y.org", "time": 1_600_000_000, "message_id": "<root@y.org>"},
        {"subject": "Re: Plan", "from": "dave@y.org", "time": 1_600_000_300, "message_id": "<r2@y.org>",
         "in_reply_to": "<root@y.org>", "thread_root_id": "<root@y.org>"},
        {"subject": "Other", "from": "erin@z.org", "time": 1_600_000_100},
    )  # fmt: skip
    root, later, other = acc["messages"]
    async with mcp_as("alice") as mcp:
        reply = {"account_id": acc["id"], "reply_to": root, "body": "Fine", "confirm": True}
        assert structured(await mcp.call_tool("nc_mail_create_message", reply))["subject"] == "Re: Plan"
        got = structured(await mcp.call_tool("nc_mail_get_message", {"message_id": root, "thread": True}))
        assert [(m["subject"], m["mailbox_id"]) for m in got["thread"]] == [
            ("Re: Plan", acc["mailboxes"]["Sent"]), ("Re: Plan", acc["mailboxes"]["INBOX"]),
            ("Plan", acc["mailboxes"]["INBOX"]),
        ]  # fmt: skip  # the sent reply joined the thread; newest first
        assert got["thread"][-1]["id"] == root and later in [m["id"] for m in got["thread"]]
        alone = structured(await mcp.call_tool("nc_mail_get_message", {"message_id": other, "thread": True}))
        assert [m["id"] for m in alone["thread"]] == [other]
        assert "thread" not in structured(await mcp.call_tool("nc_mail_get_message", {"message_id": other}))
        missing = await mcp.call_tool("nc_mail_get_message", {"message_id": other + 99, "thread": True})
        assert missing.is_error and "nc_mail_list_messages" in error_text(missing)


async def test_drafts(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    acc = await _seed(control, "alice", *MSGS, aliases=[{"email": "al@example.com"}])
    async with mcp_as("alice") as mcp:
        draft = structured(
            await mcp.call_tool("nc_mail_create_draft", {"account_id": acc["id"], "subject": "Idea", "body": "Draft"})
        )
        assert draft["subject"] == "Idea" and draft["text"] == "Draft" and "to" not in draft
        assert draft["account_id"] == acc["id"] and draft["updated"].endswith("+00:00")
        replaced = structured(
            await mcp.call_tool(
                "nc_mail_update_draft",
                {"draft_id": draft["id"], "account_id": acc["id"], "to": ["bob@example.com"], "subject": "Idea 2",
                 "body": "Better", "reply_to": acc["messages"][1], "from_email": "al@example.com"},
            )
        )  # fmt: skip
        assert replaced["id"] == draft["id"] and replaced["to"] == ["bob@example.com"]
        assert replaced["in_reply_to"].startswith("<fake-") and replaced["text"] == "Better"
        ask = {"account_id": acc["id"], "draft_id": draft["id"], "to": ["bob@example.com"], "body": "Final"}
        unsent = await mcp.call_tool("nc_mail_create_message", ask)
        assert unsent.is_error and "Not sent" in error_text(unsent) and "'Final'" in error_text(unsent)
        sent = structured(
            await mcp.call_tool(
                "nc_mail_create_message",
                {"account_id": acc["id"], "draft_id": draft["id"], "to": ["bob@example.com"], "subject": "Idea 3",
                 "body": "Final", "from_email": "al@example.com", "confirm": True},
            )
        )  # fmt: skip
        assert sent == {"result": "sent", "from": "al@example.com", "to": ["bob@example.com"], "subject": "Idea 3",
                        "confirmed_by": "argument", "draft_id": draft["id"]}  # fmt: skip
        box = structured(await mcp.call_tool("nc_mail_list_messages", {"mailbox_id": acc["mailboxes"]["Sent"]}))
        (msg,) = box["items"]
        assert msg["subject"] == "Idea 3" and msg["from"] == ["Alice <al@example.com>"]
        assert structured(await mcp.call_tool("nc_mail_get_message", {"message_id": msg["id"]}))["text"] == "Final"
        again = await mcp.call_tool("nc_mail_delete_draft", {"draft_id": draft["id"]})
        assert again.is_error and "no draft" in error_text(again) and "nc_mail_create_draft" in error_text(again)
        other = structured(await mcp.call_tool("nc_mail_create_draft", {"account_id": acc["id"], "subject": "x"}))
        assert structured(await mcp.call_tool("nc_mail_delete_draft", {"draft_id": other["id"]})) == {
            "id": other["id"], "result": "deleted"}  # fmt: skip
        for name, args in (
            ("nc_mail_update_draft", {"draft_id": other["id"], "account_id": acc["id"]}),
            ("nc_mail_create_message",
             {"account_id": acc["id"], "draft_id": other["id"], "to": ["b@example.com"], "confirm": True}),
        ):  # fmt: skip
            gone = await mcp.call_tool(name, args)
            assert gone.is_error and f"no draft {other['id']}" in error_text(gone), name
        bad = await mcp.call_tool("nc_mail_create_draft", {"account_id": acc["id"], "to": ["nope"]})
        assert bad.is_error and "to: 'nope'" in error_text(bad)
        alias = await mcp.call_tool("nc_mail_create_draft", {"account_id": acc["id"], "from_email": "x@y.org"})
        assert alias.is_error and "Could not find alias x@y.org" in error_text(alias)


async def test_a_draft_without_a_sent_mailbox_stays_in_the_outbox(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    response = await control.post("/__testbed__/seed/mail", json={"user": "alice", "accounts": [
        {"email": "alice@example.com", "mailboxes": [{"name": "INBOX"}], "drafts": [{"subject": "d"}]}]})  # fmt: skip
    account = response.json()["accounts"][0]
    (draft,) = account["drafts"]
    args = {"account_id": account["id"], "draft_id": draft, "to": ["b@example.com"], "confirm": True}
    async with mcp_as("alice") as mcp:
        failed = await mcp.call_tool("nc_mail_create_message", args)
        assert failed.is_error and "stays in Mail's outbox" in error_text(failed)
        assert "Sent mailbox" in error_text(failed)


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
    alices = await _seed(control, "alice", *MSGS, drafts=[{"subject": "secret", "to": ["z@z.org"]}])
    bobs = await _seed(control, "bob", {"subject": "for bob"}, drafts=[{"subject": "bob's"}])
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
            ("nc_mail_get_message", {"message_id": mid, "thread": True}),
            ("nc_mail_create_draft", {"account_id": alices["id"]}),
            ("nc_mail_update_draft", {"draft_id": alices["drafts"][0], "account_id": bobs["id"]}),
            ("nc_mail_update_draft", {"draft_id": bobs["drafts"][0], "account_id": alices["id"]}),
            ("nc_mail_delete_draft", {"draft_id": alices["drafts"][0]}),
            ("nc_mail_create_message",
             {"account_id": bobs["id"], "draft_id": alices["drafts"][0], "to": ["x@y.org"], "confirm": True}),
        ):  # fmt: skip
            denied = await bob.call_tool(name, args)
            assert denied.is_error and "You have no" in error_text(denied), name
        moved = await bob.call_tool(
            "nc_mail_update_message", {"message_id": bobs["messages"][0], "mailbox_id": alices["mailboxes"]["Archive"]}
        )
        assert moved.is_error and "You have no mailbox" in error_text(moved)
    async with mcp_as("alice") as alice:
        assert structured(await alice.call_tool("nc_mail_get_message", {"message_id": mid}))["seen"] is False
        kept = structured(await alice.call_tool("nc_mail_update_draft", {"draft_id": alices["drafts"][0],
                                                                         "account_id": alices["id"]}))  # fmt: skip
        assert kept["id"] == alices["drafts"][0]  # bob's attempts left alice's draft in place


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
            ("nc_mail_get_message", {"message_id": acc["messages"][0], "thread": True}),
            ("nc_mail_create_draft", {"account_id": acc["id"], "subject": "d"}),
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
