"""CardDAV vCard versions: cards are kept as sent, and every read is answered in the negotiated version.

sabre-io/dav lib/CardDAV/Plugin.php (4e433ee9): httpAfterGet (GET/HEAD, ``Accept``), addressbookMultiGetReport and
addressbookQueryReport (``card:address-data`` ``content-type``/``version``, default vCard 3.0), negotiateVCard,
convertVCard; propFindEarly answers ``address-data`` as stored. The expected conversions below are the output of
sabre-io/vobject 4.5.6 ``VCard::convert`` / ``json_encode`` (lib/VCardConverter.php) for these exact cards.
"""

from __future__ import annotations

import json

import httpx2
import pytest

from fake_nextcloud.apps.caldav.vcardconvert import VCARD_TYPES, negotiate_content_type, negotiate_vcard
from support.caldav_xml import CR, DAV, D, error, propfind, responses
from support.fake_support import ALICE

pytestmark = pytest.mark.anyio

BOOK = f"{DAV}/addressbooks/users/alice/contacts/"


def _card(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCARD", *lines, "END:VCARD"]) + "\r\n"


#: as Nextcloud Contacts or DAVx5 write it: vCard 4.0 with a data: URI photo and a comma in a URL
CARD4 = _card(
    "VERSION:4.0", "PRODID:-//Nextcloud Contacts v7.0.0", "UID:v4-card", "FN:Ada Lovelace", "N:Lovelace;Ada;;;",
    "KIND:individual", "TEL;TYPE=cell;PREF=1:+44 20 7946 0000", "TEL;TYPE=work;PREF=2:+44 20 7946 0001",
    "EMAIL;TYPE=work:ada@example.com", "URL;TYPE=work:https://example.com/ada,lovelace", "BDAY:--1210",
    "ANNIVERSARY:18350708", "PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ", "CATEGORIES:Friends,Math",
    "X-CUSTOM;X-P=1:hello\\, world", "ADR;TYPE=home:;;12 St James's Square;London;;SW1Y 4JH;UK",
    "NOTE:first line\\nsecond line",
)  # fmt: skip
CARD4_AS_30 = _card(
    "VERSION:3.0", "PRODID:-//Sabre//Sabre VObject 4.5.6//EN", "UID:v4-card", "FN:Ada Lovelace", "N:Lovelace;Ada;;;",
    "TEL;TYPE=cell,PREF:+44 20 7946 0000", "TEL;TYPE=work:+44 20 7946 0001", "EMAIL;TYPE=work:ada@example.com",
    "URL;TYPE=work;VALUE=URI:https://example.com/ada\\,lovelace", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-10",
    "ITEM1.X-ABDATE;VALUE=DATE-AND-OR-TIME:18350708", "ITEM1.X-ABLABEL:_$!<Anniversary>!$_",
    "X-ANNIVERSARY;VALUE=DATE-AND-OR-TIME:18350708", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ==",
    "CATEGORIES:Friends,Math", "X-CUSTOM;X-P=1:hello\\, world",
    "ADR;TYPE=home:;;12 St James's Square;London;;SW1Y 4JH;UK", "NOTE:first line\\nsecond line",
)  # fmt: skip
#: as an iPhone writes it: vCard 3.0, Apple groups and labels, a binary photo, properties 4.0 dropped
CARD3 = _card(
    "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 17.0//EN", "UID:v3-card", "FN:Grace Hopper", "N:Hopper;Grace;;;",
    "item1.EMAIL;type=INTERNET;type=WORK;type=pref:grace@navy.example", "item1.X-ABLabel:_$!<Other>!$_",
    "TEL;type=CELL;type=VOICE:+1 202 555 0199", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-09",
    "PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=", "LABEL;TYPE=HOME:1 Navy Yard", "CLASS:PUBLIC",
)  # fmt: skip
CARD3_AS_40 = _card(
    "VERSION:4.0", "PRODID:-//Sabre//Sabre VObject 4.5.6//EN", "UID:v3-card", "FN:Grace Hopper", "N:Hopper;Grace;;;",
    "ITEM1.EMAIL;TYPE=INTERNET,WORK;PREF=1:grace@navy.example", "ITEM1.X-ABLABEL:_$!<Other>!$_",
    "TEL;TYPE=CELL,VOICE:+1 202 555 0199", "BDAY:--12-09", "PHOTO;VALUE=URI:data:image/png;base64\\,iVBORw0KGgo=",
)  # fmt: skip
CARD3_JCARD = (
    '["vcard",[["version",{},"text","4.0"],["prodid",{},"text","-\\/\\/Sabre\\/\\/Sabre VObject 4.5.6\\/\\/EN"],'
    '["uid",{},"text","v3-card"],["fn",{},"text","Grace Hopper"],["n",{},"text",["Hopper","Grace","","",""]],'
    '["email",{"type":["INTERNET","WORK"],"pref":"1","group":"ITEM1"},"text","grace@navy.example"],'
    '["x-ablabel",{"group":"ITEM1"},"unknown","_$!<Other>!$_"],["tel",{"type":["CELL","VOICE"]},"text",'
    '"+1 202 555 0199"],["bday",{},"date-and-or-time","--12-09"],["photo",{},"uri",'
    '"data:image\\/png;base64,iVBORw0KGgo="]]]'
)
CARD4_JCARD_TEL = ["tel", {"type": "cell", "pref": "1"}, "text", "+44 20 7946 0000"]


async def _put(client: httpx2.AsyncClient, name: str, data: str) -> str:
    response = await client.put(BOOK + name, content=data.encode(), auth=ALICE, headers={"Content-Type": "text/vcard"})
    assert response.status_code == 201, response.text
    return response.headers["etag"]


def _report(root: str, prop: str, *, attrs: str = "", inner: str = "", rest: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><card:{root} xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop>'
        f"<d:getetag/><card:address-data {attrs}>{inner}</card:address-data>{prop}</d:prop>{rest}</card:{root}>"
    ).encode()


async def _data(client: httpx2.AsyncClient, body: bytes, url: str = BOOK) -> dict[str, str]:
    response = await client.request("REPORT", url, content=body, auth=ALICE, headers={"Depth": "1"})
    return {href.rsplit("/", 1)[-1]: p.findtext(f"{CR}address-data") or "" for href, p in responses(response).items()}


async def test_cards_are_kept_byte_for_byte(client: httpx2.AsyncClient) -> None:
    etag = await _put(client, "v4.vcf", CARD4)
    got = await client.get(BOOK + "v4.vcf", auth=ALICE, headers={"Accept": "text/vcard; version=4.0"})
    assert got.content == CARD4.encode()  # Radicale alone sorts the properties and loses the photo and URL
    assert got.headers["content-type"] == "text/vcard; version=4.0; charset=utf-8" and got.headers["etag"] == etag
    # PROPFIND (CardDAV Plugin::propFindEarly) and sync-collection answer address-data as stored, unconverted
    found = responses(
        await client.request(
            "PROPFIND", BOOK, content=propfind("card:address-data", "d:getcontentlength"), auth=ALICE,
            headers={"Depth": "1"},
        )
    )  # fmt: skip
    assert found[BOOK + "v4.vcf"].findtext(f"{CR}address-data") == CARD4  # CRLF kept (&#13;, as libxml2 writes)
    assert found[BOOK + "v4.vcf"].findtext(f"{D}getcontentlength") == str(len(CARD4.encode()))
    sync = (
        '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
        "<d:sync-token/><d:sync-level>1</d:sync-level><d:prop><card:address-data/></d:prop></d:sync-collection>"
    )
    assert (await _data(client, sync.encode()))["v4.vcf"] == CARD4


async def test_get_answers_vcard3_by_default(client: httpx2.AsyncClient) -> None:
    etag = await _put(client, "v4.vcf", CARD4)
    got = await client.get(BOOK + "v4.vcf", auth=ALICE)  # httpx sends Accept: */*
    assert got.text == CARD4_AS_30
    assert got.headers["content-type"] == "text/vcard; charset=utf-8" and got.headers["etag"] == etag
    head = await client.head(BOOK + "v4.vcf", auth=ALICE, headers={"Accept": "text/x-vcard"})
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(CARD4_AS_30.encode()))  # CorePlugin::httpHead runs the GET
    await _put(client, "v3.vcf", CARD3)
    assert (await client.get(BOOK + "v3.vcf", auth=ALICE)).content == CARD3.encode()  # already 3.0: untouched


