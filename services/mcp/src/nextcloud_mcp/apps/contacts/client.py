"""Contacts over CardDAV (RFC 6352): address books under the discovered `addressbook-home-set`, vCards in them.

Address books are the home's children whose `resourcetype` has `card:addressbook` (nextcloud/server
apps/dav/lib/CardDAV/AddressBookRoot.php, UserAddressBooks.php; the system address book `z-server-generated--system`
is listed read-only when enabled). An address book is named by its URI segment or, as people say it, by its display
name; anything else is refused with the valid names. A contact is named by its file name (`<uid>.vcf` for those made
here) or by its vCard UID, found with an `addressbook-query` on UID (RFC 6352 §10.5.4). Cards are listed with one
`addressbook-query` REPORT and filtered here; vCard work lives in `vcard.py`, imported on first use.

Versions: Nextcloud stores a card as it was written (vCard 3.0 from iPhones and Thunderbird, 4.0 from Nextcloud
Contacts or DAVx5) but answers GET and the REPORTs in the version they negotiate, vCard 3.0 unless 4.0 is asked for,
converting with sabre-io/vobject (sabre-io/dav lib/CardDAV/Plugin.php httpAfterGet, addressbookQueryReport,
negotiateVCard, convertVCard). Neither conversion is loss-free: 4.0 -> 3.0 drops PREF values other than 1 and
KIND:individual and escapes commas in URLs, 3.0 -> 4.0 drops LABEL, CLASS, NAME and MAILER. So one contact is read
with PROPFIND `card:address-data`, which Sabre answers with the stored text unconverted (Plugin::propFindEarly), and
an update writes that text back in its own version with only the named properties replaced. Lists keep Sabre's
default (3.0) answer: they are only shown, never written back.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx2
from pydantic import BaseModel

from nextcloud_mcp.core.caldav import CARD, NCAL, NSDECL, DavClient, DavResponse, check_name, require
from nextcloud_mcp.core.dav import OC, D, parse_xml
from nextcloud_mcp.core.errors import Conflict, Forbidden, NextcloudError, NextcloudMCPError, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.partial import unanswered
from nextcloud_mcp.core.session import NextcloudSession

if TYPE_CHECKING:
    from nextcloud_mcp.apps.contacts.vcard import ContactFields

__all__ = ["AddressBook", "Contact", "ContactSummary", "ContactsClient", "contacts_client", "matches"]

_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_WRITE = frozenset({f"{{{D}}}write", f"{{{D}}}write-content", f"{{{D}}}all"})
_SABRE = "http://sabredav.org/ns"
GET_TOOL = "nc_contacts_get_contact"
LIST_TOOL = "nc_contacts_list_contacts"
BOOKS_TOOL = "nc_contacts_list_addressbooks"
SYSTEM_BOOK = "z-server-generated--system"  # SystemAddressbook::URI_SHARED


class AddressBook(BaseModel):
    name: str  # the URI segment: the addressbook argument of the other tools
    display_name: str
    read_only: bool
    owner: str | None = None  # the owner's user id when it is not you ("system" for the accounts of the instance)
    owner_name: str | None = None


class ContactSummary(BaseModel):  # one contact in a list (no docstring: it would be sent in tools/list)
    contact_id: str
    etag: str | None
    name: str
    emails: list[str]
    phones: list[str]
    org: str | None
    groups: list[str]


class Contact(ContactSummary):  # one contact in full: get, create and update return it
    addressbook: str
    addresses: list[dict[str, str]]
    title: str | None
    birthday: str | None  # YYYY-MM-DD, or --MM-DD without a year
    note: str | None


def _contact(book: str, contact_id: str, etag: str | None, view: dict[str, object]) -> Contact:
    return Contact.model_validate({"addressbook": book, "contact_id": contact_id, "etag": etag, **view})


def sabre_message(body: bytes) -> str:
    """The `<s:message>` of a Sabre error answer ("" when there is none)."""
    try:
        return (parse_xml(body, "a DAV error").findtext(f"{{{_SABRE}}}message") or "").strip()
    except NextcloudMCPError:
        return ""


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
        """The home's address books; `owner` from `oc:owner-principal`, which Nextcloud sets on shared address
        books and the system one only (apps/dav/lib/CardDAV/CardDavBackend.php getAddressBooksForUser,
        UserAddressBooks.php), with `nx:owner-displayname` (addOwnerPrincipal)."""
        props = (
            "<d:resourcetype/><d:displayname/><d:current-user-privilege-set/><oc:owner-principal/>"
            "<nx:owner-displayname/>"
        )
        out = []
        for entry in await self.dav.propfind(await self._home(), props, depth=1):
            rtype = entry.props.get(f"{{{D}}}resourcetype")
            if rtype is None or rtype.find(f"{{{CARD}}}addressbook") is None:
                continue
            privs = entry.props.get(f"{{{D}}}current-user-privilege-set")
            granted = {c.tag for p in privs.findall(f"{{{D}}}privilege") for c in p} if privs is not None else _WRITE
            owner = (entry.text(f"{{{OC}}}owner-principal") or "").rstrip("/").rsplit("/", 1)[-1] or None
            out.append(
                AddressBook(
                    name=entry.name,
                    display_name=entry.text(f"{{{D}}}displayname") or entry.name,
                    read_only=not (granted & _WRITE),
                    owner=owner,
                    owner_name=entry.text(f"{{{NCAL}}}owner-displayname") if owner else None,
                )
            )
        return out

    async def addressbook(self, given: str, *, writable: bool = False) -> AddressBook:
        """The address book named `given` (its URI name, else its display name, case-insensitively)."""
        books = await self.addressbooks()
        found = next((b for b in books if b.name == given), None)
        if found is None:
            named = [b for b in books if b.display_name.casefold() == given.strip().casefold()]
            found = named[0] if len(named) == 1 else None
        if found is None:
            valid = ", ".join(f"{b.name} ({b.display_name})" for b in books) or "none"
            raise NotFound(f"No address book {given!r}; valid names: {valid}. {BOOKS_TOOL} lists them.")
        if writable and found.read_only:
            raise _read_only(found, [b for b in books if not b.read_only])
        return found

    async def _resolved(self, given: str, error: NotFound) -> str:
        """After a 404 under `given`: its URI name when it is a display name; re-raise when it is already one."""
        book = await self.addressbook(given)
        if book.name == given:
            raise error
        return book.name

    async def create_addressbook(self, name: str, display_name: str) -> AddressBook:
        body = (
            f"{_HEAD}<d:mkcol {NSDECL}><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/>"
            f"</d:resourcetype><d:displayname>{escape(display_name)}</d:displayname></d:prop></d:set></d:mkcol>"
        )
        path = await self._book_path(name)
        response = await self.dav.send("MKCOL", path, body, ok=(405,))
        if response.status_code == 405:
            # sabre-io/dav lib/DAV/Server.php::createCollection ("… already exists") or Nextcloud's reserved names
            message = sabre_message(response.content) or "The address book already exists"
            exc = Conflict if "exists" in message else Forbidden
            raise exc(
                f"Nextcloud: {message.rstrip('.')} ({name!r}); choose another name ({BOOKS_TOOL} lists those in use).",
                method="MKCOL",
                path=path,
                status=405,
            )
        try:
            return await self.addressbook(name)
        except NextcloudError as exc:
            exc.message = (
                f"The address book {name!r} was created, but reading it back failed: {exc.message} It exists; do not "
                f"create it again. See it with {BOOKS_TOOL}."
            )
            raise

    async def delete_addressbook(self, given: str) -> AddressBook:
        book = await self.addressbook(given, writable=True)
        await self.dav.delete(await self._book_path(book.name))
        return book

    async def _query(self, book: str, card_filter: str) -> list[DavResponse]:
        body = (
            f"{_HEAD}<card:addressbook-query {NSDECL}><d:prop><d:getetag/><card:address-data/></d:prop>"
            f"{card_filter}</card:addressbook-query>"
        )
        return await self.dav.report(await self._book_path(book), body)

    async def contacts(self, given: str) -> list[Contact]:
        """All contacts of one address book (unreadable cards skipped), sorted by name."""
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card

        try:
            book, entries = given, await self._query(given, "<card:filter/>")
        except NotFound as exc:
            book = await self._resolved(given, exc)
            entries = await self._query(book, "<card:filter/>")
        out = []
        for entry in entries:
            data = entry.text(f"{{{CARD}}}address-data")
            if data is None:
                continue
            try:
                view = contact_view(parse_card(data))
            except ProtocolError:
                continue
            out.append(_contact(book, entry.name, entry.etag, view))
        return sorted(out, key=lambda c: (c.name.casefold(), c.contact_id))

    async def _by_uid(self, book: str, uid: str) -> str | None:
        """The file name of the card whose UID is `uid` (RFC 6352 §10.5.4 text-match, then checked exactly)."""
        card_filter = (
            '<card:filter><card:prop-filter name="UID"><card:text-match match-type="equals">'
            f"{escape(uid)}</card:text-match></card:prop-filter></card:filter>"
        )
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card

        for entry in await self._query(book, card_filter):
            data = entry.text(f"{{{CARD}}}address-data")
            try:
                if data is not None and contact_view(parse_card(data))["uid"] == uid:
                    return entry.name
            except ProtocolError:
                continue
        return None

    async def _card(self, book: str, name: str) -> tuple[bytes, str | None] | None:
        """The card as stored and its etag (None when there is no such card). PROPFIND `address-data` is answered
        with the stored text in the stored version; GET would convert it (to vCard 3.0 by default)."""
        path = await self._card_path(book, name)
        try:
            found = await self.dav.propfind(path, "<d:getetag/><card:address-data/>", depth=0)
            data = found[0].text(f"{{{CARD}}}address-data") if found else None
            if data is not None:
                return data.encode(), found[0].etag
            return await self.dav.get(path)  # a server that does not answer address-data as a property
        except NotFound:
            return None

    async def _read(self, given: str, contact_id: str) -> tuple[str, str, bytes, str | None]:
        """(address book, file name, vCard, etag) of a contact named by file name or UID, in an address book
        named by URI name or display name."""
        book, name = given, contact_id
        found = await self._card(book, name)
        if found is None:
            book = (await self.addressbook(given)).name
            found = await self._card(book, name) if book != given else None
        if found is None:
            by_uid = await self._by_uid(book, contact_id)
            found = await self._card(book, by_uid) if by_uid else None
            if by_uid is None or found is None:
                raise NotFound(
                    f"No contact {contact_id!r} in address book {book!r} (neither a contact_id nor a UID there); "
                    f"{LIST_TOOL} lists them."
                )
            name = by_uid
        data, etag = found
        if etag is None:
            found_etag = await self.dav.propfind(await self._card_path(book, name), "<d:getetag/>", depth=0)
            etag = found_etag[0].etag if found_etag else None
        return book, name, data, etag

    async def vcard(self, book: str, contact_id: str) -> bytes:
        """A contact's vCard as stored (named by file name or UID, in a book named by URI or display name)."""
        return (await self._read(book, contact_id))[2]

    async def get(self, book: str, contact_id: str) -> Contact:
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card

        book, name, data, etag = await self._read(book, contact_id)
        return _contact(book, name, etag, contact_view(parse_card(data, f"contact {contact_id!r}")))

    async def create(self, given: str, fields: ContactFields) -> Contact:
        from nextcloud_mcp.apps.contacts.vcard import contact_view, new_card, serialize_card

        book = (await self.addressbook(given, writable=True)).name
        card = new_card(fields)
        name = _SAFE_NAME.sub("-", str(card.uid.value)) + ".vcf"
        path = await self._card_path(book, name)
        try:
            etag = await self.dav.put(path, serialize_card(card), "text/vcard", create=True)
        except NextcloudError as exc:
            raise _unsure(exc, book, name, "created") from None
        return _contact(book, name, etag, contact_view(card))

    async def update(self, given: str, contact_id: str, fields: ContactFields, etag: str | None) -> Contact:
        """Read-modify-write under If-Match: `etag` (the caller's read) or, with force, the etag just read."""
        from nextcloud_mcp.apps.contacts.vcard import contact_view, parse_card, update_card

        book = (await self.addressbook(given, writable=True)).name
        book, name, data, current = await self._read(book, contact_id)
        wanted = etag.strip().removeprefix("W/").strip('"') if etag else None
        if wanted and current and wanted != current:
            raise Conflict(
                f"The contact changed since you read it (etag {wanted}, now {current}); nothing was overwritten. "
                f"Read it again with {GET_TOOL} and re-apply your change.",
                current=current,
                status=412,
            )
        new_data = update_card(data, fields)
        path = await self._card_path(book, name)
        try:
            new_etag = await self.dav.put(path, new_data, "text/vcard", etag=wanted or current)
        except Conflict as exc:
            if exc.status != 412:
                raise _unsure(exc, book, name, "updated") from None
            now = await self.get(book, name)
            raise Conflict(
                f"The contact changed on the server since it was read (now etag {now.etag}, name {now.name!r}); "
                f"nothing was overwritten. Read it again with {GET_TOOL} and re-apply your change.",
                current=now.etag,
                method=exc.method,
                path=exc.path,
                status=412,
            ) from exc
        except NextcloudError as exc:
            raise _unsure(exc, book, name, "updated") from None
        return _contact(book, name, new_etag, contact_view(parse_card(new_data)))

    async def delete(self, given: str, contact_id: str, etag: str | None) -> tuple[str, str]:
        """Delete under If-Match (the caller's etag, else the one just read); (address book, contact_id)."""
        book = (await self.addressbook(given, writable=True)).name
        book, name, _, current = await self._read(book, contact_id)
        try:
            await self.dav.delete(await self._card_path(book, name), etag=etag or current)
        except Conflict as exc:
            raise Conflict(
                f"The contact changed since you read it; nothing was deleted. Read it again with {GET_TOOL}.",
                method=exc.method,
                path=exc.path,
                status=412,
            ) from exc
        return book, name


