"""Contact tools (`nc_contacts_*`): address books, contacts (vCard) and groups (vCard CATEGORIES).

Lists use the one envelope (paged here: CardDAV returns a whole address book). Updates are read-modify-write under
If-Match with the etag the caller read (`require_etag`), so a concurrent change is a conflict, never overwritten.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.contacts.client import (
    GET_TOOL,
    AddressBook,
    Contact,
    ContactsClient,
    ContactSummary,
    contacts_client,
    matches,
)
from nextcloud_mcp.core.confirm import Confirm, Confirmation, Deletion, Loss, confirmed, count
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.tool import ToolSpec, session, tool

if TYPE_CHECKING:
    from nextcloud_mcp.apps.contacts.vcard import ContactFields

__all__ = ["TOOLS"]

DEFAULT_BOOK = "contacts"  # CardDavBackend::PERSONAL_ADDRESSBOOK_URI
Book = Annotated[str, Field(description="Name or display name from nc_contacts_list_addressbooks")]
ContactId = Annotated[str, Field(description="contact_id from nc_contacts_list_contacts, or the vCard UID")]
Emails = Annotated[list[str] | None, Field(description="E-mails, optionally typed: 'work: a@b.c'")]
Phones = Annotated[list[str] | None, Field(description="Phone numbers, optionally typed: 'cell: +1 555 0100'")]
Addresses = Annotated[
    list[dict[str, str]] | None, Field(description="Keys: street, city, region, code, country, box, type")
]
Org = Annotated[str | None, Field(description="Organisation")]
Title = Annotated[str | None, Field(description="Job title")]
Birthday = Annotated[str | None, Field(description="YYYY-MM-DD, or --MM-DD without a year")]
Note = Annotated[str | None, Field(description="Free-text note")]
Groups = Annotated[list[str] | None, Field(description="Group names (nc_contacts_list_groups)")]


class Group(BaseModel):
    name: str
    contacts: int


class Deleted(BaseModel):
    addressbook: str
    contact_id: str
    deleted: bool


def _client(ctx: Context) -> ContactsClient:
    return contacts_client(session(ctx))


def _fields(**kwargs: Any) -> ContactFields:
    from nextcloud_mcp.apps.contacts.vcard import ContactFields

    return ContactFields(**kwargs)


@tool(
    "nc_contacts_list_addressbooks", "List address books", "List the address books.",
    app="contacts", read_only=True, idempotent=True,
)  # fmt: skip
async def contacts_list_addressbooks(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[AddressBook]:
    return page(await _client(ctx).addressbooks(), limit, cursor)


@tool(
    "nc_contacts_create_addressbook", "Create an address book", "Create an address book.",
    app="contacts", read_only=False,
)  # fmt: skip
async def contacts_create_addressbook(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, max_length=255, description="URI name, no '/', e.g. work")],
    display_name: Annotated[str, Field(min_length=1, max_length=255, description="Name shown, e.g. Work")],
) -> AddressBook:
    return await _client(ctx).create_addressbook(name, display_name)


async def _book_loss(ctx: Context, addressbook: str) -> Loss:
    client = _client(ctx)
    book = await client.addressbook(addressbook, writable=True)
    people = await client.contacts(book.name)
    return Loss(
        f"the address book {book.display_name!r} ({book.name})",
        (count(len(people), "contact"),),
        tuple(p.name for p in people),
    )


_CONFIRM_BOOK = confirmed("nc_contacts_delete_addressbook", _book_loss)


@tool(
    "nc_contacts_delete_addressbook", "Delete an address book", "Delete an address book and all its contacts.",
    app="contacts", read_only=False, destructive=True,
)  # fmt: skip
async def contacts_delete_addressbook(
    ctx: Context, addressbook: Book, confirmation: Annotated[Confirmation, _CONFIRM_BOOK], confirm: Confirm = False
) -> Deletion:
    done = confirmation.require(confirm)
    await _client(ctx).delete_addressbook(addressbook)
    return done


@tool(
    "nc_contacts_list_contacts", "List contacts",
    "List contacts by name; query matches name, e-mail or phone; group filters by group.",
    app="contacts", read_only=True, idempotent=True,
)  # fmt: skip
async def contacts_list_contacts(
    ctx: Context,
    addressbook: Book = DEFAULT_BOOK,
    query: Annotated[str | None, Field(max_length=200, description="Text in name/e-mail, or phone digits")] = None,
    group: Annotated[str | None, Field(max_length=200, description="Group name (nc_contacts_list_groups)")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ContactSummary]:
    found: list[ContactSummary] = list(await _client(ctx).contacts(addressbook))
    if query:
        found = [c for c in found if matches(c, query)]
    if group:
        found = [c for c in found if group.casefold() in (g.casefold() for g in c.groups)]
    summaries = [ContactSummary.model_validate(c.model_dump(include=set(ContactSummary.model_fields))) for c in found]
    return page(summaries, limit, cursor)


@tool(
    GET_TOOL, "Get a contact", "Get a contact with its etag.",
    app="contacts", read_only=True, idempotent=True,
)  # fmt: skip
async def contacts_get_contact(ctx: Context, contact_id: ContactId, addressbook: Book = DEFAULT_BOOK) -> Contact:
    return await _client(ctx).get(addressbook, contact_id)


@tool(
    "nc_contacts_create_contact", "Create a contact", "Create a contact.",
    app="contacts", read_only=False,
)  # fmt: skip
async def contacts_create_contact(
    ctx: Context,
    name: Annotated[str, Field(min_length=1, max_length=500, description="Full name, e.g. Ada Lovelace")],
    addressbook: Book = DEFAULT_BOOK,
    emails: Emails = None,
    phones: Phones = None,
    addresses: Addresses = None,
    org: Org = None,
    title: Title = None,
    birthday: Birthday = None,
    note: Note = None,
    groups: Groups = None,
) -> Contact:
    fields = _fields(
        name=name, emails=emails, phones=phones, addresses=addresses, org=org, title=title, birthday=birthday,
        note=note, categories=groups,
    )  # fmt: skip
    return await _client(ctx).create(addressbook, fields)


@tool(
    "nc_contacts_update_contact", "Update a contact",
    "Change the given fields of a contact (needs its etag); a list replaces the old one, [] clears it.",
    app="contacts", read_only=False, destructive=True,
)  # fmt: skip
async def contacts_update_contact(
    ctx: Context,
    contact_id: ContactId,
    etag: Etag = None,
    force: Force = False,
    addressbook: Book = DEFAULT_BOOK,
    name: Annotated[str | None, Field(max_length=500, description="Full name")] = None,
    emails: Emails = None,
    phones: Phones = None,
    addresses: Addresses = None,
    org: Org = None,
    title: Title = None,
    birthday: Birthday = None,
    note: Note = None,
    groups: Groups = None,
) -> Contact:
    require_etag(etag, force, what="contact", get_tool=GET_TOOL)
    fields = _fields(
        name=name, emails=emails, phones=phones, addresses=addresses, org=org, title=title, birthday=birthday,
        note=note, categories=groups,
    )  # fmt: skip
    return await _client(ctx).update(addressbook, contact_id, fields, etag)


@tool(
    "nc_contacts_delete_contact", "Delete a contact", "Delete a contact.",
    app="contacts", read_only=False, destructive=True,
)  # fmt: skip
async def contacts_delete_contact(
    ctx: Context,
    contact_id: ContactId,
    addressbook: Book = DEFAULT_BOOK,
    etag: Annotated[str | None, Field(max_length=256, description="Refuse if it changed since this etag")] = None,
) -> Deleted:
    book, name = await _client(ctx).delete(addressbook, contact_id, etag)
    return Deleted(addressbook=book, contact_id=name, deleted=True)


@tool(
    "nc_contacts_list_groups", "List contact groups", "List contact groups with how many contacts each has.",
    app="contacts", read_only=True, idempotent=True,
)  # fmt: skip
async def contacts_list_groups(
    ctx: Context, addressbook: Book = DEFAULT_BOOK, limit: Limit = 100, cursor: Cursor = None
) -> Page[Group]:
    counts: Counter[str] = Counter()
    for contact in await _client(ctx).contacts(addressbook):
        counts.update(set(contact.groups))
    return page([Group(name=n, contacts=c) for n, c in sorted(counts.items())], limit, cursor)


TOOLS: list[ToolSpec] = [
    contacts_list_addressbooks,
    contacts_create_addressbook,
    contacts_delete_addressbook,
    contacts_list_contacts,
    contacts_get_contact,
    contacts_create_contact,
    contacts_update_contact,
    contacts_delete_contact,
    contacts_list_groups,
]
