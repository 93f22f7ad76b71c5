"""Mail API of the fake (nextcloud/mail v5.11.2): the public OCS controllers (AccountApiController,
MailboxesApiController, MessageApiController) and the internal MessagesController routes (setFlags, move,
destroy). Mail commits no ``openapi.json`` (CI generates it with openapi-extractor), so the shapes are checked
against the psalm response types in ``lib/ResponseDefinitions.php`` (``MailAccountListResponse``,
``MailMessageApiResponse``) transcribed below."""

from __future__ import annotations

from typing import Any

import httpx2
import jsonschema  # type: ignore[import-untyped]
import pytest

from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio
OCS = "/ocs/v2.php/apps/mail"
API = "/index.php/apps/mail/api/messages"
H = {"OCS-APIRequest": "true", "Accept": "application/json"}
_ADDR = {"type": "array", "items": {"type": "object", "required": ["label", "email"]}}
#: lib/ResponseDefinitions.php ``MailAccountListResponse``.
ACCOUNT = {
    "type": "object",
    "required": ["id", "email", "isDelegated", "aliases"],
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "isDelegated": {"type": "boolean"},
                   "aliases": {"type": "array", "items": {"type": "object", "required": ["id", "email", "name"]}}},
}  # fmt: skip
_FLAGS = ["seen", "flagged", "answered", "deleted", "draft", "forwarded", "hasAttachments", "important"]
#: ``MailIMAPFullMessage`` & ``MailMessageApiResponse`` (attachments as ``ImapMessageFetcher`` builds them).
MESSAGE = {
    "type": "object",
    "required": ["uid", "messageId", "from", "to", "replyTo", "cc", "bcc", "subject", "dateInt", "flags",
                 "dispositionNotificationTo", "hasDkimSignature", "phishingDetails", "unsubscribeUrl",
                 "isOneClickUnsubscribe", "scheduling", "attachments", "inlineAttachments", "id",
                 "isSenderTrusted", "smime", "rawUrl"],
    "properties": {
        "id": {"type": "integer", "minimum": 1}, "uid": {"type": "integer", "minimum": 0},
        "from": _ADDR, "to": _ADDR, "cc": _ADDR, "bcc": _ADDR, "replyTo": _ADDR, "body": {"type": "string"},
        "flags": {"type": "object", "required": _FLAGS},
        "smime": {"type": "object", "required": ["isSigned", "signatureIsValid", "isEncrypted"]},
        "attachments": {"type": "array", "items": {"type": "object", "required": ["id", "messageId", "mime", "size",
                                                                                 "cid", "disposition"]}},
    },
}  # fmt: skip


def _data(response: httpx2.Response) -> Any:
    return response.json()["ocs"]["data"]


async def _seed(client: httpx2.AsyncClient, user: str = "alice", **account: Any) -> dict[str, Any]:
    spec = {"email": f"{user}@example.com", "name": user.title(), **account}
    response = await client.post("/__testbed__/seed/mail", json={"user": user, "accounts": [spec]})
    assert response.status_code == 201, response.text
    seeded: dict[str, Any] = response.json()["accounts"][0]
    return seeded


def _inbox(*messages: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "INBOX", "special_use": "inbox", "messages": list(messages)},
            {"name": "Sent", "special_use": "sent"}, {"name": "Trash", "special_use": "trash"},
            {"name": "Archive"}]  # fmt: skip


async def test_accounts_and_mailboxes_with_unread_counts(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, aliases=[{"email": "al@example.com", "name": "Al"}],
                      mailboxes=_inbox({"subject": "a"}, {"subject": "b", "seen": True}))  # fmt: skip
    listed = await client.get(f"{OCS}/account/list", auth=ALICE, params={"format": "json"})
    assert listed.status_code == 200
    (account,) = _data(listed)
    jsonschema.validate(account, ACCOUNT)
    assert account["email"] == "alice@example.com" and account["aliases"][0]["email"] == "al@example.com"
    boxes = _data(
        await client.get(f"{OCS}/ocs/mailboxes", auth=ALICE, params={"format": "json", "accountId": acc["id"]})
    )
    inbox = next(b for b in boxes if b["name"] == "INBOX")
    assert inbox["databaseId"] == acc["mailboxes"]["INBOX"] and inbox["unread"] == 1 and inbox["id"] == "SU5CT1g="
    assert inbox["specialUse"] == ["inbox"]  # Mailbox::jsonSerialize
    foreign = await client.get(f"{OCS}/ocs/mailboxes", auth=BOB, params={"format": "json", "accountId": acc["id"]})
    assert foreign.status_code == 404 and _data(foreign) == []  # AccountService::find: ClientException