@pytest.mark.parametrize(
    ("accept", "body", "content_type"),
    [
        ("text/vcard; version=4.0", CARD3_AS_40, "text/vcard; version=4.0; charset=utf-8"),
        ("text/vcard;version=4.0", CARD3_AS_40, "text/vcard; version=4.0; charset=utf-8"),
        ("application/vcard+json", CARD3_JCARD, "application/vcard+json; charset=utf-8"),
        ("text/vcard", CARD3, "text/vcard; charset=utf-8"),
        ('text/vcard; version="4.0"', CARD3, "text/vcard; charset=utf-8"),  # parameters are compared as text
        ("text/vcard; version=4.0; q=0.5, text/vcard; q=0.9", CARD3, "text/vcard; charset=utf-8"),
        ("application/json", CARD3, "text/vcard; charset=utf-8"),  # nothing matches: the vCard 3.0 default
    ],
)
async def test_get_negotiates_the_version(
    client: httpx2.AsyncClient, accept: str, body: str, content_type: str
) -> None:
    await _put(client, "v3.vcf", CARD3)
    got = await client.get(BOOK + "v3.vcf", auth=ALICE, headers={"Accept": accept})
    assert (got.text, got.headers["content-type"]) == (body, content_type)
    assert got.headers["content-length"] == str(len(body.encode()))


