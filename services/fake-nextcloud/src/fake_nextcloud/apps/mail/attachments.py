"""Mail's attachment download (nextcloud/mail v5.11.2 ``appinfo/routes.php`` ``messages#downloadAttachment``:
``GET /api/messages/{id}/attachment/{attachmentId}``).

``MessagesController::downloadAttachment(int $id, string $attachmentId)`` (``@NoCSRFRequired``, ``#[TrapError]``):
``MailManager::getMessage`` of the caller's (or a delegator's) message, a ``DoesNotExistException`` -> 403 ``[]``;
then ``MailManager::getMailAttachment`` -> ``IMAP\\MessageMapper::getAttachment`` fetches the MIME part, and the
answer is an ``AttachmentDownloadResponse`` (nextcloud/server ``lib/public/AppFramework/Http/DownloadResponse.php``):
``Content-Disposition: attachment; filename="<name>"`` (``"`` and ``\\`` escaped with a backslash) and
``Content-Type`` = the part's type, no charset. A part without a name (an embedded message) is named
``Embedded message <id>.eml``.

Gap, declared: for a part id the message does not have, the real answer depends on the IMAP server. When the fetch
returns nothing for the message, ``getAttachment`` throws ``DoesNotExistException('Unable to load the
attachment.')``, which ``ErrorMiddleware`` answers 404 ``{"status": "fail", "data": []}``; the fake answers that
for every unknown part id (a server that returns an empty section instead makes Mail send an empty download).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.mail.controller import internal_no_csrf, not_found, uid
from fake_nextcloud.apps.mail.models import MailBackend
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.signature import php_method

__all__ = ["download_attachment"]


def _quoted(name: str) -> str:
    """``DownloadResponse::__construct``: ``strtr($filename, ['"' => '\\"', '\\' => '\\\\'])``."""
    return name.replace("\\", "\\\\").replace('"', '\\"')


@internal_no_csrf
@php_method("MessagesController::downloadAttachment", "int $id, string $attachmentId")
async def download_attachment(ctx: NcContext, request: Request) -> Response:
    message = MailBackend.of(ctx.state).message(uid(ctx), ctx.args["id"])
    if message is None:
        return json_response([], 403)
    part_id = str(ctx.args["attachmentId"])
    part = next((a for a in message.attachments if str(a["id"]) == part_id), None)
    if part is None:
        return not_found()
    name = str(part.get("fileName") or f"Embedded message {part_id}.eml")
    # Content-Type as a header, not `media_type`: Starlette would add a charset to text types, Mail adds none
    headers = {"Content-Disposition": f'attachment; filename="{_quoted(name)}"', "Content-Type": str(part["mime"])}
    return Response(bytes(part.get("content", b"")), headers=headers)
