"""Contacts (`contacts` app over CardDAV): address books, contacts (vCard) and groups."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always
from nextcloud_mcp.core.resource import Resources, Template

__all__ = ["APP", "CONTACT"]

CONTACT = Template(
    "nextcloud://contacts/{addressbook}/{contact_id}",
    "contact",
    "Contact",
    "A contact as its vCard: address book name or display name (nc_contacts_list_addressbooks), contact_id "
    "(nc_contacts_list_contacts) or the vCard UID.",
    "text/vcard",
    "nc_contacts_get_contact",
    "read_contact",
    complete={"addressbook": "addressbook"},
)
RESOURCES = Resources("nextcloud_mcp.apps.contacts.resources", (CONTACT,), values={"addressbook": "addressbooks"})
APP = App(
    "contacts",
    "contacts",
    always,
    ("nextcloud_mcp.apps.contacts.tools",),
    resources=RESOURCES,
    summary="Address books, contacts and contact groups (CardDAV).",
)