def _read_only(book: AddressBook, writable: list[AddressBook]) -> Forbidden:
    """The refusal of a write to a read-only address book, naming the writable ones."""
    names = ", ".join(b.name for b in writable) or "none; create one with nc_contacts_create_addressbook"
    if book.name == SYSTEM_BOOK:  # apps/dav/lib/CardDAV/SystemAddressbook.php: kept by Nextcloud from the accounts
        why = "lists this Nextcloud's accounts, kept up to date by Nextcloud from their profiles, and is read-only"
    else:
        why = f"is read-only for you (shared by {book.owner_name or book.owner})" if book.owner else "is read-only"
    return Forbidden(
        f"The address book {book.name!r} ({book.display_name}) {why}; nothing was changed. Use a writable one: "
        f"{names} ({BOOKS_TOOL})."
    )


#: what core.http raises `Unavailable` from when the connection could not be opened (nothing was sent)


def _unsure(exc: NextcloudError, book: str, name: str, done: str) -> NextcloudError:
    """A contact write that failed after the PUT (reading the new etag), or got no answer: say where it stands."""
    check = f"{GET_TOOL} (addressbook={book!r}, contact_id={name!r})"
    if exc.method == "PROPFIND":  # core.caldav.DavClient.put re-reads the etag after a PUT without an ETag
        exc.message = (
            f"The contact {name!r} was {done} in {book!r}, but reading its new etag failed: {exc.message} It is "
            f"saved; do not repeat the call. Read it with {check}."
        )
    elif unanswered(exc):
        exc.message += f" Check with {check} before calling again."
    return exc


def matches(contact: ContactSummary, query: str) -> bool:
    """Name, e-mail or phone contains `query` (phones compared by digits)."""
    needle = query.casefold().strip()
    digits = re.sub(r"\D", "", query)
    if needle in contact.name.casefold() or any(needle in e.casefold() for e in contact.emails):
        return True
    return len(digits) >= 3 and any(digits in re.sub(r"\D", "", p) for p in contact.phones)


def contacts_client(session: NextcloudSession) -> ContactsClient:
    """The session's ContactsClient."""
    return session.client(ContactsClient, lambda: ContactsClient(session.http, session.auth, session.key))
