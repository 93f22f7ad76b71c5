"""Contact tools (`nc_contacts_*`): address books, paged list and search, etag-checked vCard changes, groups."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.contacts.client import ContactsClient, contacts_client, matches
from nextcloud_mcp.core.tool import Item, ToolSpec, compact, session, tool

if TYPE_CHECKING:
    from nextcloud_mcp.apps.contacts.vcard import ContactFields

__all__ = ["TOOLS"]

Name = Annotated[str, Field(max_length=255)]
DEFAULT_BOOK = "contacts"  # CardDavBackend::PERSONAL_ADDRESSBOOK_URI


class Books(BaseModel):
    addressbooks: list[Item]


class ContactList(BaseModel):
    contacts: list[Item]
    total: int
    next_offset: int | None


class ContactResult(BaseModel):
    contact: Item


class Groups(BaseModel):
    groups: dict[str, int]


class Done(BaseModel):
    name: str
    result: str


def _client(ctx: Context) -> ContactsClient:
    return contacts_client(session(ctx))


@tool(
    "nc_contacts_addressbooks",
    "List address books",
    "List address books.",
    app="contacts",
    read_only=True,
    idempotent=True,
)
async def contacts_addressbooks(ctx: Context) -> Books:
    return Books(addressbooks=[b.model_dump() for b in await _client(ctx).addressbooks()])


@tool(
    "nc_contacts_create_addressbook",
    "Create an address book",
    "Create an address book.",
    app="contacts",
    read_only=False,
)
async def contacts_create_addressbook(ctx: Context, name: Name, display_name: str) -> Done:
    await _client(ctx).create_addressbook(name, display_name)
    return Done(name=name, result="created")


@tool(
    "nc_contacts_delete_addressbook",
    "Delete an address book",
    "Delete an address book and all its contacts.",
    app="contacts",
    read_only=False,
    destructive=True,
)
async def contacts_delete_addressbook(ctx: Context, name: Name) -> Done:
    await _client(ctx).delete_addressbook(name)
    return Done(name=name, result="deleted")


@tool(
    "nc_contacts_list",
    "List or search contacts",
    "List contacts by name, paged; query matches name, e-mail or phone; group filters by category.",
    app="contacts",
    read_only=True,
    idempotent=True,
)
async def contacts_list(
    ctx: Context,
    addressbook: Name = DEFAULT_BOOK,
    query: str | None = None,
    group: str | None = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
    offset: Annotated[int, Field(ge=0)] = 0,
) -> ContactList:
    found = await _client(ctx).contacts(addressbook)
    if query:
        found = [c for c in found if matches(c, query)]
    if group:
        found = [c for c in found if group.casefold() in (g.casefold() for g in c.categories)]
    page = found[offset : offset + limit]
    more = offset + limit if offset + limit < len(found) else None
    return ContactList(contacts=[compact(c) for c in page], total=len(found), next_offset=more)


@tool(
    "nc_contacts_get",
    "Get a contact",
    "Get a contact with its etag.",
    app="contacts",
    read_only=True,
    idempotent=True,
)
async def contacts_get(ctx: Context, contact_id: Name, addressbook: Name = DEFAULT_BOOK) -> ContactResult:
    return ContactResult(contact=compact(await _client(ctx).get(addressbook, contact_id)))


def _fields(**kwargs: Any) -> ContactFields:
    from nextcloud_mcp.apps.contacts.vcard import ContactFields

    return ContactFields(**kwargs)


@tool(
    "nc_contacts_create",
    "Create a contact",
    "Create a contact. emails/phones may carry a type ('work: a@b.c'); birthday YYYY-MM-DD or --MM-DD.",
    app="contacts",
    read_only=False,
)
async def contacts_create(
    ctx: Context,
    name: Annotated[str, Field(min_length=1)],
    addressbook: Name = DEFAULT_BOOK,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    addresses: list[dict[str, str]] | None = None,
    org: str | None = None,
    title: str | None = None,
    birthday: str | None = None,
    note: str | None = None,
    categories: list[str] | None = None,
) -> ContactResult:
    fields = _fields(
        name=name,
        emails=emails,
        phones=phones,
        addresses=addresses,
        org=org,
        title=title,
        birthday=birthday,
        note=note,
        categories=categories,
    )
    return ContactResult(contact=compact(await _client(ctx).create(addressbook, fields)))


@tool(
    "nc_contacts_update",
    "Update a contact",
    "Change named fields of a contact (etag-checked); a list replaces the old one, [] clears it.",
    app="contacts",
    read_only=False,
    destructive=True,
)
async def contacts_update(
    ctx: Context,
    contact_id: Name,
    addressbook: Name = DEFAULT_BOOK,
    etag: str | None = None,
    name: str | None = None,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    addresses: list[dict[str, str]] | None = None,
    org: str | None = None,
    title: str | None = None,
    birthday: str | None = None,
    note: str | None = None,
    categories: list[str] | None = None,
) -> ContactResult:
    fields = _fields(
        name=name,
        emails=emails,
        phones=phones,
        addresses=addresses,
        org=org,
        title=title,
        birthday=birthday,
        note=note,
        categories=categories,
    )
    updated = await _client(ctx).update(addressbook, contact_id, fields, etag)
    return ContactResult(contact=compact(updated))


@tool(
    "nc_contacts_delete",
    "Delete a contact",
    "Delete a contact.",
    app="contacts",
    read_only=False,
    destructive=True,
)
async def contacts_delete(
    ctx: Context, contact_id: Name, addressbook: Name = DEFAULT_BOOK, etag: str | None = None
) -> Done:
    await _client(ctx).delete(addressbook, contact_id, etag)
    return Done(name=contact_id, result="deleted")


@tool(
    "nc_contacts_groups",
    "List contact groups",
    "Contact groups (vCard CATEGORIES) with how many contacts each has.",
    app="contacts",
    read_only=True,
    idempotent=True,
)
async def contacts_groups(ctx: Context, addressbook: Name = DEFAULT_BOOK) -> Groups:
    counts: Counter[str] = Counter()
    for contact in await _client(ctx).contacts(addressbook):
        counts.update(set(contact.categories))
    return Groups(groups=dict(sorted(counts.items())))


TOOLS: list[ToolSpec] = [
    contacts_addressbooks,
    contacts_create_addressbook,
    contacts_delete_addressbook,
    contacts_list,
    contacts_get,
    contacts_create,
    contacts_update,
    contacts_delete,
    contacts_groups,
]
