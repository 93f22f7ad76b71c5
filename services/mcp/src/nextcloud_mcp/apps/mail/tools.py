"""Mail tools (`nc_mail_*`): accounts, mailboxes, messages (list/search, read, thread), send, update, delete,
drafts.

Sending (a new message, a reply or a draft) needs confirmation through `core/confirm.py` (`SEND`): the tool shows
sender, recipients, subject and the start of the text and sends only when the user agreed (an elicitation when
the MCP client supports it, on every protocol version) or `confirm=true` was passed. A message moved (or deleted
to the trash) gets a new id; the tools return it. Bodies are returned to the caller only, never logged.
"""

from __future__ import annotations

import html
import re
import time
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.mail.client import PAGE_MAX, MailClient, Reply, filter_string, mail_client
from nextcloud_mcp.core.confirm import SEND, Confirmation, Loss, confirmed
from nextcloud_mcp.core.contract import Cursor, Limit, Page, iso, page
from nextcloud_mcp.core.errors import BadRequest, Forbidden, InvalidInput, NotFound, ProtocolError
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

_ID = Field(ge=1, le=2**53)
AccountId = Annotated[int, _ID, Field(description="id from nc_mail_list_accounts.")]
MailboxId = Annotated[int, _ID, Field(description="id from nc_mail_list_mailboxes.")]
MessageId = Annotated[int, _ID, Field(description="id from nc_mail_list_messages.")]
DraftId = Annotated[int, _ID, Field(description="id from nc_mail_create_draft.")]
Addresses = Annotated[list[str], Field(max_length=100, description='E-mail addresses, e.g. ["bob@example.com"].')]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BODY_MAX = 100_000


def _client(ctx: Context) -> MailClient:
    return mail_client(session(ctx))


def _people(items: Any) -> list[str]:
    out = []
    for a in items or []:
        label, email = str(a.get("label") or ""), str(a.get("email") or "")
        out.append(f"{label} <{email}>" if label and label != email else email)
    return out


def _summary(m: dict[str, Any]) -> Item:
    flags = m.get("flags") or {}
    item: Item = {
        "id": m["databaseId"],
        "subject": m.get("subject", ""),
        "from": _people(m.get("from")),
        "to": _people(m.get("to")),
        "date": iso(m.get("dateInt")),
        "seen": bool(flags.get("seen")),
        "flagged": bool(flags.get("flagged")),
        "attachments": bool(flags.get("hasAttachments")),
        "preview": m.get("previewText") or "",
    }
    return {k: v for k, v in item.items() if v not in ("", [])}


def _text(body: str, is_html: bool) -> str:
    if not is_html:
        return body
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", body)
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>", "\n", body)
    return html.unescape(re.sub(r"<[^>]+>", "", body)).strip()


@tool("nc_mail_list_accounts", "List mail accounts", "My mail accounts and their aliases.", app="mail",
      read_only=True, idempotent=True)  # fmt: skip
async def list_accounts(ctx: Context, limit: Limit = 50, cursor: Cursor = None) -> Page[Item]:
    items = [
        {"id": a["id"], "email": a.get("email", ""), "aliases": [x.get("email") for x in a.get("aliases") or []]}
        for a in await _client(ctx).accounts()
    ]
    return page(items, limit, cursor)


async def _mailboxes(client: MailClient, account_id: int) -> list[dict[str, Any]]:
    found = await client.mailboxes(account_id)
    if found is None:
        raise NotFound(f"You have no mail account {account_id}; see yours with nc_mail_list_accounts.")
    return found


@tool("nc_mail_list_mailboxes", "List mailboxes", "An account's mailboxes (folders) with their unread counts.",
      app="mail", read_only=True, idempotent=True)  # fmt: skip
async def list_mailboxes(ctx: Context, account_id: AccountId, limit: Limit = 100, cursor: Cursor = None) -> Page[Item]:
    items = [
        {k: v for k, v in {"id": b["databaseId"], "name": b.get("displayName") or b.get("name"),
                           "role": (b.get("specialUse") or [None])[0], "unread": b.get("unread", 0)}.items()
         if v is not None}
        for b in await _mailboxes(_client(ctx), account_id)
    ]  # fmt: skip
    return page(items, limit, cursor)