async def test_list_paging_filter_and_isolation(client: httpx2.AsyncClient) -> None:
    msgs = [{"subject": f"m{i}", "time": 1000 + i, "from": {"label": "Carol", "email": "carol@x.org"} if i % 2 else
             "dave@y.org", "flagged": i == 3} for i in range(5)]  # fmt: skip
    acc = await _seed(client, mailboxes=_inbox(*msgs))
    path = f"{OCS}/ocs/mailboxes/{acc['mailboxes']['INBOX']}/messages"
    first = _data(await client.get(path, auth=ALICE, params={"format": "json", "limit": 2, "view": "singleton"}))
    assert [m["subject"] for m in first] == ["m4", "m3"]
    rest = _data(
        await client.get(path, auth=ALICE, params={"format": "json", "limit": 5, "cursor": first[-1]["dateInt"]})
    )
    assert [m["subject"] for m in rest] == ["m2", "m1", "m0"]  # sent_at < cursor
    carol = _data(
        await client.get(path, auth=ALICE, params={"format": "json", "limit": 9, "filter": "from:carol subject:m0"})
    )
    assert [m["subject"] for m in carol] == ["m3", "m1", "m0"]  # text criteria OR-ed
    starred = _data(
        await client.get(path, auth=ALICE, params={"format": "json", "limit": 9, "filter": "is:starred ignored"})
    )
    assert [m["subject"] for m in starred] == ["m3"]  # tokens without ':' are ignored
    clamped = _data(await client.get(path, auth=ALICE, params={"format": "json", "limit": 0}))
    assert len(clamped) == 1  # min(100, max(1, $limit)); without limit too (max(1, null) is 1)
    assert (await client.get(path, auth=BOB, params={"format": "json"})).status_code == 403


async def test_get_message_as_the_api_sends_it(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=_inbox({"subject": "Report", "body": "Hi\n-- \nAlice", "attachments": [
        {"name": "r.pdf", "mime": "application/pdf", "size": 1234}]}))  # fmt: skip
    (mid,) = acc["messages"]
    response = await client.get(f"{OCS}/message/{mid}", auth=ALICE, params={"format": "json"})
    data = _data(response)
    jsonschema.validate(data, MESSAGE)
    assert data["body"] == "Hi" and data["signature"] == "Alice"  # HtmlService::parseMailBody
    assert data["attachments"][0]["fileName"] == "r.pdf" and data["flags"]["hasAttachments"] is True
    assert data["attachments"][0]["downloadUrl"].endswith(f"/message/{mid}/attachment/2")
    foreign = await client.get(f"{OCS}/message/{mid}", auth=BOB, params={"format": "json"})
    assert foreign.status_code == 404 and _data(foreign) == "Account not found."


async def test_send_validates_and_lands_in_sent(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=_inbox())
    base = {"accountId": acc["id"], "fromEmail": "alice@example.com", "subject": "Hi", "body": "Text", "isHtml": False}
    send = f"{OCS}/message/send?format=json"
    assert (
        _data(await client.post(send, auth=ALICE, headers=H, json={**base, "to": []})) == "Recipients cannot be empty."
    )
    bad = await client.post(send, auth=ALICE, headers=H, json={**base, "to": [{"email": "nope"}]})
    assert bad.status_code == 400 and _data(bad) == "Email address nope not valid."
    alias = await client.post(
        send, auth=ALICE, headers=H, json={**base, "fromEmail": "x@y.z", "to": [{"email": "b@c.de"}]}
    )
    assert alias.status_code == 404 and "Could not find alias x@y.z" in _data(alias)
    assert (await client.post(send, auth=BOB, headers=H, json={**base, "to": [{"email": "b@c.de"}]})).status_code == 404
    ok = await client.post(send, auth=ALICE, headers=H, json={**base, "to": [{"email": "b@c.de", "label": "B"}]})
    assert ok.status_code == 200 and _data(ok) == ""
    sent = _data(await client.get(f"{OCS}/ocs/mailboxes/{acc['mailboxes']['Sent']}/messages", auth=ALICE,
                                  params={"format": "json"}))  # fmt: skip
    assert [(m["subject"], m["to"][0]["email"], m["flags"]["seen"]) for m in sent] == [("Hi", "b@c.de", True)]


