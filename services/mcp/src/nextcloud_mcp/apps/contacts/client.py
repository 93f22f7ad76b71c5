"""Contacts over CardDAV (RFC 6352): address books under the discovered `addressbook-home-set`, vCards in them.

Address books are the home's children whose `resourcetype` has `card:addressbook` (nextcloud/server
apps/dav/lib/CardDAV/AddressBookRoot.php, UserAddressBooks.php; the system address book `z-server-generated--system`
is listed read-only when enabled). Cards are read with one `addressbook-query` REPORT and filtered here; vCard work
lives in `vcard.py`, imported on first use.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx2
from pydantic import BaseModel

from nextcloud_mcp.core.caldav import CARD, NSDECL, DavClient, check_name, require
from nextcloud_mcp.core.dav import D
from nextcloud_mcp.core.errors import Conflict, Forbidden, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

if TYPE_CHECKING:
    from nextcloud_mcp.apps.contacts.vcard import ContactFields

__all__ = ["AddressBook", "ContactInfo", "ContactsClient", "contacts_client"]

_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_WRITE = frozenset({f"{{{D}}}write", f"{{{D}}}write-content", f"{{{D}}}all"})


class AddressBook(BaseModel):
    name: str
    display_name: str
    read_only: bool


class ContactInfo(BaseModel):
    """One contact as shown to the model."""

    addressbook: str
    contact_id: str
    etag: str | None = None
    uid: str
    name: str
    emails: list[str] = []
    phones: list[str] = []
    addresses: list[dict[str, str]] = []
    org: str | None = None
    title: str | None = None
    birthday: str | None = None
    note: str | None = None
    categories: list[str] = []
    has_photo: bool = False
    version: str | None = None


class ContactsClient:
    """Address books and contacts for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str) -> None:
        self.dav = DavClient(http, auth, key)

    async def _home(self) -> str:
        homes = await self.dav.homes()
        return quote(require(homes.addressbook_home, "address book home")).rstrip("/") + "/"

    async def _book_path(self, book: str) -> str:
        return await self._home() + quote(check_name(book, "Address book"), safe="") + "/"

    async def _card_path(self, book: str, name: str) -> str:
        return await self._book_path(book) + quote(check_name(name, "Contact id"), safe="")

    async def addressbooks(self) -> list[AddressBook]:
        props = "<d:resourcetype/><d:displayname/><d:current-user-privilege-set/>"
        out = []
        for entry in await self.dav.propfind(await self._home(), props, depth=1):
            rtype = entry.props.get(f"{{{D}}}resourcetype")
            if rtype is None or rtype.find(f"{{{CARD}}}addressbook") is None:
                continue
            privs = entry.props.get(f"{{{D}}}current-user-privilege-set")
            granted = {c.tag for p in privs.findall(f"{{{D}}}privilege") for c in p} if privs is not None else _WRITE
            out.append(
                AddressBook(
                    name=entry.name,
                    display_name=entry.text(f"{{{D}}}displayname") or entry.name,
                    read_only=not (granted & _WRITE),
                )
            )
        return out

    async def addressbook(self, name: str, *, writable: bool = False) -> AddressBook:
        for book in await self.addressbooks():
            if book.name == name:
                if writable and book.read_only:
                    raise Forbidden(f"The address book {name!r} is read-only for you; nothing was changed.")
                return book
        raise NotFound(f"No address book {name!r}; call nc_contacts_addressbooks for the names.")

    async def create_addressbook(self, name: str, display_name: str) -> None:
        body = (
            f"{_HEAD}<d:mkcol {NSDECL}><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/>"
            f"</d:resourcetype><d:displayname>{escape(display_name)}</d:displayname></d:prop></d:set></d:mkcol>"
        )
        path = await self._book_path(name)
        response = await self.dav.send("MKCOL", path, body, ok=(405,))
        if response.status_code == 405:
            raise Conflict(f"An address book named {name!r} already exists.", method="MKCOL", path=path, status=405)

    async def delete_addressbook(self, name: str) -> None:
        await self.addressbook(name, writable=True)
        await self.dav.delete(await self._book_path(name))

    async def contacts(self, book: str) -> list[ContactInfo]:
        """All contacts of one address book (unreadable cards skipped), sorted by name."""
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card

        body = (
            f"{_HEAD}<card:addressbook-query {NSDECL}><d:prop><d:getetag/><card:address-data/></d:prop>"
            "<card:filter/></card:addressbook-query>"
        )
        out = []
        for entry in await self.dav.report(await self._book_path(book), body):
            data = entry.text(f"{{{CARD}}}address-data")
            if data is None:
                continue
            try:
                view = contact_view(parse_card(data))
            except ProtocolError:
                continue
            out.append(ContactInfo(addressbook=book, contact_id=entry.name, etag=entry.etag, **view))
        return sorted(out, key=lambda c: (c.name.casefold(), c.contact_id))

    async def _read(self, book: str, contact_id: str) -> tuple[bytes, str | None]:
        path = await self._card_path(book, contact_id)
        data, etag = await self.dav.get(path)
        if etag is None:
            found = await self.dav.propfind(path, "<d:getetag/>", depth=0)
            etag = found[0].etag if found else None
        return data, etag

    async def get(self, book: str, contact_id: str) -> ContactInfo:
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card

        data, etag = await self._read(book, contact_id)
        view = contact_view(parse_card(data, f"contact {contact_id!r}"))
        return ContactInfo(addressbook=book, contact_id=contact_id, etag=etag, **view)

    async def create(self, book: str, fields: ContactFields) -> ContactInfo:
        from nextcloud_mcp.apps.contacts.vcard import contact_view, new_card, serialize_card

        await self.addressbook(book, writable=True)
        card = new_card(fields)
        name = _SAFE_NAME.sub("-", str(card.uid.value)) + ".vcf"
        etag = await self.dav.put(await self._card_path(book, name), serialize_card(card), "text/vcard", create=True)
        return ContactInfo(addressbook=book, contact_id=name, etag=etag, **contact_view(card))

    async def update(self, book: str, contact_id: str, fields: ContactFields, etag: str | None) -> ContactInfo:
        """Read-modify-write with If-Match; only the named properties change."""
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card, update_card

        await self.addressbook(book, writable=True)
        data, current = await self._read(book, contact_id)
        if etag and current and etag.strip('"') != current:
            raise Conflict(
                f"The contact changed since you read it (etag {etag} → {current}); nothing was overwritten. "
                "Read it again and re-apply your change.",
                status=412,
            )
        new_data = update_card(data, fields)
        path = await self._card_path(book, contact_id)
        try:
            new_etag = await self.dav.put(path, new_data, "text/vcard", etag=etag or current)
        except Conflict as exc:
            now = await self.get(book, contact_id)
            raise Conflict(
                f"The contact changed on the server since it was read; nothing was overwritten. It now has etag "
                f"{now.etag} and name {now.name!r}. Re-apply your change.",
                method=exc.method,
                path=exc.path,
                status=412,
            ) from exc
        view = contact_view(parse_card(new_data))
        return ContactInfo(addressbook=book, contact_id=contact_id, etag=new_etag, **view)

    async def delete(self, book: str, contact_id: str, etag: str | None) -> None:
        await self.addressbook(book, writable=True)
        await self.dav.delete(await self._card_path(book, contact_id), etag=etag)


def matches(contact: ContactInfo, query: str) -> bool:
    """Name, e-mail or phone contains `query` (phones compared by digits)."""
    needle = query.casefold().strip()
    digits = re.sub(r"\D", "", query)
    if needle in contact.name.casefold() or any(needle in e.casefold() for e in contact.emails):
        return True
    return len(digits) >= 3 and any(digits in re.sub(r"\D", "", p) for p in contact.phones)


def contacts_client(session: NextcloudSession) -> ContactsClient:
    """The session's ContactsClient."""
    return session.client(ContactsClient, lambda: ContactsClient(session.http, session.auth, session.key))