@tool("nc_mail_list_messages", "List messages",
      "A mailbox's messages, newest first; query searches subject, sender and recipients.",
      app="mail", read_only=True, idempotent=True)  # fmt: skip
async def list_messages(
    ctx: Context,
    mailbox_id: MailboxId,
    query: Annotated[str | None, Field(max_length=200, description="Text in subject, sender or recipients.")] = None,
    unread: Annotated[bool | None, Field(description="true: unread only; false: read only.")] = None,
    flagged: Annotated[bool | None, Field(description="true: flagged (starred) only.")] = None,
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX, description="Page size.")] = 25,
    cursor: Cursor = None,
) -> Page[Item]:
    if cursor is not None and not cursor.isdigit():
        raise InvalidInput(f"cursor {cursor!r} is not a next_cursor this tool returned; omit it to start over.")
    found = await _client(ctx).messages(
        mailbox_id,
        limit=limit,
        cursor=int(cursor) if cursor else None,
        filter_text=filter_string(query, unread, flagged),
    )
    if found is None:
        raise NotFound(f"You have no mailbox {mailbox_id}; see an account's mailboxes with nc_mail_list_mailboxes.")
    more = len(found) >= limit and found[-1].get("dateInt")
    return Page[Item](items=[_summary(m) for m in found], next_cursor=str(more) if more else None, total=None)


@tool("nc_mail_get_message", "Read a message", "One message as text, with its recipients and attachment list.",
      app="mail", read_only=True, idempotent=True)  # fmt: skip
async def get_message(
    ctx: Context,
    message_id: MessageId,
    thread: Annotated[
        bool, Field(description="true: add `thread`, the conversation's messages, newest first.")
    ] = False,
) -> Item:
    client = _client(ctx)
    item = await _full(client, message_id)
    if thread:
        found = await client.thread(message_id)
        if found is None:  # the message went away between the two calls
            raise NotFound(f"You have no message {message_id}; find it again with nc_mail_list_messages.")
        item["thread"] = [_summary(m) | {"mailbox_id": m.get("mailboxId")} for m in found]
    return item


async def _full(client: MailClient, message_id: int) -> Item:
    m = await client.message(message_id)
    flags = m.get("flags") or {}
    body = _text(str(m.get("body") or ""), bool(m.get("hasHtmlBody")))
    item: Item = {
        "id": m["id"], "subject": m.get("subject", ""), "from": _people(m.get("from")), "to": _people(m.get("to")),
        "cc": _people(m.get("cc")), "date": iso(m.get("dateInt")), "seen": bool(flags.get("seen")),
        "flagged": bool(flags.get("flagged")), "message_id": m.get("messageId", ""),
        "text": body[:_BODY_MAX], "truncated": len(body) > _BODY_MAX, "signature": m.get("signature") or "",
        "attachments": [
            {"id": str(a.get("id")), "name": a.get("fileName") or a.get("filename") or "", "mime": a.get("mime", ""),
             "size": a.get("size", 0)}
            for a in [*(m.get("attachments") or []), *(m.get("inlineAttachments") or [])]
        ],
    }  # fmt: skip
    return {k: v for k, v in item.items() if v not in ("", [], False) or k in ("seen", "flagged")}


def _check(name: str, addresses: list[str]) -> list[dict[str, str]]:
    bad = [a for a in addresses if not _EMAIL.match(a.strip())]
    if bad:
        raise InvalidInput(f"{name}: {bad[0]!r} is not an e-mail address (name@example.com).")
    return [{"label": a.strip(), "email": a.strip()} for a in addresses]


Subject = Annotated[str, Field(max_length=998, description="Subject; a reply defaults to 'Re: <original>'.")]
Body = Annotated[str, Field(max_length=1_000_000, description="Plain-text body.")]
ReplyTo = Annotated[int | None, _ID, Field(description="Message id to reply to; to defaults to its sender.")]
FromEmail = Annotated[str | None, Field(description="An alias of the account; default its address.")]