async def test_send_without_a_sent_mailbox_is_403(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=[{"name": "INBOX", "special_use": "inbox"}])
    body = {"accountId": acc["id"], "fromEmail": "alice@example.com", "subject": "s", "body": "b", "isHtml": False,
            "to": [{"email": "b@c.de"}]}  # fmt: skip
    response = await client.post(f"{OCS}/message/send?format=json", auth=ALICE, headers=H, json=body)
    assert response.status_code == 403 and "without sent mailbox" in _data(response)


async def test_internal_routes_flags_move_delete(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=_inbox({"subject": "x"}))
    (mid,) = acc["messages"]
    no_csrf = await client.put(f"{API}/{mid}/flags", auth=ALICE, json={"flags": {"seen": True}})
    assert no_csrf.status_code == 412  # no #[NoCSRFRequired]: an API client must send OCS-APIRequest
    assert (
        await client.put(f"{API}/{mid}/flags", auth=ALICE, headers=H, json={"flags": {"flagged": "true"}})
    ).json() == []
    assert (
        await client.put(f"{API}/{mid}/flags", auth=BOB, headers=H, json={"flags": {"seen": True}})
    ).status_code == 403
    assert _data(await client.get(f"{OCS}/message/{mid}", auth=ALICE, params={"format": "json"}))["flags"]["flagged"]
    archive = acc["mailboxes"]["Archive"]
    assert (await client.post(f"{API}/{mid}/move", auth=ALICE, headers=H, json={"destFolderId": archive})).json() == []
    assert (await client.get(f"{OCS}/message/{mid}", auth=ALICE, params={"format": "json"})).status_code == 404
    (moved,) = _data(await client.get(f"{OCS}/ocs/mailboxes/{archive}/messages", auth=ALICE, params={"format": "json"}))
    assert moved["databaseId"] != mid and moved["flags"]["flagged"]  # a new cache row after the IMAP MOVE
    assert (await client.delete(f"{API}/{moved['databaseId']}", auth=ALICE, headers=H)).status_code == 200
    trash = acc["mailboxes"]["Trash"]
    (trashed,) = _data(await client.get(f"{OCS}/ocs/mailboxes/{trash}/messages", auth=ALICE, params={"format": "json"}))
    assert (await client.delete(f"{API}/{trashed['databaseId']}", auth=ALICE, headers=H)).status_code == 200
    assert _data(await client.get(f"{OCS}/ocs/mailboxes/{trash}/messages", auth=ALICE, params={"format": "json"})) == []
    error = await client.put(f"{API}/{mid}/flags", auth=ALICE, headers=H, json={})
    assert error.status_code == 500 and error.json()["message"] == "Server error"  # ErrorMiddleware, #[TrapError]


async def test_delete_without_trash_and_disabled_app(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=[{"name": "INBOX", "messages": [{"subject": "x"}]}])
    (mid,) = acc["messages"]
    response = await client.delete(f"{API}/{mid}", auth=ALICE, headers=H)
    assert response.status_code == 400 and response.json()["data"]["message"] == "No trash mailbox configured"
    await client.post("/__testbed__/apps", json={"disable": ["mail"]})
    gone = await client.get(f"{OCS}/account/list", auth=ALICE, params={"format": "json"})
    assert gone.json()["ocs"]["meta"]["statuscode"] == 998


