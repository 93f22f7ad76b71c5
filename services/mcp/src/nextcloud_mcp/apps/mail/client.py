"""Mail (`mail` app) over its public OCS API and, where it has none, its internal routes.

Source: nextcloud/mail v5.11.2 (NC 32-35). Public API (`OCSController`s, `#[NoCSRFRequired]`):
`AccountApiController::list` (`GET /ocs/v2.php/apps/mail/account/list`), `MailboxesApiController::list`
(`GET …/ocs/mailboxes?accountId=`) and `::listMessages` (`GET …/ocs/mailboxes/{id}/messages`: newest first,
`limit` clamped to 1..100, `cursor` = the `dateInt` of the last message seen, `filter` = Mail's search tokens),
`MessageApiController::get` (`GET …/message/{id}`) and `::send` (`POST …/message/send`, at most 5 per 100 s per
user: `#[UserRateLimit]`).

Internal only (no public route exists; appinfo/routes.php at v5.11.2 has no OCS route for threads or drafts):
`MessagesController::getThread` (`GET /index.php/apps/mail/api/messages/{id}/thread`, `#[NoCSRFRequired]`: the
messages of the account whose `threadRootId` is the message's, newest first; 403 for another user's message),
`DraftsController::create`/`::update`/`::destroy` (the `drafts` resource: `POST /index.php/apps/mail/api/drafts`,
`PUT …/drafts/{id}`, `DELETE …/drafts/{id}`; a draft is a `LocalMessage` of type draft, kept in Mail's database
until sent; there is no route to read or list one), and sending a draft: `OutboxController::createFromDraft`
(`POST …/api/outbox/from-draft/{id}`, `sendAt`) then `OutboxController::send` (`POST …/api/outbox/{id}`).
Drafts and outbox are `#[TrapError]`: an unknown or another user's draft is `DoesNotExistException` → 404
`{"status": "fail", "data": []}`, a `ClientException` → 400 `{"status": "fail", "data": {message, type}}`.
`MessagesController::setFlags` (`PUT /index.php/apps/mail/api/messages/
{id}/flags`), `::move` (`POST …/{id}/move`) and `::destroy` (`DELETE …/{id}`). They keep the CSRF check (no
`#[NoCSRFRequired]`), which an API request passes with the `OCS-APIRequest: true` header
(nextcloud/server `Request::passesCSRFCheck`); another user's message answers 403.

A move (and a delete, which moves to the trash) gives the message a new id: Mail caches one row per (mailbox,
IMAP UID). The new id is found again by the message's `Message-ID` header in the target mailbox.

Message bodies are never logged: `NextcloudHTTP` logs method, path and status only, and errors carry no bodies.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2

from nextcloud_mcp.core.download import Download, download
from nextcloud_mcp.core.errors import NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["PAGE_MAX", "MailClient", "Reply", "filter_string", "mail_client"]

#: `MailboxesApiController::listMessages`: `min(100, max(1, $limit))`.
PAGE_MAX = 100
_OCS = "/ocs/v2.php/apps/mail"
_API = "/index.php/apps/mail/api"
_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
_JSON = {"format": "json"}


def filter_string(query: str | None, unread: bool | None, flagged: bool | None) -> str | None:
    """Mail's search string (`FilterStringParser::parse`): `type:value` tokens split on spaces, each value
    URL-decoded. Text matches subject, sender or recipients (the text criteria are OR-ed)."""
    tokens: list[str] = []
    if query:
        value = quote(query.strip(), safe="")
        tokens += [f"subject:{value}", f"from:{value}", f"to:{value}"]
    if unread is not None:
        tokens.append("is:unread" if unread else "is:read")
    if flagged is not None:
        tokens.append("is:starred" if flagged else "not:starred")
    return " ".join(tokens) or None


def _list(data: Any, key: str, path: str) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(x, dict) and key in x for x in data):
        raise ProtocolError("Nextcloud Mail sent a list this server cannot read.", path=path)
    return data


class MailClient:
    """One user's Mail accounts and messages."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def _ocs(self, method: str, path: str, *, ok: tuple[int, ...] = (), **kw: Any) -> httpx2.Response:
        params = {**_JSON, **kw.pop("params", {})}
        return await self._http.request(
            method, _OCS + path, auth=self._auth, params=params, headers=_HEADERS, ok=ok, **kw
        )

    async def accounts(self) -> list[dict[str, Any]]:
        return _list(parse_ocs(await self._ocs("GET", "/account/list")), "id", "/account/list")

    async def mailboxes(self, account_id: int) -> list[dict[str, Any]] | None:
        """The account's mailboxes; None when it is not one of the user's (404)."""
        response = await self._ocs("GET", "/ocs/mailboxes", params={"accountId": account_id}, ok=(404,))
        if response.status_code == 404:
            return None
        return _list(parse_ocs(response), "databaseId", "/ocs/mailboxes")

    async def messages(
        self, mailbox_id: int, *, limit: int, cursor: int | None = None, filter_text: str | None = None
    ) -> list[dict[str, Any]] | None:
        """Newest first (one per message: `view=singleton`); None when the mailbox is not the user's (403)."""
        params: dict[str, Any] = {"limit": min(limit, PAGE_MAX), "view": "singleton"}
        if cursor is not None:
            params["cursor"] = cursor
        if filter_text:
            params["filter"] = filter_text
        path = f"/ocs/mailboxes/{mailbox_id}/messages"
        response = await self._ocs("GET", path, params=params, ok=(403,))
        if response.status_code == 403:
            return None
        return _list(parse_ocs(response), "databaseId", path)

    async def message(self, message_id: int) -> dict[str, Any]:
        """One message with its body; NotFound for another user's or an unknown id."""
        response = await self._ocs("GET", f"/message/{message_id}", ok=(404,))
        if response.status_code == 404:
            raise NotFound(
                f"You have no message {message_id}: it was moved or deleted (moving gives a message a new id), "
                "belongs to another user or never existed. Find it with nc_mail_list_messages.",
                method="GET", path=f"{_OCS}/message/{message_id}", status=404,
            )  # fmt: skip
        data = parse_ocs(response)
        if not isinstance(data, dict) or "id" not in data:
            raise ProtocolError("Nextcloud Mail sent a message this server cannot read.", path="/message/{id}")
        return data

    async def send(self, fields: dict[str, Any]) -> tuple[int, str]:
        """`MessageApiController::send`: (HTTP status, Mail's message) for 200/202 and its 4xx answers."""
        response = await self._ocs("POST", "/message/send", json=fields, ok=(400, 403, 404))
        try:
            text = response.json().get("ocs", {}).get("data")
        except ValueError:
            text = None
        return response.status_code, text if isinstance(text, str) else ""

    async def _internal(
        self, method: str, path: str, json: Any = None, ok: tuple[int, ...] = (400, 403)
    ) -> httpx2.Response:
        return await self._http.request(method, _API + path, auth=self._auth, json=json, headers=_HEADERS, ok=ok)

    async def set_flags(self, message_id: int, flags: dict[str, bool]) -> int:
        return (await self._internal("PUT", f"/messages/{message_id}/flags", {"flags": flags})).status_code

    async def move(self, message_id: int, mailbox_id: int) -> int:
        body = {"destFolderId": mailbox_id}
        return (await self._internal("POST", f"/messages/{message_id}/move", body)).status_code

    async def delete(self, message_id: int) -> httpx2.Response:
        return await self._internal("DELETE", f"/messages/{message_id}")

    async def thread(self, message_id: int) -> list[dict[str, Any]] | None:
        """The message's thread, newest first; None for another user's message (403); [] when it has no thread
        root (404: no Message-ID)."""
        path = f"/messages/{message_id}/thread"
        response = await self._internal("GET", path, ok=(403, 404))
        if response.status_code in (403, 404):
            return None if response.status_code == 403 else []
        return _list(response.json(), "databaseId", path)

    async def attachment(self, message_id: int, attachment_id: str, max_bytes: int) -> Download:
        """`MessagesController::downloadAttachment` (`GET /index.php/apps/mail/api/messages/{id}/attachment/
        {attachmentId}`, `@NoCSRFRequired`, `#[TrapError]`): the MIME part as an `AttachmentDownloadResponse`
        (Content-Type the part's type, `Content-Disposition: attachment; filename="…"`). Another user's or an
        unknown message is 403 `[]`; a part Mail cannot load is `DoesNotExistException` → 404 (ErrorMiddleware).
        The public `MessageApiController::getAttachment` (OCS) puts the bytes in a JSON string, unusable for
        binary files."""
        path = f"{_API}/messages/{message_id}/attachment/{quote(attachment_id, safe='')}"
        return await download(
            self._http,
            path,
            auth=self._auth,
            max_bytes=max_bytes,
            headers=_HEADERS,
            errors=(403, 404),
            on_error=lambda response: _no_attachment(response, message_id, attachment_id),
        )

    async def draft(self, method: str, draft_id: int | None, fields: dict[str, Any] | None = None) -> Reply:
        """`DraftsController::create` (draft_id None), `::update` (PUT) or `::destroy` (DELETE)."""
        path = "/drafts" if draft_id is None else f"/drafts/{draft_id}"
        return _reply(await self._internal(method, path, fields, ok=(400, 404)))

    async def send_draft(self, draft_id: int, now: int) -> Reply:
        """`OutboxController::createFromDraft` (the draft becomes an outbox message, same id) then `::send`."""
        made = _reply(await self._internal("POST", f"/outbox/from-draft/{draft_id}", {"sendAt": now}, (400, 404)))
        if made.status != 201:
            return made
        return _reply(await self._internal("POST", f"/outbox/{draft_id}", ok=(400, 404, 500)))


def _no_attachment(response: httpx2.Response, message_id: int, attachment_id: str) -> NotFound:
    return NotFound(
        f"Message {message_id} has no attachment {attachment_id!r} you can read (or the message was moved or "
        "deleted); see its attachments with nc_mail_get_message.",
        method="GET",
        path=response.request.url.path,
        status=response.status_code,
    )


class Reply:
    """A `#[TrapError]` answer: status, `data` and Mail's message (`fail` data or `error` message)."""

    def __init__(self, status: int, data: Any, message: str) -> None:
        self.status, self.data, self.message = status, data, message


def _reply(response: httpx2.Response) -> Reply:
    try:
        body = response.json()
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(data, dict) and isinstance(data.get("message"), str) and body.get("status") == "fail":
        message = data["message"]
    return Reply(response.status_code, data, message if isinstance(message, str) else "")


def mail_client(session: NextcloudSession) -> MailClient:
    """The session's MailClient."""
    return session.client(MailClient, lambda: MailClient(session.http, session.auth))
