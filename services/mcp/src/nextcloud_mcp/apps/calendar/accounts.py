"""People named by their display name, found in Nextcloud's system address book.

Free/busy needs an attendee's e-mail address (Sabre finds free/busy attendees by e-mail). A user id resolves
through the principal; a display name ("Bob Smith") has no principal, but every account has a card in the system
address book `z-server-generated--system` of the user's address-book home, with its `FN` and `EMAIL` (nextcloud/
server apps/dav/lib/CardDAV/UserAddressBooks.php, SystemAddressbook.php, Converter::createCardFromUser). One
`addressbook-query` (RFC 6352 §8.6) on `FN` finds it; only a single exact match (case-insensitive) is used, so a
name two accounts share stays unresolved rather than resolved to the wrong person. The address book can be
switched off or limited by the sharing settings: then nothing is found.
"""

from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.core.caldav import CARD, NSDECL
from nextcloud_mcp.core.errors import NextcloudError

__all__ = ["SYSTEM_BOOK", "card_values", "email_by_name"]

SYSTEM_BOOK = "z-server-generated--system"  # SystemAddressbook::URI_SHARED


def card_values(card: str, name: str) -> list[str]:
    """The values of property `name` (unfolded, parameters dropped, the vCard escapes undone)."""
    lines = card.replace("\r\n ", "").replace("\n ", "").splitlines()
    out = []
    for line in lines:
        head, sep, value = line.partition(":")
        if sep and head.split(";", 1)[0].rsplit(".", 1)[-1].upper() == name:
            out.append(value.replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\").strip())
    return out


async def email_by_name(client: CalendarClient, who: str) -> str | None:
    """`mailto:` of the one account whose display name is `who`, else None."""
    homes = await client.dav.homes()
    if not homes.addressbook_home or not who.strip():
        return None
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><card:addressbook-query {NSDECL}><d:prop><card:address-data/>'
        '</d:prop><card:filter><card:prop-filter name="FN"><card:text-match collation="i;unicode-casemap" '
        f'match-type="equals">{escape(who.strip())}</card:text-match></card:prop-filter></card:filter>'
        "</card:addressbook-query>"
    )
    path = quote(homes.addressbook_home.rstrip("/") + f"/{SYSTEM_BOOK}/")
    try:
        entries = await client.dav.report(path, body)
    except NextcloudError:
        return None
    found = []
    for entry in entries:
        card = entry.text(f"{{{CARD}}}address-data") or ""
        if any(fn.casefold() == who.strip().casefold() for fn in card_values(card, "FN")):
            found.append(card_values(card, "EMAIL"))
    if len(found) != 1 or not found[0]:
        return None
    return f"mailto:{found[0][0]}"
