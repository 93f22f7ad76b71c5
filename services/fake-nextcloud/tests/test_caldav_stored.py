"""Objects answered as they were stored, and the owners of calendars and address books.

Sources: apps/dav/lib/CalDAV/CalDavBackend.php::createCalendarObject/updateCalendarObject (``$calendarData`` stored
as received), CalendarObject::get; sabre-io/dav lib/CalDAV/Plugin.php::propFind (calendar-data without ``\\r``),
lib/DAV/Server.php::createFile ("If $modified is true, we must not send back an ETag");
CalDavBackend::getCalendarsForUser / addOwnerPrincipal, CardDavBackend::getAddressBooksForUser,
Connector/Sabre/Principal.php::getPrincipalByPath.
"""

from __future__ import annotations

import httpx2
import pytest

from support.caldav_xml import (
    DAV,
    NX,
    OC,
    C,
    D,
    hrefs_of,
    propfind,
    put_ics,
    report,
    responses,
    seed_calendars,
    xml,
)
from support.fake_support import ALICE

pytestmark = pytest.mark.anyio

HOME = f"{DAV}/calendars/alice/"
PERSONAL = f"{HOME}personal/"
BOOKS = f"{DAV}/addressbooks/users/alice/"

#: what Radicale would rewrite: lower-case-free odd order, an X- property before UID, LF-only folding continuation
#: kept CRLF, a parameter order vobject would change, a long line folded at an unusual place
SENT = (
    "BEGIN:VCALENDAR\r\nPRODID:-//Odd Client//EN\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nX-ODD:keep me\r\n"
    "UID:stored-1\r\nSUMMARY;LANGUAGE=en:Stored as sent\r\nDTSTAMP:20240101T000000Z\r\n"
    "DTSTART;VALUE=DATE-TIME;TZID=Europe/Berlin:20240102T100000\r\nDURATION:PT1H\r\n"
    "DESCRIPTION:a long line that a client folded at a place of its own choosing a\r\n nd not where vobject would\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def test_get_answers_the_stored_bytes(client: httpx2.AsyncClient) -> None:
    put = await put_ics(client, f"{PERSONAL}s.ics", SENT)
    assert put.status_code == 201
    assert put.headers.get("etag")  # stored as sent: Sabre sends the ETag
    got = await client.get(f"{PERSONAL}s.ics", auth=ALICE)
    assert got.content == SENT.encode()
    head = await client.head(f"{PERSONAL}s.ics", auth=ALICE)
    assert head.headers["content-length"] == str(len(SENT.encode()))


async def test_calendar_data_is_the_stored_text_without_carriage_returns(client: httpx2.AsyncClient) -> None:
    await put_ics(client, f"{PERSONAL}s.ics", SENT)
    expected = SENT.replace("\r", "")  # CalDAV Plugin::propFind: str_replace("\r", '', $val)
    query = (
        b'<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        b'<d:prop><d:getcontentlength/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/>'
        b"</c:filter></c:calendar-query>"
    )
    found = responses(await report(client, PERSONAL, query))[f"{PERSONAL}s.ics"]
    assert found.findtext(f"{C}calendar-data") == expected
    assert found.findtext(f"{D}getcontentlength") == str(len(SENT.encode()))
    raw = await client.request(
        "PROPFIND", f"{PERSONAL}s.ics", auth=ALICE, headers={"Depth": "0"}, content=propfind("c:calendar-data")
    )
    assert b"&#13;" not in raw.content
    assert responses(raw)[f"{PERSONAL}s.ics"].findtext(f"{C}calendar-data") == expected


async def test_a_repaired_object_is_stored_repaired_and_has_no_etag(client: httpx2.AsyncClient) -> None:
    without_dtstamp = SENT.replace("DTSTAMP:20240101T000000Z\r\n", "")
    put = await put_ics(client, f"{PERSONAL}r.ics", without_dtstamp)
    assert put.status_code == 201
    assert "etag" not in put.headers  # Server::createFile with $modified
    stored = (await client.get(f"{PERSONAL}r.ics", auth=ALICE)).text
    assert "DTSTAMP:" in stored
    assert "X-ODD:keep me\r\n" in stored


async def test_a_moved_object_keeps_its_bytes(client: httpx2.AsyncClient) -> None:
    await seed_calendars(client, "alice", {"uri": "work", "name": "Work"})
    await put_ics(client, f"{PERSONAL}s.ics", SENT)
    moved = await client.request(
        "MOVE", f"{PERSONAL}s.ics", auth=ALICE, headers={"Destination": f"http://nc.test{HOME}work/s.ics"}
    )
    assert moved.status_code == 201
    assert (await client.get(f"{HOME}work/s.ics", auth=ALICE)).content == SENT.encode()


# -- owners ------------------------------------------------------------------------------------------------------


async def test_owner_properties_of_own_and_shared_calendars(client: httpx2.AsyncClient) -> None:
    await seed_calendars(client, "alice", {"uri": "team_shared_by_b0b", "shared_by": "bob@corp"})
    wanted = propfind("d:owner", "oc:owner-principal", "nx:owner-displayname", "oc:read-only")
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}, content=wanted))
    own = listing[PERSONAL]
    # getCalendarsForUser: own calendars carry the user's principal, addOwnerPrincipal the display name
    assert own.findtext(f"{OC}owner-principal") == "principals/users/alice"
    assert own.findtext(f"{NX}owner-displayname") == "Alice A."
    assert own.find(f"{OC}read-only") is None
    shared = listing[f"{HOME}team_shared_by_b0b/"]
    assert hrefs_of(shared, f"{D}owner") == [f"{DAV}/principals/users/b0b/"]
    assert shared.findtext(f"{OC}owner-principal") == "principals/users/b0b"
    assert shared.findtext(f"{NX}owner-displayname") == "Bob"
    assert shared.findtext(f"{OC}read-only") == "1"
    # a read-only share keeps write-properties (Calendar::getACL)
    privileges = responses(
        await client.request(
            "PROPFIND",
            f"{HOME}team_shared_by_b0b/",
            auth=ALICE,
            headers={"Depth": "0"},
            content=propfind("d:current-user-privilege-set"),
        )
    )[f"{HOME}team_shared_by_b0b/"]
    assert [p[0].tag for p in privileges.iter(f"{D}privilege")][:2] == [f"{D}write-properties", f"{D}read"]


async def test_owner_properties_of_address_books_and_allprop(client: httpx2.AsyncClient) -> None:
    wanted = propfind("oc:owner-principal", "nx:owner-displayname")
    found = await client.request("PROPFIND", f"{BOOKS}contacts/", auth=ALICE, headers={"Depth": "0"}, content=wanted)
    root = xml(found)
    statuses = {
        prop.tag: propstat.findtext(f"{D}status")
        for propstat in root.iter(f"{D}propstat")
        for prop in propstat.find(f"{D}prop") or []
    }
    # CardDavBackend: owner-principal only for shared books; owner-displayname always
    assert statuses == {f"{OC}owner-principal": "HTTP/1.1 404 Not Found", f"{NX}owner-displayname": "HTTP/1.1 200 OK"}
    # allprop: the collection's info array comes back whole (Sabre Calendar::getProperties)
    everything = responses(await client.request("PROPFIND", PERSONAL, auth=ALICE, headers={"Depth": "0"}))[PERSONAL]
    assert everything.findtext(f"{OC}owner-principal") == "principals/users/alice"
    assert everything.findtext(f"{NX}owner-displayname") == "Alice A."
