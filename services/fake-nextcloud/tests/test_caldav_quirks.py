"""CalDAV details that clients trip over: MOVE between calendars, stale sync tokens, writes to the wrong node,
content types, OPTIONS."""

from __future__ import annotations

import httpx2
import pytest

from support.caldav_xml import DAV, D, error, event, propfind, responses, xml
from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio

HOME = f"{DAV}/calendars/alice/"


async def _put(client: httpx2.AsyncClient, url: str, body: str, *, auth: tuple[str, str] = ALICE) -> httpx2.Response:
    return await client.put(url, content=body.encode(), auth=auth, headers={"Content-Type": "text/calendar"})


async def test_move_between_own_calendars_only(client: httpx2.AsyncClient) -> None:
    assert (await client.request("MKCALENDAR", f"{HOME}work/", auth=ALICE)).status_code == 201
    await _put(client, f"{HOME}personal/e.ics", event("e", "20240102T100000Z", "20240102T110000Z"))
    moved = await client.request(
        "MOVE", f"{HOME}personal/e.ics", auth=ALICE, headers={"Destination": f"http://nc.test{HOME}work/e.ics"}
    )
    assert moved.status_code == 201
    assert (await client.get(f"{HOME}work/e.ics", auth=ALICE)).status_code == 200
    assert (await client.get(f"{HOME}personal/e.ics", auth=ALICE)).status_code == 404

    await _put(
        client, f"{DAV}/calendars/b0b/personal/b.ics", event("b", "20240102T100000Z", "20240102T110000Z"), auth=BOB
    )
    stolen = await client.request(
        "MOVE", f"{HOME}work/e.ics", auth=ALICE, headers={"Destination": f"{DAV}/calendars/b0b/personal/e.ics"}
    )
    assert (stolen.status_code, error(stolen)[1]) == (404, "Node with name 'e.ics' could not be found")
    outside = await client.request("MOVE", f"{HOME}work/e.ics", auth=ALICE, headers={"Destination": "/elsewhere/e.ics"})
    assert outside.status_code == 403
    assert (await client.get(f"{HOME}work/e.ics", auth=ALICE)).status_code == 200


async def test_unknown_sync_token_is_invalid_sync_token(client: httpx2.AsyncClient) -> None:
    body = (
        '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>http://sabre.io/ns/sync/999'
        "</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    )
    response = await client.request("REPORT", f"{HOME}personal/", content=body, auth=ALICE)
    assert response.status_code == 403
    assert error(response) == ("Sabre\\DAV\\Exception\\InvalidSyncToken", "Invalid or unknown sync token")
    assert xml(response).find(f"{D}valid-sync-token") is not None


async def test_writes_to_collections_and_homes_are_refused(client: httpx2.AsyncClient) -> None:
    body = event("x", "20240102T100000Z", "20240102T110000Z")
    on_calendar = await _put(client, f"{HOME}personal/", body)
    assert (on_calendar.status_code, error(on_calendar)[1]) == (409, "PUT is not allowed on non-files.")
    in_home = await _put(client, f"{HOME}x.ics", body)
    assert (in_home.status_code, error(in_home)[1]) == (405, "Creating new files in this collection is not supported")
    home = await client.delete(HOME, auth=ALICE)
    assert home.status_code == 403
    nested = await client.request("MKCALENDAR", f"{HOME}personal/sub/", auth=ALICE)
    assert (nested.status_code, error(nested)[1]) == (405, "Creating collections in calendar objects is not allowed")
    assert (await client.request("MKCOL", HOME, auth=ALICE)).status_code == 405
    assert (await client.delete(f"{DAV}/addressbooks/users/alice/", auth=ALICE)).status_code == 405
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}))
    assert f"{HOME}personal/" in listing


async def test_object_content_types_are_nextclouds(client: httpx2.AsyncClient) -> None:
    await _put(client, f"{HOME}personal/e.ics", event("e", "20240102T100000Z", "20240102T110000Z"))
    listing = responses(
        await client.request(
            "PROPFIND", f"{HOME}personal/", auth=ALICE, headers={"Depth": "1"}, content=propfind("d:getcontenttype")
        )
    )
    assert listing[f"{HOME}personal/e.ics"].findtext(f"{D}getcontenttype") == (
        "text/calendar; charset=utf-8; component=vevent"
    )


async def test_options_announce_caldav_and_carddav(client: httpx2.AsyncClient) -> None:
    response = await client.request("OPTIONS", HOME, auth=ALICE)
    assert response.status_code == 200
    features = {f.strip() for f in response.headers["dav"].split(",")}
    assert {"1", "3", "calendar-access", "addressbook", "extended-mkcol"} <= features


@pytest.mark.parametrize(("version", "status"), [("34.0.2", 409), ("33.0.5", 400)])
async def test_a_second_object_with_the_same_uid_is_refused(
    client: httpx2.AsyncClient, version: str, status: int
) -> None:
    assert (await client.post("/__testbed__/server", json={"version": version})).status_code == 200
    body = event("dup", "20240102T100000Z", "20240102T110000Z")
    assert (await _put(client, f"{HOME}personal/first.ics", body)).status_code == 201
    second = await _put(client, f"{HOME}personal/second.ics", body)
    assert second.status_code == status
    message = "Calendar object with uid already exists in this calendar collection."
    if status == 409:
        assert error(second) == ("OCA\\DAV\\Exception\\UidConflict", message)
        conflict = xml(second).find("{urn:ietf:params:xml:ns:caldav}no-uid-conflict")
        assert conflict is not None
        assert conflict.findtext(f"{D}href") == f"{HOME}personal/first.ics"
    else:
        assert error(second) == ("Sabre\\DAV\\Exception\\BadRequest", message)
    assert (await client.get(f"{HOME}personal/second.ics", auth=ALICE)).status_code == 404
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:C\r\nEND:VCARD\r\n"
    book = f"{DAV}/addressbooks/users/alice/contacts/"
    await client.put(f"{book}a.vcf", content=card, auth=ALICE)
    again = await client.put(f"{book}b.vcf", content=card, auth=ALICE)
    assert again.status_code == status
    assert error(again)[1] == "VCard object with uid already exists in this addressbook collection."
