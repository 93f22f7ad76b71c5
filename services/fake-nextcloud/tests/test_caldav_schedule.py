"""CalDAV scheduling: free-busy-query, the outbox free/busy request across users, implicit scheduling on PUT."""

from __future__ import annotations

import httpx2
import pytest

from support.caldav_xml import DAV, C, D, error, event, put_ics, responses, xml
from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio

HOME = f"{DAV}/calendars/alice/"
PERSONAL = f"{HOME}personal/"
BOB_HOME = f"{DAV}/calendars/b0b/"


async def test_free_busy_query_report(client: httpx2.AsyncClient) -> None:
    await put_ics(client, f"{PERSONAL}a.ics", event("a", "20240102T100000Z", "20240102T110000Z"))
    body = (
        '<?xml version="1.0"?><c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">'
        '<c:time-range start="20240101T000000Z" end="20240105T000000Z"/></c:free-busy-query>'
    )
    response = await client.request("REPORT", PERSONAL, content=body, auth=ALICE, headers={"Depth": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "FREEBUSY;FBTYPE=BUSY:20240102T100000Z/20240102T110000Z" in response.text


def _fb_request(organizer: str, *attendees: str) -> str:
    lines = "".join(f"ATTENDEE:{a}\r\n" for a in attendees)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\nUID:fb-1\r\n"
        "DTSTAMP:20231101T000000Z\r\nDTSTART:20240101T000000Z\r\nDTEND:20240108T000000Z\r\n"
        f"ORGANIZER:{organizer}\r\n{lines}END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    )


async def test_outbox_free_busy_across_users(client: httpx2.AsyncClient) -> None:
    await put_ics(
        client,
        f"{PERSONAL}daily.ics",
        event("daily", "20240101T080000Z", "20240101T090000Z", "RRULE:FREQ=DAILY;COUNT=3"),
    )
    await put_ics(
        client, f"{PERSONAL}free.ics", event("free", "20240105T080000Z", "20240105T090000Z", "TRANSP:TRANSPARENT")
    )
    await put_ics(
        client, f"{PERSONAL}maybe.ics", event("maybe", "20240106T080000Z", "20240106T090000Z", "STATUS:TENTATIVE")
    )
    response = await client.post(
        f"{BOB_HOME}outbox/",
        content=_fb_request("mailto:bob@example.org", "mailto:alice@example.org", "mailto:nobody@example.org"),
        auth=BOB,
        headers={"Content-Type": "text/calendar"},
    )
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == f"{C}schedule-response"
    results = {r.findtext(f"{C}recipient/{D}href"): r for r in root.iter(f"{C}response")}
    assert results["mailto:nobody@example.org"].findtext(f"{C}request-status") == "3.7;Could not find principal"
    alice = results["mailto:alice@example.org"]
    assert alice.findtext(f"{C}request-status") == "2.0;Success"
    data = alice.findtext(f"{C}calendar-data") or ""
    busy = [line for line in data.splitlines() if line.startswith("FREEBUSY")]
    assert busy == [
        "FREEBUSY;FBTYPE=BUSY:20240101T080000Z/20240101T090000Z",
        "FREEBUSY;FBTYPE=BUSY:20240102T080000Z/20240102T090000Z",
        "FREEBUSY;FBTYPE=BUSY:20240103T080000Z/20240103T090000Z",
        "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20240106T080000Z/20240106T090000Z",
    ]
    assert "METHOD:REPLY" in data
    assert "ATTENDEE:mailto:alice@example.org" in data
    assert "ORGANIZER:mailto:bob@example.org" in data

    spoofed = await client.post(
        f"{BOB_HOME}outbox/", content=_fb_request("mailto:alice@example.org", "mailto:alice@example.org"), auth=BOB
    )
    assert spoofed.status_code == 403
    assert "did not match any of the addresses" in error(spoofed)[1]


async def test_organizer_writes_are_scheduled_and_lose_their_etag(client: httpx2.AsyncClient) -> None:
    """Sabre's Schedule plugin: SCHEDULE-STATUS per attendee, modified data -> no ETag, local delivery to bob."""
    body = event(
        "meet",
        "20240110T100000Z",
        "20240110T110000Z",
        "ORGANIZER;CN=Alice:mailto:alice@example.org",
        "ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@example.org",
        "ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.org",
        "ATTENDEE;CN=Eve:mailto:eve@elsewhere.example",
    )
    created = await put_ics(client, f"{PERSONAL}meet.ics", body)
    assert created.status_code == 201
    assert "etag" not in created.headers
    stored = (await client.get(f"{PERSONAL}meet.ics", auth=ALICE)).text.replace("\r\n ", "")
    assert "SCHEDULE-STATUS=1.2" in stored  # bob: delivered locally
    assert "SCHEDULE-STATUS=1.1" in stored  # eve: sent by iMip
    query = (
        '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>'
        '<c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        '<c:time-range start="20240110T000000Z" end="20240111T000000Z"/></c:comp-filter></c:comp-filter></c:filter>'
        "</c:calendar-query>"
    )
    bobs = f"{DAV}/calendars/b0b/personal/"
    found = responses(await client.request("REPORT", bobs, content=query, auth=BOB, headers={"Depth": "1"}))
    assert len(found) == 1
    copy = next(iter(found.values())).findtext("{urn:ietf:params:xml:ns:caldav}calendar-data") or ""
    assert "UID:meet" in copy
    assert "SCHEDULE-STATUS" not in copy
    # an update reaches the same copy
    await put_ics(client, f"{PERSONAL}meet.ics", body.replace("SUMMARY:meet", "SUMMARY:moved"))
    again = responses(await client.request("REPORT", bobs, content=query, auth=BOB, headers={"Depth": "1"}))
    assert list(again) == list(found)
    assert "SUMMARY:moved" in (
        next(iter(again.values())).findtext("{urn:ietf:params:xml:ns:caldav}calendar-data") or ""
    )
    plain = await put_ics(client, f"{PERSONAL}solo.ics", event("solo", "20240110T100000Z", "20240110T110000Z"))
    assert plain.headers["etag"]
