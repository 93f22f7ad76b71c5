r"""Mail's routes (nextcloud/mail v5.11.2 ``appinfo/routes.php`` and ``#[ApiRoute]`` attributes).

Public API: the ``OCSController`` classes, every method ``#[NoAdminRequired]`` + ``#[NoCSRFRequired]``:

* ``AccountApiController::list`` ``GET /ocs/v2.php/apps/mail/account/list``
* ``MailboxesApiController::list`` ``GET …/ocs/mailboxes?accountId=`` (404 ``[]`` for another user's account)
  and ``::listMessages`` ``GET …/ocs/mailboxes/{mailboxId}/messages`` (403 ``[]`` for another user's mailbox;
  ``limit`` = ``min(100, max(1, $limit))``, newest first, ``view`` threaded unless ``singleton``)
* ``MessageApiController::get`` ``GET …/message/{id}`` (404 "Account not found." for another user's message)
  and ``::send`` ``POST …/message/send`` (``#[UserRateLimit(limit: 5, period: 100)]``, not modelled).

Internal (``/index.php/apps/mail/api/…``, ``MessagesController``, ``#[OpenAPI(scope: SCOPE_IGNORE)]``): no
``#[NoCSRFRequired]``, so the CSRF check applies: an API client passes it with ``OCS-APIRequest: true``
(``Request::passesCSRFCheck``). They are ``#[TrapError]`` methods: ``ErrorMiddleware::afterException`` turns
a ``ClientException`` into ``{"status": "fail", "data": {message, type}}`` (400) and any other ``Throwable``
(a ``TypeError`` of the dispatcher too) into ``{"status": "error", "message": "Server error", …}`` (500).
Another user's message or mailbox is ``DoesNotExistException`` inside the method: 403 ``[]``.
``MessagesController::getThread`` (``GET /api/messages/{id}/thread``) is ``@NoCSRFRequired``: 403 ``[]`` for
another user's message, 404 ``[]`` when the message has no thread root, else ``MailManager::getThread``.

Drafts (``DraftsController``, the ``drafts`` resource: create/update/destroy; the controller has no index or
show, so a draft cannot be read back) and the outbox (``OutboxController::createFromDraft``, ``::send``) are
``#[TrapError]`` methods answering ``OCA\Mail\Http\JsonResponse``: ``{"status": "success", "data": …}``;
``DoesNotExistException`` (another user's or an unknown draft) → 404 ``{"status": "fail", "data": []}``;
``AccountService::find`` of another user's account throws a ``ClientException`` → 400.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.mail.attachments import download_attachment
from fake_nextcloud.apps.mail.controller import internal as _internal
from fake_nextcloud.apps.mail.controller import internal_no_csrf as _internal_no_csrf
from fake_nextcloud.apps.mail.controller import not_found as _not_found
from fake_nextcloud.apps.mail.controller import uid as _uid
from fake_nextcloud.apps.mail.models import (
    RECIPIENT_TYPES,
    TYPE_DRAFT,
    TYPE_OUTGOING,
    Account,
    LocalMessage,
    MailBackend,
    Message,
    matches,
)
from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError, json_response
from fake_nextcloud.core.signature import php_method

__all__ = ["INDEX_ROUTES", "OCS_ROUTES"]

_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"


def _ocs(handler: Handler) -> Endpoint:
    """A Mail ``OCSController`` method (disabled app: no route, OCS 998)."""

    async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
        if not ctx.state.app_enabled("mail"):
            raise OcsError(998, "")
        return await handler(ctx, request)

    return controller(Annotations(ocs=True, no_csrf=True))(functools.wraps(handler)(wrapped))


def _success(data: Any, status: int = 200) -> Response:
    """``OCA\\Mail\\Http\\JsonResponse::success``."""
    return json_response({"status": "success", "data": data}, status)


def _client_error(message: str) -> Response:
    """``JsonResponse::failWith`` a ``ClientException``."""
    return json_response(
        {"status": "fail", "data": {"message": message, "type": "OCA\\Mail\\Exception\\ClientException"}}, 400
    )


def _account(ctx: NcContext, account_id: int) -> Account | Response:
    """``AccountService::find`` (a ``ClientException`` for another user's or an unknown account)."""
    account = MailBackend.of(ctx.state).account(_uid(ctx), account_id)
    if account is None:
        return _client_error(f"Account {account_id} does not exist or you don\\'t have permission to access it")
    return account


def _base(ctx: NcContext) -> str:
    return ctx.absolute_url("/ocs/v2.php/apps/mail")


@_ocs
@php_method("AccountApiController::list")
async def account_list(ctx: NcContext, request: Request) -> OcsResult:
    backend = MailBackend.of(ctx.state)
    return OcsResult(
        [
            {"id": a.id, "email": a.email, "isDelegated": False, "aliases": a.aliases}
            for a in backend.accounts_of(_uid(ctx))
        ]
    )


@_ocs
@php_method("MailboxesApiController::list", "int $accountId")
async def mailbox_list(ctx: NcContext, request: Request) -> OcsResult:
    backend = MailBackend.of(ctx.state)
    account = backend.account(_uid(ctx), ctx.args["accountId"])
    if account is None:
        return OcsResult([], status=404)
    return OcsResult([backend.mailbox_json(m) for m in backend.mailboxes_of(account)])


def _threaded(messages: list[Message]) -> list[Message]:
    """``VIEW_THREADED``: the newest message of each thread (``findIdsByQuery``'s self join)."""
    seen: set[str] = set()
    kept = []
    for message in messages:
        root = message.thread_root_id or message.message_id
        if root not in seen:
            seen.add(root)
            kept.append(message)
    return kept


@_ocs
@php_method(
    "MailboxesApiController::listMessages",
    "int $mailboxId, ?int $cursor = null, ?string $filter = null, ?int $limit = null, ?string $view = null",
)
async def list_messages(ctx: NcContext, request: Request) -> OcsResult:
    backend = MailBackend.of(ctx.state)
    limit = min(100, max(1, ctx.args["limit"] or 0))  # max(1, null) is 1
    mailbox = backend.mailbox(_uid(ctx), ctx.args["mailboxId"])
    if mailbox is None:
        return OcsResult([], status=403)
    cursor: int | None = ctx.args["cursor"]
    found = sorted(
        (m for m in backend.messages.values() if m.mailbox_id == mailbox.id and matches(m, ctx.args["filter"])),
        key=lambda m: (-m.sent_at, -m.id),
    )
    if ctx.args["view"] != "singleton":
        found = _threaded(found)
    if cursor is not None:
        found = [m for m in found if m.sent_at < cursor]
    return OcsResult([backend.message_json(m) for m in found[:limit]])


@_ocs
@php_method("MessageApiController::get", "int $id")
async def get_message(ctx: NcContext, request: Request) -> OcsResult:
    backend = MailBackend.of(ctx.state)
    message = backend.message(_uid(ctx), ctx.args["id"])
    if message is None:
        return OcsResult("Account not found.", status=404)
    return OcsResult(backend.full_json(message, _base(ctx)))


def _recipients(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else list(value)


@_ocs
@php_method(
    "MessageApiController::send",
    "int $accountId, string $fromEmail, string $subject, string $body, bool $isHtml, array $to, array $cc = [],"
    " array $bcc = [], ?string $references = null",
)
async def send_message(ctx: NcContext, request: Request) -> OcsResult:
    backend = MailBackend.of(ctx.state)
    args = ctx.args
    account = backend.account(_uid(ctx), args["accountId"])
    if account is None:
        return OcsResult("Account not found.", status=404)
    if args["fromEmail"] != account.email and not any(a["email"] == args["fromEmail"] for a in account.aliases):
        return OcsResult(f"Could not find alias {args['fromEmail']}. Please check the logs.", status=404)
    to, cc, bcc = (_recipients(args[k]) for k in ("to", "cc", "bcc"))
    if not to:
        return OcsResult("Recipients cannot be empty.", status=400)
    for recipient in [*to, *cc, *bcc]:
        if not isinstance(recipient, dict):
            return OcsResult("Recipient address must be an array.", status=400)
        if recipient.get("email") is None:
            return OcsResult("Recipient address must contain an email address.", status=400)
        if not re.fullmatch(_EMAIL, str(recipient["email"])):  # filter_var(FILTER_VALIDATE_EMAIL)
            return OcsResult(f"Email address {recipient['email']} not valid.", status=400)
    sent = backend.mailboxes.get(account.sent_mailbox_id or 0)
    if sent is None:  # OutboxService::sendMessage -> LocalMessage::STATUS_NO_SENT_MAILBOX
        return OcsResult("Configuration error: Cannot send message without sent mailbox.", status=403)
    address = [{"label": account.name, "email": str(args["fromEmail"])}]

    def clean(items: list[Any]) -> list[dict[str, str]]:
        return [{"label": str(r.get("label") or r["email"]), "email": str(r["email"])} for r in items]

    replied = next((m for m in backend.messages.values() if m.message_id == args["references"]), None)
    backend.add_message(
        sent, subject=args["subject"], sender=address, to=clean(to), cc=clean(cc), bcc=clean(bcc),
        body=args["body"], html=args["isHtml"], flags={"seen": True}, in_reply_to=args["references"] or None,
        thread_root_id=(replied.thread_root_id or replied.message_id) if replied else None,
    )  # fmt: skip  # the SMTP send and IMAP APPEND to Sent (MailTransmission::sendMessage), then synced
    return OcsResult("")


@_internal
@php_method("MessagesController::setFlags", "int $id, array $flags")
async def set_flags(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    message = backend.message(_uid(ctx), ctx.args["id"])
    if message is None:
        return json_response([], 403)
    for flag, value in dict(ctx.args["flags"]).items():  # filter_var(FILTER_VALIDATE_BOOLEAN)
        on = value is True or str(value).lower() in ("1", "true", "on", "yes")
        if flag in ("seen", "flagged", "answered", "deleted", "draft", "forwarded", "important"):
            message.flags[flag] = on  # MailManager::filterFlags: only known flags reach IMAP
    return json_response([])


@_internal
@php_method("MessagesController::move", "int $id, int $destFolderId")
async def move_message(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    message = backend.message(_uid(ctx), ctx.args["id"])
    target = backend.mailbox(_uid(ctx), ctx.args["destFolderId"])
    if message is None or target is None:
        return json_response([], 403)
    if target.id != message.mailbox_id:
        backend.move(message, target)
    return json_response([])


@_internal
@php_method("MessagesController::destroy", "int $id")
async def destroy_message(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    message = backend.message(_uid(ctx), ctx.args["id"])
    if message is None:
        return json_response([], 403)
    account = backend.accounts[backend.mailboxes[message.mailbox_id].account_id]
    trash = backend.mailboxes.get(account.trash_mailbox_id or 0)
    if trash is None:  # TrashMailboxNotSetException (a ClientException): failWith, 400
        data = {"message": "No trash mailbox configured", "type": "OCA\\Mail\\Exception\\TrashMailboxNotSetException"}
        return json_response({"status": "fail", "data": data}, 400)
    if message.mailbox_id == trash.id:  # MailManager::deleteMessageWithClient: expunge inside the trash
        del backend.messages[message.id]
    else:
        backend.move(message, trash)
    return json_response([])


@_internal_no_csrf
@php_method("MessagesController::getThread", "int $id")
async def get_thread(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    message = backend.message(_uid(ctx), ctx.args["id"])
    if message is None:
        return json_response([], 403)
    root = backend.root(message)
    if not root:
        return json_response([], 404)
    account = backend.accounts[backend.mailboxes[message.mailbox_id].account_id]
    return json_response([backend.message_json(m) for m in backend.thread(account, root)])


_DRAFT_FIELDS = (
    "string $subject, ?string $bodyPlain, ?string $bodyHtml, ?string $editorBody, bool $isHtml, ?bool $smimeSign,"
    " ?bool $smimeEncrypt"
)


def _recipient_rows(backend: MailBackend, args: Any) -> dict[int, list[dict[str, Any]]] | Response:
    """``DraftsService::convertToRecipient``: label = ``label ?? email`` (no address check for drafts)."""
    rows: dict[int, list[dict[str, Any]]] = {}
    for key, kind in RECIPIENT_TYPES.items():
        items = _recipients(args[key])
        if not all(isinstance(r, dict) and r.get("email") is not None for r in items):
            return json_response({"status": "error", "message": "Server error", "data": [], "code": 0}, 500)
        rows[kind] = [
            {"id": backend.next_id("recipient"), "label": str(r.get("label") or r["email"]), "email": str(r["email"])}
            for r in items
        ]  # fmt: skip
    return rows


def _fill(local: LocalMessage, args: Any, rows: dict[int, list[dict[str, Any]]], now: int) -> None:
    local.subject, local.body_plain, local.body_html = args["subject"], args["bodyPlain"], args["bodyHtml"]
    local.editor_body, local.html, local.alias_id = args["editorBody"], args["isHtml"], args["aliasId"]
    local.in_reply_to, local.send_at, local.updated_at = args["inReplyToMessageId"], args["sendAt"], now
    local.recipients, local.status = rows, 0  # saveMessage resets the status to STATUS_RAW


@_internal
@php_method(
    "DraftsController::create",
    f"int $accountId, {_DRAFT_FIELDS}, array $to = [], array $cc = [], array $bcc = [], array $attachments = [],"
    " ?int $aliasId = null, ?string $inReplyToMessageId = null, ?int $smimeCertificateId = null,"
    " ?int $sendAt = null, ?int $draftId = null, bool $requestMdn = false, bool $isPgpMime = false",
)
async def create_draft(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    account = _account(ctx, ctx.args["accountId"])
    if isinstance(account, Response):
        return account
    if ctx.args["draftId"] is not None:  # handleDraft: the IMAP draft being replaced (DeleteDraftListener)
        old = backend.message(_uid(ctx), ctx.args["draftId"])
        if old is None:
            return _not_found()
        del backend.messages[old.id]
    rows = _recipient_rows(backend, ctx.args)
    if isinstance(rows, Response):
        return rows
    local = LocalMessage(backend.next_id("local"), TYPE_DRAFT, account.id, "", 0)
    _fill(local, ctx.args, rows, ctx.state.time())
    backend.local[local.id] = local
    return _success(backend.local_json(local), 201)


@_internal
@php_method(
    "DraftsController::update",
    f"int $id, int $accountId, {_DRAFT_FIELDS}, bool $failed = false, array $to = [], array $cc = [],"
    " array $bcc = [], array $attachments = [], ?int $aliasId = null, ?string $inReplyToMessageId = null,"
    " ?int $smimeCertificateId = null, ?int $sendAt = null, bool $requestMdn = false, bool $isPgpMime = false",
)
async def update_draft(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    local = backend.local_message(_uid(ctx), ctx.args["id"], TYPE_DRAFT)
    if local is None:
        return _not_found()
    account = _account(ctx, ctx.args["accountId"])
    if isinstance(account, Response):
        return account
    rows = _recipient_rows(backend, ctx.args)
    if isinstance(rows, Response):
        return rows
    _fill(local, ctx.args, rows, ctx.state.time())
    local.account_id, local.failed = account.id, ctx.args["failed"]
    return _success(backend.local_json(local), 202)


@_internal
@php_method("DraftsController::destroy", "int $id")
async def destroy_draft(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    local = backend.local_message(_uid(ctx), ctx.args["id"], TYPE_DRAFT)
    if local is None:
        return _not_found()
    del backend.local[local.id]
    return _success("Message deleted", 202)


@_internal
@php_method("OutboxController::createFromDraft", "DraftsService $draftsService, int $id, int $sendAt")
async def outbox_from_draft(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    local = backend.local_message(_uid(ctx), ctx.args["id"], TYPE_DRAFT)
    if local is None:
        return _not_found()
    if not any(local.recipients.values()):  # OutboxService::convertDraft
        return _client_error("Cannot convert message to outbox message without at least one recipient")
    local.type, local.send_at = TYPE_OUTGOING, ctx.args["sendAt"]
    return _success(backend.local_json(local), 201)


@_internal
@php_method("OutboxController::send", "int $id")
async def outbox_send(ctx: NcContext, request: Request) -> Response:
    backend = MailBackend.of(ctx.state)
    local = backend.local_message(_uid(ctx), ctx.args["id"], TYPE_OUTGOING)
    if local is None:
        return _not_found()
    account = backend.accounts[local.account_id]
    sent = backend.mailboxes.get(account.sent_mailbox_id or 0)
    if sent is None:  # SentMailboxHandler: STATUS_NO_SENT_MAILBOX; the row stays in the outbox
        local.status = 1
        return json_response(
            {"status": "error", "message": "Could not send message", "data": [backend.local_json(local)], "code": 0},
            500,
        )
    alias = next((a for a in account.aliases if a["id"] == local.alias_id), None)
    sender = [{"label": account.name, "email": alias["email"] if alias else account.email}]
    replied = next((m for m in backend.messages.values() if m.message_id == local.in_reply_to), None)
    backend.add_message(
        sent, subject=local.subject, sender=sender, to=local.recipients.get(1, []), cc=local.recipients.get(2, []),
        bcc=local.recipients.get(3, []), body=local.body_plain or "", html=local.html, flags={"seen": True},
        in_reply_to=local.in_reply_to, thread_root_id=backend.root(replied) if replied else None,
    )  # fmt: skip  # SMTP, IMAP APPEND to Sent, synced; the processed row is deleted
    del backend.local[local.id]
    return _success("Message sent", 202)


_OCS = "/apps/mail"
#: OCS routes (``#[ApiRoute]`` on the ``*ApiController`` classes and ``routes.php`` ``'ocs'``).
OCS_ROUTES: list[BaseRoute] = [
    Route(f"{_OCS}/account/list", account_list, methods=["GET"]),
    Route(f"{_OCS}/ocs/mailboxes", mailbox_list, methods=["GET"]),
    Route(f"{_OCS}/ocs/mailboxes/{{mailboxId:int}}/messages", list_messages, methods=["GET"]),
    Route(f"{_OCS}/message/send", send_message, methods=["POST"]),
    Route(f"{_OCS}/message/{{id:int}}", get_message, methods=["GET"]),
]

#: Internal routes under ``/index.php/apps/mail`` (``routes.php``; ``messages`` resource for ``destroy``).
INDEX_ROUTES: list[BaseRoute] = [
    Route("/api/messages/{id:int}/flags", set_flags, methods=["PUT"]),
    Route("/api/messages/{id:int}/move", move_message, methods=["POST"]),
    Route("/api/messages/{id:int}", destroy_message, methods=["DELETE"]),
    Route("/api/messages/{id:int}/thread", get_thread, methods=["GET"]),
    Route("/api/messages/{id:int}/attachment/{attachmentId}", download_attachment, methods=["GET"]),
    Route("/api/drafts", create_draft, methods=["POST"]),
    Route("/api/drafts/{id:int}", update_draft, methods=["PUT"]),
    Route("/api/drafts/{id:int}", destroy_draft, methods=["DELETE"]),
    Route("/api/outbox/from-draft/{id:int}", outbox_from_draft, methods=["POST"]),
    Route("/api/outbox/{id:int}", outbox_send, methods=["POST"]),
]
