"""Contacts client helpers: Sabre's error message, the search match, the contract-shaped models."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from nextcloud_mcp.apps.contacts.client import Contact, ContactsClient, ContactSummary, matches, sabre_message
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.http import NextcloudHTTP

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


NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"'
PRINCIPAL = "/remote.php/dav/principals/users/u-1/"
CARD_URL = "/remote.php/dav/addressbooks/users/u-1/contacts/a.vcf"
STORED = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:a\r\nFN:Ada\r\nBDAY:--1210\r\nURL:https://x.example/a,b\r\nEND:VCARD\r\n"
AS_30 = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:Ada\r\nEND:VCARD\r\n"


def _ms(href: str, props: str) -> httpx2.Response:
    ok = "<d:status>HTTP/1.1 200 OK</d:status>"
    body = (
        f'<?xml version="1.0"?><d:multistatus {NS}><d:response><d:href>{href}</d:href>'
        f"<d:propstat><d:prop>{props}</d:prop>{ok}</d:propstat></d:response></d:multistatus>"
    )
    return httpx2.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})


def _nextcloud(seen: list[str], *, address_data: bool) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/remote.php/dav/":
            return _ms(
                "/remote.php/dav/", f"<d:current-user-principal><d:href>{PRINCIPAL}</d:href></d:current-user-principal>"
            )
        if request.url.path == PRINCIPAL:
            home = "/remote.php/dav/addressbooks/users/u-1/"
            return _ms(PRINCIPAL, f"<card:addressbook-home-set><d:href>{home}</d:href></card:addressbook-home-set>")
        if request.method == "PROPFIND" and request.url.path == CARD_URL:
            # Sabre writes the CR of the stored CRLF as &#13; (libxml2), so it survives XML parsing
            data = STORED.replace("\r", "&#13;") if address_data else ""
            return _ms(
                CARD_URL,
                '<d:getetag>"e1"</d:getetag>' + (f"<card:address-data>{data}</card:address-data>" * address_data),
            )
        if request.method == "GET" and request.url.path == CARD_URL:
            return httpx2.Response(200, content=AS_30.encode(), headers={"ETag": '"e1"'})
        return httpx2.Response(404)

    return handler


@pytest.mark.anyio
@pytest.mark.parametrize(("address_data", "version"), [(True, "4.0"), (False, "3.0")])
async def test_a_contact_is_read_as_stored(
    make_settings: Callable[..., Settings], address_data: bool, version: str
) -> None:
    """PROPFIND address-data is Sabre's unconverted answer (CardDAV Plugin::propFindEarly); GET converts to 3.0 by
    default, so it is only the fallback for a server that does not answer the property."""
    seen: list[str] = []
    http = NextcloudHTTP(make_settings(), transport=httpx2.MockTransport(_nextcloud(seen, address_data=address_data)))
    client = ContactsClient(http, httpx2.BasicAuth("u", "pw"), f"k-read-{address_data}")
    book, name, data, etag = await client._read("contacts", "a.vcf")
    assert (book, name, etag) == ("contacts", "a.vcf", "e1")
    assert data == (STORED if address_data else AS_30).encode() and f"VERSION:{version}".encode() in data
    assert (f"GET {CARD_URL}" in seen) is not address_data
