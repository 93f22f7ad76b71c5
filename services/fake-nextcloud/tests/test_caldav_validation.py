"""Sabre's iCalendar validation on PUT, repaired data without ETag, the omit-ETag switch."""

from __future__ import annotations

import httpx2
import pytest

from support.caldav_xml import DAV, C, error, event, ics, put_ics, xml
from support.fake_support import ALICE

pytestmark = pytest.mark.anyio

HOME = f"{DAV}/calendars/alice/"
PERSONAL = f"{HOME}personal/"
BOB_HOME = f"{DAV}/calendars/b0b/"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",
            415,
            "This resource only supports valid iCalendar 2.0 data. Parse error: Invalid MimeDir file. expected: "
            '"END:VEVENT" got: "END:VCALENDAR"',
        ),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nUID:x\r\nEND:VCARD\r\n",
            415,
            "This collection can only support iCalendar objects.",
        ),
        (
            ics("t", "DTSTAMP:20231101T000000Z", component="VTODO"),
            403,
            "iCalendar objects must at least have a component of type VEVENT",
        ),
        (
            event("a", "20240102T100000Z", "20240102T110000Z").replace(
                "END:VCALENDAR",
                "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20231101T000000Z\r\nDTSTART:20240102T100000Z\r\n"
                "END:VEVENT\r\nEND:VCALENDAR",
            ),
            415,
            "Validation error in iCalendar: A calendar object on a CalDAV server may only have components with the same"
            " UID.",
        ),
        (
            event("m", "20240102T100000Z", "20240102T110000Z").replace("VERSION:2.0", "VERSION:2.0\r\nMETHOD:PUBLISH"),
            415,
            "Validation error in iCalendar: A calendar object on a CalDAV server MUST NOT have a METHOD property.",
        ),
        (
            ics("s", "DTSTAMP:20231101T000000Z", "SUMMARY:no start"),
            415,
            "Validation error in iCalendar: DTSTART MUST appear exactly once in a VEVENT component",
        ),
    ],
)
async def test_sabre_validation_errors(client: httpx2.AsyncClient, body: str, status: int, message: str) -> None:
    response = await put_ics(client, f"{PERSONAL}bad.ics", body)
    assert response.status_code == status, response.text
    assert error(response)[1] == message
    if status == 403:
        assert xml(response).find(f"{C}supported-calendar-component") is not None
    assert (await client.get(f"{PERSONAL}bad.ics", auth=ALICE)).status_code == 404


async def test_repaired_data_is_stored_without_an_etag(client: httpx2.AsyncClient) -> None:
    body = ics("nostamp", "DTSTART:20240102T100000Z", "SUMMARY:x")
    response = await put_ics(client, f"{PERSONAL}nostamp.ics", body)
    assert response.status_code == 201
    assert "etag" not in response.headers  # Sabre Server::createFile: modified -> no ETag (RFC 4791 5.3.4)
    stored = await client.get(f"{PERSONAL}nostamp.ics", auth=ALICE)
    assert "DTSTAMP:20231114T221320Z" in stored.text  # the fake's clock (T0)
    strict = await put_ics(
        client, f"{PERSONAL}strict.ics", body.replace("nostamp", "strict"), {"Prefer": "handling=strict"}
    )
    assert strict.status_code == 415
    assert error(strict)[1] == "Validation error in iCalendar: DTSTAMP MUST appear exactly once in a VEVENT component"


async def test_omit_etag_switch(client: httpx2.AsyncClient) -> None:
    first = await put_ics(client, f"{PERSONAL}a.ics", event("a", "20240102T100000Z", "20240102T110000Z"))
    assert "etag" in first.headers
    switched = await client.post("/__testbed__/caldav", json={"omit_etag": True})
    assert switched.json()["omit_etag"] is True
    second = await put_ics(client, f"{PERSONAL}b.ics", event("b", "20240102T100000Z", "20240102T110000Z"))
    assert second.status_code == 201
    assert "etag" not in second.headers
    assert (await client.get(f"{PERSONAL}b.ics", auth=ALICE)).headers["etag"]
