"""Contacts as MCP resources (`nextcloud://contacts/{addressbook}/{contact_id}`, declared in `__init__.py`): a
contact's vCard as stored, and address book names for argument completion."""

from __future__ import annotations

from collections.abc import Mapping

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.contacts.client import contacts_client
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.core.tool import session

__all__ = ["addressbooks", "read_contact"]


async def read_contact(ctx: Context, addressbook: str, contact_id: str) -> str:
    """The vCard as Nextcloud stores it (its own version, 3.0 or 4.0)."""
    data = await contacts_client(session(ctx)).vcard(addressbook, contact_id)
    return data.decode("utf-8", errors="replace")


async def addressbooks(session: NextcloudSession, prefix: str, context: Mapping[str, str]) -> list[str]:
    """Address books by display name and by name, each once."""
    seen: dict[str, str] = {}
    for book in await contacts_client(session).addressbooks():
        for value in (book.display_name, book.name):
            seen.setdefault(value.casefold(), value)
    return list(seen.values())
