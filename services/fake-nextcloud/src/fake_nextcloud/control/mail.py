"""Control API for the Mail app (``/__testbed__/seed/mail``): the cache state after a sync.

``POST /seed/mail`` ``{"user": login|uid, "accounts": [{"email", "name"?, "aliases"?: [{"email", "name"?}],
"mailboxes"?: [{"name", "special_use"?: "inbox"|"sent"|"drafts"|"trash"|"junk"|"archive", "messages"?: [{"subject",
"from": "a@x" | {"label", "email"}, "to"?: [...], "cc"?: [...], "body"?, "html"?: bool, "time"?: unix time,
"seen"?, "flagged"?, "attachments"?: [{"name", "mime"?, "size"?, "content"?: text, "content_base64"?}],
"message_id"?, "in_reply_to"?, "thread_root_id"?}]}], "drafts"?: [{"subject", "body"?, "to"?: [...],
"cc"?: [...]}]}]}`` -> 201
``{"accounts": [{"id", "mailboxes": {name: id}, "messages": [id…], "drafts": [id…]}]}``.

A draft is a ``LocalMessage`` of type draft (``DraftsController::create`` as Mail's composer saves it).

Without ``mailboxes`` an account gets INBOX, Sent, Drafts and Trash (the special-use mailboxes
``MailboxSync`` maps to the account's ``sent/drafts/trash_mailbox_id``, as ``AccountService`` sets them).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.mail.models import SPECIAL_USES, TYPE_DRAFT, Account, LocalMessage, MailBackend, Mailbox
from fake_nextcloud.core.state import FakeState

__all__ = ["build_mail_control_routes"]

_DEFAULT = [
    {"name": "INBOX", "special_use": "inbox"},
    {"name": "Sent", "special_use": "sent"},
    {"name": "Drafts", "special_use": "drafts"},
    {"name": "Trash", "special_use": "trash"},
]


def _address(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"label": value, "email": value}
    return {"label": str(value.get("label") or value["email"]), "email": str(value["email"])}


def _attachment(part: int, spec: dict[str, Any]) -> dict[str, Any]:
    """An attachment as MIME part ``part`` (1 is the text part); ``size`` defaults to the content's length."""
    content = base64.b64decode(spec["content_base64"]) if "content_base64" in spec else None
    content = str(spec["content"]).encode() if "content" in spec else content
    size = int(spec.get("size", len(content) if content is not None else 0))
    mime = str(spec.get("mime", "application/octet-stream"))
    return {"id": str(part), "fileName": str(spec["name"]), "mime": mime, "size": size, "content": content or b""}


def _seed_account(backend: MailBackend, uid: str, spec: dict[str, Any]) -> dict[str, Any]:
    aliases = [
        {"id": backend.next_id("alias"), "email": str(a["email"]), "name": a.get("name")}
        for a in spec.get("aliases", [])
    ]
    account = Account(backend.next_id("account"), uid, str(spec["email"]), str(spec.get("name", "")), aliases)
    backend.accounts[account.id] = account
    boxes: dict[str, int] = {}
    ids: list[int] = []
    for box in spec.get("mailboxes", _DEFAULT):
        use = str(box.get("special_use", ""))
        if use and use not in SPECIAL_USES:
            raise ValueError(f"special_use must be one of {SPECIAL_USES}")
        mailbox = Mailbox(backend.next_id("mailbox"), account.id, str(box["name"]), [use] if use else [])
        backend.mailboxes[mailbox.id] = mailbox
        boxes[mailbox.name] = mailbox.id
        if use in ("sent", "trash", "drafts"):
            setattr(account, f"{use}_mailbox_id", mailbox.id)
        for msg in box.get("messages", []):
            attachments = [_attachment(n + 2, a) for n, a in enumerate(msg.get("attachments", []))]
            fields: dict[str, Any] = {
                "subject": str(msg["subject"]),
                "sender": [_address(msg.get("from", spec["email"]))],
                "to": [_address(t) for t in msg.get("to", [spec["email"]])],
                "cc": [_address(t) for t in msg.get("cc", [])],
                "body": str(msg.get("body", "")),
                "html": bool(msg.get("html", False)),
                "flags": {"seen": bool(msg.get("seen", False)), "flagged": bool(msg.get("flagged", False))},
                "attachments": attachments,
                "in_reply_to": msg.get("in_reply_to"),
                "thread_root_id": msg.get("thread_root_id"),
            }
            if "time" in msg:
                fields["sent_at"] = int(msg["time"])
            if "message_id" in msg:
                fields["message_id"] = str(msg["message_id"])
            ids.append(backend.add_message(mailbox, **fields).id)
    drafts = []
    for spec_draft in spec.get("drafts", []):
        local = LocalMessage(
            backend.next_id("local"), TYPE_DRAFT, account.id, str(spec_draft["subject"]), backend.state.time(),
            body_plain=str(spec_draft.get("body", "")), editor_body=str(spec_draft.get("body", "")),
        )  # fmt: skip
        for kind, key in ((1, "to"), (2, "cc")):
            local.recipients[kind] = [
                {"id": backend.next_id("recipient")} | _address(t) for t in spec_draft.get(key, [])
            ]
        backend.local[local.id] = local
        drafts.append(local.id)
    return {"id": account.id, "mailboxes": boxes, "messages": ids, "drafts": drafts}


def build_mail_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_mail(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            users = state.users_for_name(str(data["user"]))
            if len(users) != 1:
                return JSONResponse({"error": f"unknown user {data['user']!r}"}, status_code=404)
            backend = MailBackend.of(state)
            seeded = [_seed_account(backend, users[0].uid, dict(a)) for a in data.get("accounts", [])]
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"accounts": seeded}, status_code=201)

    return [Route("/seed/mail", seed_mail, methods=["POST"])]
