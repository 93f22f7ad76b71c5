"""Deck tool that reads a card attachment's text (`nc_deck_read_attachment`), through core/extract/attachment.py.

The card's attachment list (OCS `attachment_ocs#getAll`) names the attachment, its type and, in `extendedData`,
its size and type (nextcloud/deck lib/Service/FileService.php and FilesAppService.php `extendData`); the bytes come
from REST `attachment_api#display`, which streams `deck_file` attachments from Deck's storage and `file`
attachments (Files shares to the card) alike, so a `file` attachment another member shared reads too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.deck.client import deck_client
from nextcloud_mcp.apps.deck.params import AttachmentId, CardId
from nextcloud_mcp.core.contract import Cursor
from nextcloud_mcp.core.download import Download
from nextcloud_mcp.core.errors import InvalidInput, NotFound
from nextcloud_mcp.core.extract.attachment import AttachmentText, Source, read_attachment
from nextcloud_mcp.core.extract.reading import MaxChars
from nextcloud_mcp.core.tool import ToolSpec, session, settings, tool

__all__ = ["TOOLS"]

Kind = Annotated[
    Literal["file", "deck_file"] | None,
    Field(description="Its type (nc_deck_get_card); needed only when two attachments share the id."),
]


def _listed(a: dict[str, Any]) -> str:
    return f"{a.get('id')} ({a.get('type')}) {a.get('data', '')!r}"


def _pick(card_id: int, attachments: list[dict[str, Any]], attachment_id: int, kind: str | None) -> dict[str, Any]:
    """The attachment with this id (and type); soft-deleted `deck_file` rows are gone for the user."""
    live = [a for a in attachments if not a.get("deletedAt")]
    found = [a for a in live if a.get("id") == attachment_id and kind in (None, a.get("type"))]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise InvalidInput(
            f"Card {card_id} has a file and a deck_file attachment {attachment_id}; pass type to say which."
        )
    which = f"{kind} attachment" if kind else "attachment"
    listing = ", ".join(_listed(a) for a in live) or "none"
    raise NotFound(
        f"Card {card_id} has no {which} {attachment_id}; its attachments (id (type) name): {listing}. "
        "See them with nc_deck_get_card."
    )


@tool(
    "nc_deck_read_attachment",
    "Read an attachment",
    "Read a card attachment's text (text; PDF, Office, OpenDocument), paged; other files: type and size only.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def read_deck_attachment(
    ctx: Context,
    card_id: CardId,
    attachment_id: AttachmentId,
    type: Kind = None,
    cursor: Cursor = None,
    max_chars: MaxChars = 100_000,
) -> AttachmentText:
    deck = deck_client(session(ctx))
    found = _pick(card_id, await deck.attachments(card_id), attachment_id, type)
    extended = found.get("extendedData")
    ext: dict[str, Any] = extended if isinstance(extended, dict) else {}  # `[]` when empty (a PHP array)
    kind = str(found.get("type"))

    async def fetch(max_bytes: int) -> Download:
        return await deck.download_attachment(card_id, attachment_id, kind, max_bytes)

    size = ext.get("filesize")
    source = Source(
        name=str(found.get("data") or ""),
        mime=str(ext.get("mimetype") or "") or None,
        size=size if isinstance(size, int) else None,
        fetch=fetch,
        tool="nc_deck_read_attachment",
        get_it=f"open it in Nextcloud Deck (card {card_id})"
        + (f" or get it with nc_files_download_file ({ext['path']})" if ext.get("path") else ""),
    )
    return await read_attachment(source, settings(ctx), cursor, max_chars)


TOOLS: list[ToolSpec] = [read_deck_attachment]