async def _compose(
    client: MailClient, account_id: int, subject: str, body: str, to: list[str] | None, cc: list[str] | None,
    bcc: list[str] | None, reply_to: int | None, from_email: str | None, *, need_to: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """The message as `MessageApiController::send` takes it, plus `aliasId`/`inReplyTo` for a draft."""
    account = {a["id"]: a for a in await client.accounts()}.get(account_id)
    if account is None:
        raise NotFound(f"You have no mail account {account_id}; see yours with nc_mail_list_accounts.")
    sender = from_email or account.get("email", "")
    alias = next((a.get("id") for a in account.get("aliases") or [] if a.get("email") == sender), None)
    if from_email and from_email != account.get("email") and alias is None:
        raise NotFound(f"Could not find alias {from_email}. Check from_email with nc_mail_list_accounts.")
    fields: dict[str, Any] = {"accountId": account_id, "fromEmail": sender, "aliasId": alias, "subject": subject,
                              "body": body, "isHtml": False, "references": None}  # fmt: skip
    if reply_to is not None:
        original = await client.message(reply_to)
        fields["references"] = original.get("messageId") or None
        if not subject:
            old = str(original.get("subject", ""))
            fields["subject"] = old if old.lower().startswith("re:") else f"Re: {old}"
        if not to:
            to = [str(a.get("email")) for a in (original.get("replyTo") or original.get("from") or [])]
    if not to and need_to:
        raise InvalidInput("to: give at least one recipient address (or reply_to, to answer the sender).")
    return fields | {"to": _check("to", to or []), "cc": _check("cc", cc or []), "bcc": _check("bcc", bcc or [])}


def _emails(fields: dict[str, Any], key: str) -> list[str]:
    return [r["email"] for r in fields[key]]


async def _send_preview(
    ctx: Context, account_id: int, subject: str = "", body: str = "", to: list[str] | None = None,
    cc: list[str] | None = None, bcc: list[str] | None = None, reply_to: int | None = None,
    from_email: str | None = None,
) -> Loss:  # fmt: skip
    """What would be sent, as the user is asked about it (the composed message rides along as `plan`)."""
    fields = await _compose(_client(ctx), account_id, subject, body, to, cc, bcc, reply_to, from_email)
    text = f"the e-mail from {fields['fromEmail']} to {', '.join(_emails(fields, 'to'))}"
    text += "".join(f", {k} {', '.join(_emails(fields, k))}" for k in ("cc", "bcc") if fields[k])
    excerpt = " ".join(body.split())
    excerpt = excerpt if len(excerpt) <= 200 else excerpt[:200] + "…"
    text += f"; subject {fields['subject']!r}; text {excerpt!r}"
    return Loss(text, undo="A sent e-mail cannot be recalled.", plan=fields)


_CONFIRM_SEND = confirmed("nc_mail_create_message", _send_preview, SEND)


def _draft_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """`DraftsController::create`/`::update` parameters (plain text: `bodyPlain`, `editorBody` the same)."""
    return {
        "accountId": fields["accountId"], "subject": fields["subject"], "bodyPlain": fields["body"],
        "bodyHtml": None, "editorBody": fields["body"], "isHtml": False, "smimeSign": False, "smimeEncrypt": False,
        "to": fields["to"], "cc": fields["cc"], "bcc": fields["bcc"], "aliasId": fields["aliasId"],
        "inReplyToMessageId": fields["references"],
    }  # fmt: skip


def _no_draft(draft_id: int) -> NotFound:
    return NotFound(
        f"You have no draft {draft_id}: it was sent or deleted, belongs to another user or never existed. "
        "Save a new one with nc_mail_create_draft."
    )


def _draft_failed(reply: Reply, draft_id: int | None) -> None:
    if reply.status == 404 and draft_id is not None:
        raise _no_draft(draft_id)
    if reply.status in (400, 404):
        raise BadRequest(f"Nextcloud Mail refused the draft: {reply.message or 'no reason given'}")


@tool("nc_mail_create_message", "Send a message",
      "Send (or reply to) an e-mail, or send a draft; only after confirmation (the user's answer or confirm=true).",
      app="mail", read_only=False)  # fmt: skip
async def create_message(
    ctx: Context,
    account_id: AccountId,
    confirmation: Annotated[Confirmation, _CONFIRM_SEND],
    subject: Subject = "",
    body: Body = "",
    to: Addresses | None = None,
    cc: Addresses | None = None,
    bcc: Addresses | None = None,
    reply_to: ReplyTo = None,
    from_email: FromEmail = None,
    draft_id: Annotated[
        int | None, _ID, Field(description="Send this draft with the content given here (it replaces the draft).")
    ] = None,
    confirm: Annotated[bool, Field(description="true: the user agreed to send it.")] = False,
) -> Item:
    agreed = confirmation.agreed(confirm)
    fields: dict[str, Any] = confirmation.loss.plan if confirmation.loss else {}
    client = _client(ctx)
    result = {"result": "sent", "from": fields["fromEmail"], "to": _emails(fields, "to"),
              "subject": fields["subject"], "confirmed_by": agreed}  # fmt: skip
    if draft_id is not None:
        _draft_failed(await client.draft("PUT", draft_id, _draft_fields(fields)), draft_id)
        sent = await client.send_draft(draft_id, int(time.time()))
        _draft_failed(sent, draft_id)
        if sent.status == 500:
            raise Forbidden(
                f"Nextcloud Mail could not send draft {draft_id} ({sent.message}); it stays in Mail's outbox, which "
                "retries it. Check that the account has a Sent mailbox in Mail's settings."
            )
        return result | {"draft_id": draft_id}
    send = {k: v for k, v in fields.items() if k not in ("aliasId",)}
    status, text = await client.send(send)
    if status == 404:
        raise NotFound(f"{text or 'Not found.'} Check account_id and from_email with nc_mail_list_accounts.")
    if status == 403:
        raise Forbidden(f"{text} Set a Sent mailbox for the account in Nextcloud Mail, then send again.")
    if status == 400:
        raise BadRequest(f"Nextcloud Mail refused the message: {text}")
    return result if status == 200 else result | {"result": f"accepted: {text}"}


def _draft(data: Any) -> Item:
    if not isinstance(data, dict) or "id" not in data:
        raise ProtocolError("Nextcloud Mail sent a draft this server cannot read.", path="/api/drafts")
    item: Item = {
        "id": data["id"], "account_id": data.get("accountId"), "subject": data.get("subject") or "",
        "to": _people(data.get("to")), "cc": _people(data.get("cc")), "bcc": _people(data.get("bcc")),
        "text": data.get("bodyPlain") or "", "in_reply_to": data.get("inReplyToMessageId"),
        "updated": iso(data.get("updatedAt")),
    }  # fmt: skip
    return {k: v for k, v in item.items() if v not in ("", [], None)}


async def _save_draft(
    ctx: Context, draft_id: int | None, account_id: int, subject: str, body: str, to: list[str] | None,
    cc: list[str] | None, bcc: list[str] | None, reply_to: int | None, from_email: str | None,
) -> Item:  # fmt: skip
    client = _client(ctx)
    fields = await _compose(client, account_id, subject, body, to, cc, bcc, reply_to, from_email, need_to=False)
    reply = await client.draft("POST" if draft_id is None else "PUT", draft_id, _draft_fields(fields))
    _draft_failed(reply, draft_id)
    return _draft(reply.data)


@tool("nc_mail_create_draft", "Save a draft", "Save an e-mail as a draft in Nextcloud Mail (nothing is sent).",
      app="mail", read_only=False)  # fmt: skip
async def create_draft(
    ctx: Context, account_id: AccountId, subject: Subject = "", body: Body = "", to: Addresses | None = None,
    cc: Addresses | None = None, bcc: Addresses | None = None, reply_to: ReplyTo = None, from_email: FromEmail = None,
) -> Item:  # fmt: skip
    return await _save_draft(ctx, None, account_id, subject, body, to, cc, bcc, reply_to, from_email)


@tool("nc_mail_update_draft", "Update a draft", "Replace a draft's content with the fields given (omitted: empty).",
      app="mail", read_only=False, idempotent=True)  # fmt: skip
async def update_draft(
    ctx: Context, draft_id: DraftId, account_id: AccountId, subject: Subject = "", body: Body = "",
    to: Addresses | None = None, cc: Addresses | None = None, bcc: Addresses | None = None, reply_to: ReplyTo = None,
    from_email: FromEmail = None,
) -> Item:  # fmt: skip
    return await _save_draft(ctx, draft_id, account_id, subject, body, to, cc, bcc, reply_to, from_email)


@tool("nc_mail_delete_draft", "Delete a draft", "Delete a saved draft for good.", app="mail", read_only=False,
      destructive=True)  # fmt: skip
async def delete_draft(ctx: Context, draft_id: DraftId) -> Item:
    _draft_failed(await _client(ctx).draft("DELETE", draft_id), draft_id)
    return {"id": draft_id, "result": "deleted"}


async def _find(client: MailClient, mailbox_id: int, header: str) -> int | None:
    """The id a moved message got in `mailbox_id`, by its Message-ID header."""
    for m in await client.messages(mailbox_id, limit=PAGE_MAX) or []:
        if header and m.get("messageId") == header:
            return int(m["databaseId"])
    return None


def _refused(status: int, message_id: int, what: str) -> None:
    if status == 403:
        raise NotFound(
            f"You have no {what}: it was moved or deleted, belongs to another user or never existed. "
            "Find your messages with nc_mail_list_messages."
        )


@tool("nc_mail_update_message", "Update a message",
      "Mark a message read/unread or flagged, or move it to another mailbox (it gets a new id).",
      app="mail", read_only=False, idempotent=True)  # fmt: skip
async def update_message(
    ctx: Context,
    message_id: MessageId,
    seen: Annotated[bool | None, Field(description="Mark as read (true) or unread (false).")] = None,
    flagged: Annotated[bool | None, Field(description="Flag (star) or unflag.")] = None,
    mailbox_id: Annotated[int | None, _ID, Field(description="Move to this mailbox (nc_mail_list_mailboxes).")] = None,
) -> Item:
    if seen is None and flagged is None and mailbox_id is None:
        raise InvalidInput("Give seen, flagged or mailbox_id: there is nothing to change.")
    client = _client(ctx)
    header = str((await client.message(message_id)).get("messageId") or "")
    flags = {k: v for k, v in {"seen": seen, "flagged": flagged}.items() if v is not None}
    if flags:
        _refused(await client.set_flags(message_id, flags), message_id, f"message {message_id}")
    new_id = message_id
    if mailbox_id is not None:
        _refused(await client.move(message_id, mailbox_id), message_id, f"mailbox {mailbox_id} or message {message_id}")
        new_id = await _find(client, mailbox_id, header) or message_id
    return await _full(client, new_id)


@tool("nc_mail_delete_message", "Delete a message",
      "Move a message to the account's trash; one already in the trash is deleted for good.",
      app="mail", read_only=False, destructive=True)  # fmt: skip
async def delete_message(ctx: Context, message_id: MessageId) -> Item:
    client = _client(ctx)
    original = await client.message(message_id)
    response = await client.delete(message_id)
    _refused(response.status_code, message_id, f"message {message_id}")
    if response.status_code == 400:
        raise BadRequest("Nextcloud Mail has no trash mailbox set for this account; set one in Mail's settings.")
    header = str(original.get("messageId") or "")
    for account in await client.accounts():
        for box in await client.mailboxes(int(account["id"])) or []:
            if "trash" in (box.get("specialUse") or []):
                found = await _find(client, int(box["databaseId"]), header)
                if found is not None:
                    return {"id": message_id, "subject": original.get("subject", ""), "result": "moved to trash",
                            "trash_id": found, "trash_mailbox_id": box["databaseId"]}  # fmt: skip
    return {"id": message_id, "subject": original.get("subject", ""), "result": "deleted"}


TOOLS: list[ToolSpec] = [
    list_accounts, list_mailboxes, list_messages, get_message, create_message, update_message, delete_message,
    create_draft, update_draft, delete_draft,
]  # fmt: skip