async def test_download_attachment(client: httpx2.AsyncClient) -> None:
    """``MessagesController::downloadAttachment``: the part as an ``AttachmentDownloadResponse`` (nextcloud/server
    ``DownloadResponse``: quoted name with ``"``/``\\`` escaped, the part's type without charset); another user's
    message is 403 ``[]``, a part Mail cannot load 404 ``{"status": "fail", "data": []}`` (``ErrorMiddleware``)."""
    acc = await _seed(client, mailboxes=_inbox({"subject": "Files", "attachments": [
        {"name": 'say "hi".txt', "mime": "text/plain", "content": "héllo"},
        {"name": "r.pdf", "mime": "application/pdf", "content_base64": "JVBERi0xLjQK"}]}))  # fmt: skip
    (mid,) = acc["messages"]
    listed = _data(await client.get(f"{OCS}/message/{mid}", auth=ALICE, params={"format": "json"}))["attachments"]
    assert [(a["id"], a["size"]) for a in listed] == [("2", 6), ("3", 9)]  # size defaults to the content's
    text = await client.get(f"{API}/{mid}/attachment/2", auth=ALICE)  # @NoCSRFRequired: no OCS-APIRequest needed
    assert text.status_code == 200 and text.content == "héllo".encode()
    assert text.headers["content-type"] == "text/plain"
    assert text.headers["content-disposition"] == 'attachment; filename="say \\"hi\\".txt"'
    pdf = await client.get(f"{API}/{mid}/attachment/3", auth=ALICE, headers=H)
    assert pdf.content == b"%PDF-1.4\n" and pdf.headers["content-type"] == "application/pdf"
    unknown = await client.get(f"{API}/{mid}/attachment/9", auth=ALICE, headers=H)
    assert unknown.status_code == 404 and unknown.json() == {"status": "fail", "data": []}
    for auth, message in ((BOB, mid), (ALICE, 999_999)):
        refused = await client.get(f"{API}/{message}/attachment/2", auth=auth, headers=H)
        assert refused.status_code == 403 and refused.json() == []


DRAFTS = "/index.php/apps/mail/api/drafts"
OUTBOX = "/index.php/apps/mail/api/outbox"
#: ``LocalMessage::jsonSerialize`` keys (lib/Db/LocalMessage.php) and ``Recipient::jsonSerialize``.
LOCAL_MESSAGE = {
    "type": "object",
    "required": ["id", "type", "accountId", "aliasId", "sendAt", "updatedAt", "subject", "bodyPlain", "bodyHtml",
                 "editorBody", "isHtml", "isPgpMime", "inReplyToMessageId", "attachments", "from", "to", "cc", "bcc",
                 "failed", "smimeCertificateId", "smimeSign", "smimeEncrypt", "status", "raw", "requestMdn"],
    "properties": {"to": {"type": "array", "items": {"type": "object", "required": [
        "id", "messageId", "localMessageId", "type", "label", "email"]}}},
}  # fmt: skip


def _draft(account_id: int, **extra: Any) -> dict[str, Any]:
    return {"accountId": account_id, "subject": "Plan", "bodyPlain": "text", "bodyHtml": None, "editorBody": "text",
            "isHtml": False, "smimeSign": False, "smimeEncrypt": False, **extra}  # fmt: skip


async def test_thread_of_a_message(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=[{"name": "INBOX", "special_use": "inbox", "messages": [
        {"subject": "Plan", "time": 100, "message_id": "<r@x>"},
        {"subject": "Re: Plan", "time": 300, "message_id": "<a@x>", "thread_root_id": "<r@x>"},
        {"subject": "Other", "time": 200}]}])  # fmt: skip
    root, reply, other = acc["messages"]
    got = await client.get(f"{API}/{root}/thread", auth=ALICE)  # @NoCSRFRequired: no OCS-APIRequest needed
    assert got.status_code == 200 and [m["databaseId"] for m in got.json()] == [reply, root]
    assert {m["threadRootId"] for m in got.json()} == {"<r@x>"}
    alone = await client.get(f"{API}/{other}/thread", auth=ALICE)
    assert [m["databaseId"] for m in alone.json()] == [other]
    foreign = await client.get(f"{API}/{root}/thread", auth=BOB)
    assert (foreign.status_code, foreign.json()) == (403, [])
    assert (await client.get(f"{API}/9999/thread", auth=ALICE)).status_code == 403