async def test_a_broken_accept_header_is_an_error(client: httpx2.AsyncClient) -> None:
    await _put(client, "v3.vcf", CARD3)
    got = await client.get(BOOK + "v3.vcf", auth=ALICE, headers={"Accept": "nonsense"})
    # sabre/http parseMimeType throws; Sabre's Server::exec answers the uncaught exception with 500
    assert (got.status_code, error(got)) == (500, ("InvalidArgumentException", "Not a valid mime-type: nonsense"))


async def test_reports_answer_the_version_address_data_asks_for(client: httpx2.AsyncClient) -> None:
    await _put(client, "v4.vcf", CARD4)
    await _put(client, "v3.vcf", CARD3)
    query = await client.request(
        "REPORT", BOOK, content=_report("addressbook-query", ""), auth=ALICE, headers={"Depth": "1"}
    )
    assert query.headers["vary"] == "Brief,Prefer"
    default = {h.rsplit("/", 1)[-1]: p.findtext(f"{CR}address-data") for h, p in responses(query).items()}
    assert default == {"v4.vcf": CARD4_AS_30, "v3.vcf": CARD3}
    as_40 = await _data(client, _report("addressbook-query", "", attrs='content-type="text/vcard" version="4.0"'))
    assert as_40 == {"v4.vcf": CARD4, "v3.vcf": CARD3_AS_40}
    jcard = await _data(client, _report("addressbook-query", "", attrs='content-type="application/vcard+json"'))
    assert jcard["v3.vcf"] == CARD3_JCARD and CARD4_JCARD_TEL in json.loads(jcard["v4.vcf"])[1]
    hrefs = f"<d:href>{BOOK}v4.vcf</d:href><d:href>{BOOK}v3.vcf</d:href>"
    multiget = await _data(client, _report("addressbook-multiget", "", attrs='version="4.0"', rest=hrefs))
    assert multiget == {"v4.vcf": CARD4, "v3.vcf": CARD3_AS_40}


async def test_query_keeps_the_listed_properties_and_multiget_ignores_them(client: httpx2.AsyncClient) -> None:
    await _put(client, "v4.vcf", CARD4)
    listed = '<card:prop name="EMAIL"/><card:prop name="TEL"/>'
    query = await _data(client, _report("addressbook-query", "", inner=listed))
    assert query["v4.vcf"] == _card(
        "VERSION:3.0", "PRODID:-//Sabre//Sabre VObject 4.5.6//EN", "UID:v4-card", "FN:Ada Lovelace",
        "TEL;TYPE=cell,PREF:+44 20 7946 0000", "TEL;TYPE=work:+44 20 7946 0001", "EMAIL;TYPE=work:ada@example.com",
    )  # fmt: skip
    lower = await _data(client, _report("addressbook-query", "", inner='<card:prop name="email"/>'))
    assert lower["v4.vcf"] == _card(  # array_diff compares case-sensitively: only UID, VERSION, FN stay
        "VERSION:3.0", "PRODID:-//Sabre//Sabre VObject 4.5.6//EN", "UID:v4-card", "FN:Ada Lovelace"
    )
    multiget = await _data(
        client, _report("addressbook-multiget", "", inner=listed, rest=f"<d:href>{BOOK}v4.vcf</d:href>")
    )
    assert multiget["v4.vcf"] == CARD4_AS_30


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/x-vcard"),
        ("*/*", "text/x-vcard"),
        ("text/vcard; version=3.0", "text/vcard; version=3.0"),
        ("application/vcard+json; version=3.0", "application/vcard+json"),  # the report's default version
        ("text/vcard; version=4.0;q=0", None),  # q=0 never beats the initial quality (PHP 0.0 !== 0)
        ("text/vcard;q=1, text/vcard; version=4.0", "text/vcard"),  # 1 !== 1.0: the later, more specific one loses
        ("text/plain", None),
    ],
)
def test_sabre_http_negotiation(accept: str | None, chosen: str | None) -> None:
    assert negotiate_content_type(accept, VCARD_TYPES) == chosen
    assert negotiate_vcard(accept)[0] == {"text/vcard; version=4.0": "vcard4", "application/vcard+json": "jcard"}.get(
        chosen or "", "vcard3"
    )


async def test_moved_cards_keep_their_bytes(client: httpx2.AsyncClient) -> None:
    mkcol = (
        '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>'
        "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>"
    )
    other = f"{DAV}/addressbooks/users/alice/work/"
    assert (await client.request("MKCOL", other, content=mkcol, auth=ALICE)).status_code == 201
    await _put(client, "v4.vcf", CARD4)
    moved = await client.request("MOVE", BOOK + "v4.vcf", auth=ALICE, headers={"Destination": f"{other}v4.vcf"})
    assert moved.status_code == 201, moved.text
    got = await client.get(f"{other}v4.vcf", auth=ALICE, headers={"Accept": "text/vcard; version=4.0"})
    assert got.content == CARD4.encode()
    assert (await client.delete(f"{other}v4.vcf", auth=ALICE)).status_code == 204
    assert (await client.get(f"{other}v4.vcf", auth=ALICE)).status_code == 404
