"""CardDAV (apps/dav addressbooks): default book, cards, queries, sync, Sabre vCard validation, isolation."""

from __future__ import annotations

import httpx2
import pytest

from support.caldav_xml import CR, DAV, D, error, propfind, responses, xml
from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio

HOME = f"{DAV}/addressbooks/users/alice/"
BOOK = f"{HOME}contacts/"


def vcard(uid: str | None, *lines: str, version: str = "3.0") -> str:
    body = [f"VERSION:{version}", *([f"UID:{uid}"] if uid else []), *lines]
    return "BEGIN:VCARD\r\n" + "\r\n".join(body) + "\r\nEND:VCARD\r\n"


async def _put(
    client: httpx2.AsyncClient,
    url: str,
    body: str,
    headers: dict[str, str] | None = None,
    *,
    auth: tuple[str, str] = ALICE,
) -> httpx2.Response:
    return await client.put(
        url, content=body.encode(), auth=auth, headers={"Content-Type": "text/vcard", **(headers or {})}
    )


async def test_default_address_book_and_separate_homes(client: httpx2.AsyncClient) -> None:
    body = propfind("d:resourcetype", "d:displayname", "d:sync-token")
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}, content=body))
    # no calendars in the address-book home; the system address book is listed too (test_caldav_generated.py)
    assert set(listing) == {HOME, BOOK, f"{HOME}z-server-generated--system/"}
    assert listing[BOOK].find(f"{D}resourcetype/{CR}addressbook") is not None
    assert listing[BOOK].findtext(f"{D}displayname") == "Contacts"
    assert listing[HOME].find(f"{D}resourcetype/{D}principal") is None


async def test_put_get_query_and_preconditions(client: httpx2.AsyncClient) -> None:
    url = f"{BOOK}jane.vcf"
    created = await _put(
        client, url, vcard("jane", "FN:Jane Doe", "N:Doe;Jane;;;", "EMAIL:jane@example.org"), {"If-None-Match": "*"}
    )
    assert created.status_code == 201
    assert created.headers["etag"]
    await _put(client, f"{BOOK}john.vcf", vcard("john", "FN:John Smith"))
    clash = await _put(client, url, vcard("jane", "FN:Jane"), {"If-None-Match": "*"})
    assert clash.status_code == 412
    got = await client.get(url, auth=ALICE)
    assert "FN:Jane Doe" in got.text
    assert got.headers["etag"] == created.headers["etag"]

    query = (
        '<?xml version="1.0"?><card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
        '<d:prop><d:getetag/><card:address-data/></d:prop><card:filter><card:prop-filter name="FN">'
        '<card:text-match collation="i;unicode-casemap" match-type="contains">jane</card:text-match>'
        "</card:prop-filter></card:filter></card:addressbook-query>"
    )
    found = responses(await client.request("REPORT", BOOK, content=query, auth=ALICE, headers={"Depth": "1"}))
    assert list(found) == [url]
    assert "EMAIL:jane@example.org" in (found[url].findtext(f"{CR}address-data") or "")

    assert (await client.delete(url, auth=ALICE, headers={"If-Match": '"stale"'})).status_code == 412
    assert (await client.delete(url, auth=ALICE)).status_code == 204
    gone = await client.get(url, auth=ALICE)
    assert (gone.status_code, error(gone)[1]) == (404, "Card not found")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n",
            "This collection can only support vcard objects.",
        ),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nUID:x\r\nBEGIN:X-THING\r\nA:b\r\n",
            "This resource only supports valid vCard or jCard data. Parse error: End of document reached prematurely",
        ),
        (
            "NOT A CARD\r\n",
            "This resource only supports valid vCard or jCard data. Parse error: This parser only"
            " supports VCARD and VCALENDAR files",
        ),
        (
            vcard("v21", "FN:Old", version="2.1"),
            "Validation error in vCard: CardDAV servers are not allowed to accept vCard 2.1.",
        ),
        (
            vcard("nofn", "TEL:123"),
            "Validation error in vCard: The FN property must appear in the VCARD component exactly 1 time",
        ),
    ],
)
async def test_sabre_vcard_validation(client: httpx2.AsyncClient, body: str, message: str) -> None:
    response = await _put(client, f"{BOOK}bad.vcf", body)
    assert response.status_code == 415, response.text
    assert error(response) == ("Sabre\\DAV\\Exception\\UnsupportedMediaType", message)