async def test_drafts_create_update_destroy(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, aliases=[{"email": "al@example.com"}])
    bob = await _seed(client, "bob@corp")
    no_csrf = await client.post(DRAFTS, auth=ALICE, json=_draft(acc["id"]))
    assert no_csrf.status_code == 412  # DraftsController has no #[NoCSRFRequired]
    made = await client.post(DRAFTS, auth=ALICE, headers=H, json=_draft(acc["id"], to=[{"email": "b@x.org"}]))
    assert made.status_code == 201 and made.json()["status"] == "success"
    draft = made.json()["data"]
    jsonschema.validate(draft, LOCAL_MESSAGE)
    assert draft["type"] == 1 and draft["to"][0]["label"] == "b@x.org" and draft["to"][0]["type"] == 1
    body = _draft(acc["id"], subject="New", cc=[{"label": "C", "email": "c@x.org"}])
    replaced = await client.put(f"{DRAFTS}/{draft['id']}", auth=ALICE, headers=H, json=body)
    assert replaced.status_code == 202 and replaced.json()["data"]["subject"] == "New"
    assert replaced.json()["data"]["to"] == [] and replaced.json()["data"]["cc"][0]["label"] == "C"
    foreign = await client.put(f"{DRAFTS}/{draft['id']}", auth=BOB, headers=H, json=_draft(bob["id"]))
    assert (foreign.status_code, foreign.json()) == (404, {"status": "fail", "data": []})  # DoesNotExistException
    other_account = await client.post(DRAFTS, auth=BOB, headers=H, json=_draft(acc["id"]))
    assert other_account.status_code == 400 and "does not exist" in other_account.json()["data"]["message"]
    missing = dict(_draft(acc["id"]))
    del missing["isHtml"]  # bool $isHtml has no default: TypeError, 500
    assert (await client.post(DRAFTS, auth=ALICE, headers=H, json=missing)).status_code == 500
    assert (await client.delete(f"{DRAFTS}/{draft['id']}", auth=BOB, headers=H)).status_code == 404
    gone = await client.delete(f"{DRAFTS}/{draft['id']}", auth=ALICE, headers=H)
    assert gone.status_code == 202 and gone.json() == {"status": "success", "data": "Message deleted"}
    assert (await client.delete(f"{DRAFTS}/{draft['id']}", auth=ALICE, headers=H)).status_code == 404


async def test_send_a_draft_through_the_outbox(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, drafts=[{"subject": "Hello", "body": "Hi", "to": ["b@x.org"]}, {"subject": "nobody"}])
    ready, empty = acc["drafts"]
    assert (await client.post(f"{OUTBOX}/from-draft/{ready}", auth=ALICE, headers=H, json={})).status_code == 500
    assert (await client.post(f"{OUTBOX}/{ready}", auth=ALICE, headers=H)).status_code == 404  # still a draft
    assert (
        await client.post(f"{OUTBOX}/from-draft/{ready}", auth=BOB, headers=H, json={"sendAt": 1})
    ).status_code == 404
    refused = await client.post(f"{OUTBOX}/from-draft/{empty}", auth=ALICE, headers=H, json={"sendAt": 1})
    assert refused.status_code == 400 and "at least one recipient" in refused.json()["data"]["message"]
    moved = await client.post(f"{OUTBOX}/from-draft/{ready}", auth=ALICE, headers=H, json={"sendAt": 1})
    assert moved.status_code == 201 and moved.json()["data"]["type"] == 0 and moved.json()["data"]["id"] == ready
    assert (await client.put(f"{DRAFTS}/{ready}", auth=ALICE, headers=H, json=_draft(acc["id"]))).status_code == 404
    assert (await client.post(f"{OUTBOX}/{ready}", auth=BOB, headers=H)).status_code == 404
    sent = await client.post(f"{OUTBOX}/{ready}", auth=ALICE, headers=H)
    assert sent.status_code == 202 and sent.json() == {"status": "success", "data": "Message sent"}
    box = acc["mailboxes"]["Sent"]
    listed = _data(await client.get(f"{OCS}/ocs/mailboxes/{box}/messages", auth=ALICE, headers=H, params={"limit": 5}))
    assert [(m["subject"], m["to"][0]["email"]) for m in listed] == [("Hello", "b@x.org")]
    assert (await client.post(f"{OUTBOX}/{ready}", auth=ALICE, headers=H)).status_code == 404  # processed: deleted


async def test_a_draft_without_a_sent_mailbox_stays_in_the_outbox(client: httpx2.AsyncClient) -> None:
    acc = await _seed(client, mailboxes=[{"name": "INBOX"}], drafts=[{"subject": "x", "to": ["b@x.org"]}])
    (draft,) = acc["drafts"]
    await client.post(f"{OUTBOX}/from-draft/{draft}", auth=ALICE, headers=H, json={"sendAt": 1})
    failed = await client.post(f"{OUTBOX}/{draft}", auth=ALICE, headers=H)
    assert failed.status_code == 500 and failed.json()["message"] == "Could not send message"
    assert failed.json()["data"][0]["status"] == 1  # LocalMessage::STATUS_NO_SENT_MAILBOX
    assert (await client.post(f"{OUTBOX}/{draft}", auth=ALICE, headers=H)).status_code == 500  # still there
