"""Contacts client helpers: Sabre's error message, the search match, the contract-shaped models."""

from __future__ import annotations

from nextcloud_mcp.apps.contacts.client import Contact, ContactSummary, matches, sabre_message

SABRE_405 = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
    b"<s:exception>Sabre\\DAV\\Exception\\MethodNotAllowed</s:exception>"
    b"<s:message>The resource you tried to create already exists</s:message></d:error>"
)


def _summary(**changes: object) -> ContactSummary:
    base: dict[str, object] = {
        "contact_id": "a.vcf", "etag": "e", "name": "Bob Builder", "emails": ["bob@example.com"],
        "phones": ["cell: +1 (555) 0100"], "org": None, "groups": [],
    }  # fmt: skip
    return ContactSummary.model_validate(base | changes)


def test_sabre_message_is_read_and_absent_ones_are_empty() -> None:
    assert sabre_message(SABRE_405) == "The resource you tried to create already exists"
    assert sabre_message(b"<html>not xml") == ""
    assert sabre_message(b'<d:error xmlns:d="DAV:"/>') == ""


def test_matches_name_mail_and_phone_digits() -> None:
    bob = _summary()
    assert matches(bob, "builder") and matches(bob, "EXAMPLE.com") and matches(bob, "555-0100")
    assert not matches(bob, "55") and not matches(bob, "alice")


def test_full_contact_extends_the_summary_and_keeps_nulls() -> None:
    assert set(ContactSummary.model_fields) < set(Contact.model_fields)
    contact = Contact.model_validate(
        _summary().model_dump()
        | {"addressbook": "contacts", "addresses": [], "title": None, "birthday": None, "note": None}
    )
    assert contact.model_dump()["title"] is None and contact.model_dump()["org"] is None