async def test_an_unterminated_card_is_accepted_as_sabre_does(client: httpx2.AsyncClient) -> None:
    response = await _put(client, f"{BOOK}open.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Open\r\nUID:open\r\n")
    assert response.status_code == 201
    assert response.headers["etag"]
    assert "FN:Open" in (await client.get(f"{BOOK}open.vcf", auth=ALICE)).text


async def test_repaired_cards_have_no_etag(client: httpx2.AsyncClient) -> None:
    response = await _put(client, f"{BOOK}repaired.vcf", vcard(None, "N:Doe;Jane;;;"))
    assert response.status_code == 201
    assert "etag" not in response.headers  # UID and FN were added (sabre-io/dav CardDAV Plugin::validateVCard)
    stored = (await client.get(f"{BOOK}repaired.vcf", auth=ALICE)).text
    assert "FN:Jane Doe" in stored
    assert "UID:" in stored


async def test_address_book_collections(client: httpx2.AsyncClient) -> None:
    mkcol = (
        '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>'
        "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Work</d:displayname>"
        "</d:prop></d:set></d:mkcol>"
    )
    assert (await client.request("MKCOL", f"{HOME}work/", content=mkcol, auth=ALICE)).status_code == 201
    reserved = await client.request("MKCOL", f"{HOME}z-app-generated--x/", content=mkcol, auth=ALICE)
    assert (reserved.status_code, error(reserved)[1]) == (405, "The resource you tried to create has a reserved name")
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}))
    assert f"{HOME}work/" in listing
    assert (await client.delete(f"{HOME}work/", auth=ALICE)).status_code == 204
    seeded = await client.post(
        "/__testbed__/seed/addressbooks",
        json={"user": "alice", "addressbooks": [{"uri": "contacts", "cards": [{"data": vcard("s1", "FN:Seeded")}]}]},
    )
    assert seeded.status_code == 201
    assert seeded.json()["addressbooks"][0]["cards"][0]["href"] == f"{BOOK}s1.vcf"
    assert "FN:Seeded" in (await client.get(f"{BOOK}s1.vcf", auth=ALICE)).text


async def test_sync_collection(client: httpx2.AsyncClient) -> None:
    sync = (
        '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level>'
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    await _put(client, f"{BOOK}a.vcf", vcard("a", "FN:A"))
    first = await client.request("REPORT", BOOK, content=sync, auth=ALICE)
    token = xml(first).findtext(f"{D}sync-token") or ""
    await _put(client, f"{BOOK}b.vcf", vcard("b", "FN:B"))
    later = sync.replace("<d:sync-token/>", f"<d:sync-token>{token}</d:sync-token>")
    second = await client.request("REPORT", BOOK, content=later, auth=ALICE)
    assert [r.findtext(f"{D}href") for r in xml(second).iter(f"{D}response")] == [f"{BOOK}b.vcf"]


async def test_other_users_address_books_are_hidden(client: httpx2.AsyncClient) -> None:
    await _put(client, f"{DAV}/addressbooks/users/b0b/contacts/x.vcf", vcard("x", "FN:X"), auth=BOB)
    book = await client.request("PROPFIND", f"{DAV}/addressbooks/users/b0b/contacts/", auth=ALICE)
    assert (book.status_code, error(book)[1]) == (404, "Addressbook with name 'contacts' could not be found")
    card = await client.get(f"{DAV}/addressbooks/users/b0b/contacts/x.vcf", auth=ALICE)
    assert (card.status_code, error(card)[1]) == (404, "Node with name 'x.vcf' could not be found")
    assert (await client.get(f"{DAV}/addressbooks/users/b0b/contacts/x.vcf", auth=BOB)).status_code == 200
