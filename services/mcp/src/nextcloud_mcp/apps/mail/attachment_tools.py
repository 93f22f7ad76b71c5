"""Mail tool that reads an attachment's text (`nc_mail_read_attachment`), through core/extract/attachment.py.

The message (`MessageApiController::get`) lists the attachment's MIME part id, name, type and size (`attachments`
and `inlineAttachments`, as nc_mail_get_message shows them); the bytes come from
`MessagesController::downloadAttachment` (apps/mail/client.py). Attachment contents are never logged.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.mail.client import mail_client
from nextcloud_mcp.core.contract import Cursor
from nextcloud_mcp.core.download import Download
from nextcloud_mcp.core.errors import NotFound
from nextcloud_mcp.core.extract.attachment import AttachmentText, Source, read_attachment
from nextcloud_mcp.core.extract.reading import MaxChars
from nextcloud_mcp.core.tool import ToolSpec, session, settings, tool

__all__ = ["TOOLS"]

MessageId = Annotated[int, Field(ge=1, le=2**53, description="id from nc_mail_list_messages.")]
AttachmentId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[\w.-]+$", description='id from nc_mail_get_message, e.g. "2".')
]


def _parts(message: dict[str, Any]) -> list[dict[str, Any]]:
    parts = [*(message.get("attachments") or []), *(message.get("inlineAttachments") or [])]
    return [a for a in parts if isinstance(a, dict)]


@tool(
    "nc_mail_read_attachment",
    "Read a mail attachment",
    "Read an e-mail attachment's text (text; PDF, Office, OpenDocument), paged; other files: type and size only.",
    app="mail",
    read_only=True,
    idempotent=True,
)
async def read_mail_attachment(
    ctx: Context,
    message_id: MessageId,
    attachment_id: AttachmentId,
    cursor: Cursor = None,
    max_chars: MaxChars = 100_000,
) -> AttachmentText:
    mail = mail_client(session(ctx))
    parts = _parts(await mail.message(message_id))
    found = next((a for a in parts if str(a.get("id")) == attachment_id), None)
    if found is None:
        listing = ", ".join(f"{a.get('id')} {a.get('fileName') or a.get('filename') or ''!r}" for a in parts)
        raise NotFound(
            f"Message {message_id} has no attachment {attachment_id!r}; its attachments (id name): "
            f"{listing or 'none'}. See them with nc_mail_get_message."
        )

    async def fetch(max_bytes: int) -> Download:
        return await mail.attachment(message_id, attachment_id, max_bytes)

    size = found.get("size")
    source = Source(
        name=str(found.get("fileName") or found.get("filename") or ""),
        mime=str(found.get("mime") or "") or None,
        size=size if isinstance(size, int) else None,
        fetch=fetch,
        tool="nc_mail_read_attachment",
        get_it="open it in Nextcloud Mail",
    )
    return await read_attachment(source, settings(ctx), cursor, max_chars)


TOOLS: list[ToolSpec] = [read_mail_attachment]
