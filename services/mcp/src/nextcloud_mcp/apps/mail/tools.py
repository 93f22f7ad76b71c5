"""Mail tools (`nc_mail_*`): accounts, mailboxes, messages (list/search, read), send, update, delete.

Sending needs confirmation: the tool shows sender, recipients and subject and sends only when the user agreed
(an elicitation when the MCP client supports it) or `confirm=true` was passed. A message moved (or deleted to
the trash) gets a new id; the tools return it. Bodies are returned to the caller only, never logged.
"""

from __future__ import annotations

import html
import re
from typing import Annotated, Any

from mcp import types
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.mail.client import PAGE_MAX, MailClient, filter_string, mail_client
from nextcloud_mcp.core.contract import Cursor, Limit, Page, iso, page
from nextcloud_mcp.core.errors import BadRequest, Forbidden, InvalidInput, NotFound
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

_ID = Field(ge=1, le=2**53)
AccountId = Annotated[int, _ID, Field(description="id from nc_mail_list_accounts.")]
MailboxId = Annotated[int, _ID, Field(description="id from nc_mail_list_mailboxes.")]
MessageId = Annotated[int, _ID, Field(description="id from nc_mail_list_messages.")]
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
async def get_message(ctx: Context, message_id: MessageId) -> Item:
    return await _full(_client(ctx), message_id)


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


class _Confirm(BaseModel):
    send: bool = Field(description="Send this message now?")


async def _user_agrees(ctx: Context, preview: str) -> bool:
    """Ask through MCP elicitation when the client supports it; False when it cannot ask."""
    wanted = types.ClientCapabilities(elicitation=types.ElicitationCapability(form=types.FormElicitationCapability()))
    try:
        if not ctx.session.check_client_capability(wanted):
            return False
    except (AttributeError, ValueError):
        return False
    answer = await ctx.elicit(f"Send this e-mail? {preview}", _Confirm)
    return answer.action == "accept" and bool(getattr(answer.data, "send", False))


def _check(name: str, addresses: list[str]) -> list[dict[str, str]]:
    bad = [a for a in addresses if not _EMAIL.match(a.strip())]
    if bad:
        raise InvalidInput(f"{name}: {bad[0]!r} is not an e-mail address (name@example.com).")
    return [{"email": a.strip()} for a in addresses]


@tool("nc_mail_create_message", "Send a message",
      "Send (or reply to) an e-mail; sends only after confirmation (confirm=true or the user's answer).",
      app="mail", read_only=False)  # fmt: skip
async def create_message(
    ctx: Context,
    account_id: AccountId,
    subject: Annotated[str, Field(max_length=998, description="Subject; a reply defaults to 'Re: <original>'.")] = "",
    body: Annotated[str, Field(max_length=1_000_000, description="Plain-text body.")] = "",
    to: Addresses | None = None,
    cc: Addresses | None = None,
    bcc: Addresses | None = None,
    reply_to: Annotated[
        int | None, _ID, Field(description="Message id to reply to; to defaults to its sender.")
    ] = None,
    from_email: Annotated[str | None, Field(description="An alias of the account; default its address.")] = None,
    confirm: Annotated[
        bool, Field(description="true: send without asking. Without it the tool asks or refuses.")
    ] = False,
) -> Item:
    client = _client(ctx)
    accounts = {a["id"]: a for a in await client.accounts()}
    account = accounts.get(account_id)
    if account is None:
        raise NotFound(f"You have no mail account {account_id}; see yours with nc_mail_list_accounts.")
    fields: dict[str, Any] = {"accountId": account_id, "fromEmail": from_email or account.get("email", ""),
                              "subject": subject, "body": body, "isHtml": False}  # fmt: skip
    if reply_to is not None:
        original = await client.message(reply_to)
        fields["references"] = original.get("messageId") or None
        if not subject:
            old = str(original.get("subject", ""))
            fields["subject"] = old if old.lower().startswith("re:") else f"Re: {old}"
        if not to:
            to = [str(a.get("email")) for a in (original.get("replyTo") or original.get("from") or [])]
    if not to:
        raise InvalidInput("to: give at least one recipient address (or reply_to, to answer the sender).")
    fields |= {"to": _check("to", to), "cc": _check("cc", cc or []), "bcc": _check("bcc", bcc or [])}
    preview = f"From {fields['fromEmail']} to {', '.join(to)}" + (f", cc {', '.join(cc)}" if cc else "")
    preview += (f", bcc {', '.join(bcc)}" if bcc else "") + f"; subject {fields['subject']!r}; {len(body)} characters."
    if not confirm and not await _user_agrees(ctx, preview):
        raise InvalidInput(
            f"Not sent. {preview} Check these with the user, then call nc_mail_create_message again with confirm=true."
        )
    status, text = await client.send(fields)
    if status == 404:
        raise NotFound(f"{text or 'Not found.'} Check account_id and from_email with nc_mail_list_accounts.")
    if status == 403:
        raise Forbidden(f"{text} Set a Sent mailbox for the account in Nextcloud Mail, then send again.")
    if status == 400:
        raise BadRequest(f"Nextcloud Mail refused the message: {text}")
    result = "sent" if status == 200 else f"accepted: {text}"
    return {"result": result, "from": fields["fromEmail"], "to": to, "subject": fields["subject"]}


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
    list_accounts, list_mailboxes, list_messages, get_message, create_message, update_message, delete_message
]  # fmt: skip
