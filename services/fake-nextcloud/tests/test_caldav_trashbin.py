"""The calendar trash bin (Nextcloud >= 22), each test citing the nextcloud/server source it reproduces
(apps/dav/lib/CalDAV/: CalDavBackend.php, Calendar.php, CalendarHome.php, Trashbin/*.php, RetentionService.php)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock
from support.caldav_xml import C, D, calendar_query, error, event, put_ics, report, responses, xml
from support.fake_support import ALICE, BOB, T0

pytestmark = pytest.mark.anyio

DAV = "/remote.php/dav"
HOME = f"{DAV}/calendars/alice/"
PERSONAL = f"{HOME}personal/"
TRASH = f"{HOME}trashbin/"
OBJECTS = f"{TRASH}objects/"
NC = "{http://nextcloud.com/ns}"
NSDECL = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:nc="http://nextcloud.com/ns"'
#: cdav-library CalendarTrashBin::findDeletedObjects (what the Calendar app sends; Depth: 1).
DELETED_QUERY = (
    f'<?xml version="1.0"?><c:calendar-query {NSDECL}><d:prop><d:getetag/><d:getcontenttype/><c:calendar-data/>'
    '<nc:calendar-uri/><nc:deleted-at/></d:prop><c:filter><c:comp-filter name="VCALENDAR">'
    '<c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>'
).encode()
ATOM_T0 = datetime.fromtimestamp(T0, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _propfind(*props: str) -> bytes:
    inner = "".join(f"<{p}/>" for p in props)
    return f'<?xml version="1.0"?><d:propfind {NSDECL}><d:prop>{inner}</d:prop></d:propfind>'.encode()


def _sync(token: str) -> bytes:
    return (
        f'<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
        "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
    ).encode()


async def _trashed(client: httpx2.AsyncClient, auth: tuple[str, str] = ALICE, home: str = HOME) -> dict[str, object]:
    """href -> prop of every entry of ``trashbin/objects`` (the Calendar app's REPORT)."""
    found = await client.request(
        "REPORT", f"{home}trashbin/objects/", content=DELETED_QUERY, auth=auth, headers={"Depth": "1"}
    )
    return dict(responses(found))


async def _move(client: httpx2.AsyncClient, source: str, auth: tuple[str, str] = ALICE) -> httpx2.Response:
    """cdav-library CalendarTrashBin::restore: MOVE to ``trashbin/restore/file``."""
    return await client.request(
        "MOVE", source, auth=auth, headers={"Destination": f"http://nc.test{TRASH}restore/file"}
    )


async def _put_event(client: httpx2.AsyncClient, name: str, uid: str, calendar: str = PERSONAL) -> None:
    response = await put_ics(client, f"{calendar}{name}", event(uid, "20240102T100000Z", "20240102T110000Z"))
    assert response.status_code == 201, response.text


async def _mkcalendar(client: httpx2.AsyncClient, name: str) -> None:
    response = await client.request("MKCALENDAR", f"{HOME}{name}/", auth=ALICE)
    assert response.status_code == 201, response.text


# -- the feature and the trash bin node ---------------------------------------------------------------------------


async def test_options_announce_the_trash_bin_feature(client: httpx2.AsyncClient, state: FakeState) -> None:
    """Trashbin/Plugin::getFeatures: ``nc-calendar-trashbin`` (the plugin exists since Nextcloud 22)."""
    features = (await client.options(f"{HOME}", auth=ALICE)).headers["DAV"]
    assert "nc-calendar-trashbin" in [f.strip() for f in features.split(",")]
    state.set_version("21.0.9")
    assert "nc-calendar-trashbin" not in (await client.options(f"{HOME}", auth=ALICE)).headers["DAV"]


async def test_the_home_lists_the_trash_bin_with_its_retention(client: httpx2.AsyncClient, state: FakeState) -> None:
    """CalendarHome::getChildren adds TrashbinHome (resourcetype collection + nc:trash-bin, no cal:calendar);
    Trashbin/Plugin::propFind answers nc:trash-bin-retention-duration = RetentionService::getDuration (30 days, or
    the app value calendarRetentionObligation)."""
    listing = responses(
        await client.request(
            "PROPFIND",
            HOME,
            auth=ALICE,
            headers={"Depth": "1"},
            content=_propfind("d:resourcetype", "nc:trash-bin-retention-duration"),
        )
    )
    trash = listing[TRASH]
    assert trash.find(f"{D}resourcetype/{NC}trash-bin") is not None
    assert trash.find(f"{D}resourcetype/{C}calendar") is None
    assert trash.findtext(f"{NC}trash-bin-retention-duration") == "2592000"
    assert listing[PERSONAL].find(f"{NC}trash-bin-retention-duration") is None
    state.config.set_app_value("dav", "calendarRetentionObligation", "3600")
    depth1 = await client.request(
        "PROPFIND",
        TRASH,
        auth=ALICE,
        headers={"Depth": "1"},
        content=_propfind("nc:trash-bin-retention-duration", "d:resourcetype"),
    )
    children = responses(depth1)
    assert children[TRASH].findtext(f"{NC}trash-bin-retention-duration") == "3600"
    assert set(children) == {TRASH, f"{TRASH}restore/", OBJECTS}  # TrashbinHome::getChildren


async def test_trash_bin_nodes_refuse_what_nextcloud_refuses(client: httpx2.AsyncClient) -> None:
    """TrashbinHome::delete "Permission denied to delete the trashbin"; DeletedCalendarObjectsCollection::getChildren
    throws NotImplemented (PROPFIND Depth 1 on objects/), getChild a bare NotFound; MKCALENDAR of the trash bin
    is "already exists" (sabre-io/dav Server::createCollection)."""
    deleted = await client.delete(TRASH, auth=ALICE)
    assert deleted.status_code == 403 and error(deleted)[1] == "Permission denied to delete the trashbin"
    assert (await client.request("PROPFIND", OBJECTS, auth=ALICE, headers={"Depth": "1"})).status_code == 501
    assert (await client.request("PROPFIND", OBJECTS, auth=ALICE, headers={"Depth": "0"})).status_code == 207
    assert (await client.get(f"{OBJECTS}77.ics", auth=ALICE)).status_code == 404
    made = await client.request("MKCALENDAR", TRASH, auth=ALICE)
    assert made.status_code == 405 and "already exists" in error(made)[1]


# -- deleting and restoring objects -------------------------------------------------------------------------------


async def test_a_deleted_event_leaves_the_calendar_and_waits_in_the_trash(client: httpx2.AsyncClient) -> None:
    """CalDavBackend::deleteCalendarObject (trash bin on): deleted_at is set and addChange(…, 3) makes
    sync-collection report the object deleted; calendarQuery skips deleted rows. getDeletedCalendarObjectsByPrincipal
    lists it under trashbin/objects/<id>.ics with nc:calendar-uri and nc:deleted-at (ATOM, Trashbin/Plugin)."""
    await _put_event(client, "a.ics", "uid-a")
    first = await client.request("REPORT", PERSONAL, content=_sync(""), auth=ALICE)
    token = xml(first).findtext(f"{D}sync-token") or ""
    assert (await client.delete(f"{PERSONAL}a.ics", auth=ALICE)).status_code == 204

    assert (await client.get(f"{PERSONAL}a.ics", auth=ALICE)).status_code == 404
    found = responses(await report(client, PERSONAL, calendar_query("20240101T000000Z", "20240201T000000Z")))
    assert f"{PERSONAL}a.ics" not in found
    changes = {
        r.findtext(f"{D}href"): r
        for r in xml(await client.request("REPORT", PERSONAL, content=_sync(token), auth=ALICE)).iter(f"{D}response")
    }
    assert "404" in (changes[f"{PERSONAL}a.ics"].findtext(f"{D}status") or "")

    trashed = await _trashed(client)
    assert len(trashed) == 1
    href, prop = next(iter(trashed.items()))
    assert href.startswith(OBJECTS) and href.endswith(".ics")
    assert prop.findtext(f"{NC}calendar-uri") == "personal"  # type: ignore[attr-defined]
    assert prop.findtext(f"{NC}deleted-at") == ATOM_T0  # type: ignore[attr-defined]
    assert "UID:uid-a" in (prop.findtext(f"{C}calendar-data") or "")  # type: ignore[attr-defined]
    assert prop.findtext(f"{D}getcontenttype") == "text/calendar; charset=utf-8; component=vevent"  # type: ignore[attr-defined]
    got = await client.get(href, auth=ALICE)
    assert got.status_code == 200 and b"UID:uid-a" in got.content and got.headers["ETag"]


async def test_the_trash_query_ignores_filters_and_needs_depth_1(client: httpx2.AsyncClient) -> None:
    """DeletedCalendarObjectsCollection::calendarQuery returns every deleted object (tasks too) whatever the
    filter; sabre-io/dav CalDAV/Plugin::calendarQueryReport asks the container only with Depth 1."""
    made = await client.request(
        "MKCALENDAR",
        f"{HOME}tasks/",
        auth=ALICE,
        content=(
            b'<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
            b'<c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>'
            b"</d:prop></d:set></c:mkcalendar>"
        ),
    )
    assert made.status_code == 201, made.text
    todo = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:todo-1\r\nDTSTAMP:20240101T000000Z\r\n"
        "SUMMARY:Buy milk\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    assert (await put_ics(client, f"{HOME}tasks/t.ics", todo)).status_code == 201
    assert (await client.delete(f"{HOME}tasks/t.ics", auth=ALICE)).status_code == 204
    trashed = await _trashed(client)  # the query filters VEVENT, the VTODO is listed all the same
    assert [p.findtext(f"{NC}calendar-uri") for p in trashed.values()] == ["tasks"]  # type: ignore[attr-defined]
    none = await client.request("REPORT", OBJECTS, content=DELETED_QUERY, auth=ALICE, headers={"Depth": "0"})
    assert responses(none) == {}


async def test_restore_puts_the_object_back_and_sync_reports_it(client: httpx2.AsyncClient) -> None:
    """RestoreTarget::moveInto → DeletedCalendarObject::restore → CalDavBackend::restoreCalendarObject: the URI
    without ``-deleted``, deleted_at null, addChange(…, 1); sabre-io/dav CorePlugin::httpMove answers 201."""
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    token = (
        xml(await client.request("REPORT", PERSONAL, content=_sync(""), auth=ALICE)).findtext(f"{D}sync-token") or ""
    )
    (href,) = (await _trashed(client)).keys()
    moved = await _move(client, href)
    assert moved.status_code == 201 and moved.content == b""
    restored = await client.get(f"{PERSONAL}a.ics", auth=ALICE)
    assert restored.status_code == 200 and b"UID:uid-a" in restored.content
    assert await _trashed(client) == {}
    changes = [
        r.findtext(f"{D}href")
        for r in xml(await client.request("REPORT", PERSONAL, content=_sync(token), auth=ALICE)).iter(f"{D}response")
    ]
    assert f"{PERSONAL}a.ics" in changes
    assert (await _move(client, href)).status_code == 404  # gone from the trash: getChild throws NotFound


async def test_restore_refuses_a_taken_uri(client: httpx2.AsyncClient) -> None:
    """restoreCalendarObject: Forbidden "Can not restore calendar $id because a calendar object with the URI
    $restoreUri already exists" (the new object has another UID, so createCalendarObject left the trash alone)."""
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    await _put_event(client, "a.ics", "uid-b")
    (href,) = (await _trashed(client)).keys()
    refused = await _move(client, href)
    object_id = href.rsplit("/", 1)[1].removesuffix(".ics")
    assert refused.status_code == 403
    assert (
        error(refused)[1]
        == f"Can not restore calendar {object_id} because a calendar object with the URI a.ics already exists"
    )


async def test_deleting_twice_under_one_name_is_refused(client: httpx2.AsyncClient) -> None:
    """deleteCalendarObject renames to ``a-deleted.ics``; a second object deleted under the same name finds that
    URI taken: Forbidden "A calendar object with URI … already exists in calendar …"."""
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    await _put_event(client, "a.ics", "uid-b")
    refused = await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    assert refused.status_code == 403
    assert error(refused)[1].startswith("A calendar object with URI a-deleted.ics already exists in calendar ")
    assert (await client.get(f"{PERSONAL}a.ics", auth=ALICE)).status_code == 200  # nothing was deleted


async def test_a_new_object_with_a_trashed_uid_trashes_it_again(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    """createCalendarObject: a deleted row with the new object's UID is passed to deleteCalendarObject without
    force, so it stays in the trash renamed ``x-deleted-deleted.ics`` with a new deleted_at; restoring it gives
    ``x-deleted.ics`` (str_replace of the last ``-deleted.ics``)."""
    await _put_event(client, "x.ics", "uid-x")
    await client.delete(f"{PERSONAL}x.ics", auth=ALICE)
    clock.advance(60)
    await _put_event(client, "y.ics", "uid-x")
    (href, prop), *_ = (await _trashed(client)).items()
    assert prop.findtext(f"{NC}deleted-at") == datetime.fromtimestamp(T0 + 60, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")  # type: ignore[attr-defined]
    await client.delete(f"{PERSONAL}y.ics", auth=ALICE)  # so the UID is free again
    (first,) = [h for h in (await _trashed(client)) if h == href]
    assert (await _move(client, first)).status_code == 201
    assert (await client.get(f"{PERSONAL}x-deleted.ics", auth=ALICE)).status_code == 200


async def test_delete_in_the_trash_purges(client: httpx2.AsyncClient) -> None:
    """DeletedCalendarObject::delete: deleteCalendarObject(…, forceDeletePermanently: true)."""
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    (href,) = (await _trashed(client)).keys()
    assert (await client.delete(href, auth=ALICE)).status_code == 204
    assert await _trashed(client) == {}
    assert (await client.get(href, auth=ALICE)).status_code == 404


async def test_the_trash_is_per_user(client: httpx2.AsyncClient) -> None:
    """getCalendarObjectById filters by principal (DeletedCalendarObjectsCollection::getChild → NotFound); another
    user's home is DavAclPlugin's NotFound."""
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    (href,) = (await _trashed(client)).keys()
    bob_href = href.replace("/alice/", "/b0b/")
    assert (await client.get(bob_href, auth=BOB)).status_code == 404
    assert (await client.request("PROPFIND", TRASH, auth=BOB, headers={"Depth": "0"})).status_code == 404
    assert await _trashed(client, BOB, f"{DAV}/calendars/b0b/") == {}


# -- calendars ----------------------------------------------------------------------------------------------------


async def test_a_deleted_calendar_is_marked_not_removed(client: httpx2.AsyncClient) -> None:
    """Calendar::delete → deleteCalendar(id, false): deleted_at set; getCalendarsForUser still lists it, with the
    resourcetype collection + nc:deleted-calendar (addResourceTypeToCalendar) and nc:deleted-at (ATOM,
    Calendar::__construct); its name stays taken (MKCALENDAR → 405); its trashed objects are not listed
    (getDeletedCalendarObjectsByPrincipal); MOVE to trashbin/restore → Calendar::restore."""
    await _mkcalendar(client, "work")
    await _put_event(client, "w.ics", "uid-w", f"{HOME}work/")
    await _put_event(client, "gone.ics", "uid-gone", f"{HOME}work/")
    await client.delete(f"{HOME}work/gone.ics", auth=ALICE)
    assert len(await _trashed(client)) == 1
    assert (await client.delete(f"{HOME}work/", auth=ALICE)).status_code == 204

    listing = responses(
        await client.request(
            "PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}, content=_propfind("d:resourcetype", "nc:deleted-at")
        )
    )
    work = listing[f"{HOME}work/"]
    assert work.find(f"{D}resourcetype/{NC}deleted-calendar") is not None
    assert work.find(f"{D}resourcetype/{C}calendar") is None
    assert work.findtext(f"{NC}deleted-at") == ATOM_T0
    assert listing[PERSONAL].find(f"{NC}deleted-at") is None
    assert await _trashed(client) == {}
    again = await client.request("MKCALENDAR", f"{HOME}work/", auth=ALICE)
    assert again.status_code == 405

    assert (await _move(client, f"{HOME}work/")).status_code == 201
    after = responses(
        await client.request(
            "PROPFIND", f"{HOME}work/", auth=ALICE, headers={"Depth": "0"}, content=_propfind("d:resourcetype")
        )
    )
    assert after[f"{HOME}work/"].find(f"{D}resourcetype/{C}calendar") is not None
    assert (await client.get(f"{HOME}work/w.ics", auth=ALICE)).status_code == 200
    assert len(await _trashed(client)) == 1  # its deleted object is listed again


async def test_no_trashbin_header_deletes_a_calendar_for_good(client: httpx2.AsyncClient) -> None:
    """Trashbin/Plugin::beforeMethod with ``X-NC-CalDAV-No-Trashbin: 1`` → Calendar::disableTrashbin →
    deleteCalendar(id, true): the calendar, its objects and its trashed objects are gone. (The Calendar app purges a
    deleted calendar this way.) Without the header a deleted calendar is only marked again."""
    await _mkcalendar(client, "work")
    await _put_event(client, "gone.ics", "uid-gone", f"{HOME}work/")
    await client.delete(f"{HOME}work/gone.ics", auth=ALICE)
    await client.delete(f"{HOME}work/", auth=ALICE)
    assert (await client.delete(f"{HOME}work/", auth=ALICE)).status_code == 204  # marked again
    assert (await client.request("PROPFIND", f"{HOME}work/", auth=ALICE, headers={"Depth": "0"})).status_code == 207
    purged = await client.delete(f"{HOME}work/", auth=ALICE, headers={"X-NC-CalDAV-No-Trashbin": "1"})
    assert purged.status_code == 204
    assert (await client.request("PROPFIND", f"{HOME}work/", auth=ALICE, headers={"Depth": "0"})).status_code == 404
    await _mkcalendar(client, "work")  # the name is free again
    assert await _trashed(client) == {}


# -- retention ----------------------------------------------------------------------------------------------------


async def test_retention_zero_disables_the_trash(client: httpx2.AsyncClient, state: FakeState) -> None:
    """deleteCalendarObject / deleteCalendar delete for good when calendarRetentionObligation is '0'."""
    state.config.set_app_value("dav", "calendarRetentionObligation", "0")
    await _put_event(client, "a.ics", "uid-a")
    assert (await client.delete(f"{PERSONAL}a.ics", auth=ALICE)).status_code == 204
    assert await _trashed(client) == {}
    await _mkcalendar(client, "work")
    await client.delete(f"{HOME}work/", auth=ALICE)
    assert (await client.request("PROPFIND", f"{HOME}work/", auth=ALICE, headers={"Depth": "0"})).status_code == 404


async def test_entries_older_than_the_retention_are_purged(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    """RetentionService::cleanUp deletes calendars and objects deleted before now - getDuration()."""
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    await _mkcalendar(client, "work")
    await client.delete(f"{HOME}work/", auth=ALICE)
    clock.advance(30 * 24 * 3600)
    assert len(await _trashed(client)) == 1  # exactly the retention: still there (lt, not lte)
    clock.advance(1)
    assert await _trashed(client) == {}
    assert (await client.request("PROPFIND", f"{HOME}work/", auth=ALICE, headers={"Depth": "0"})).status_code == 404


async def test_before_nextcloud_22_deletes_are_final(client: httpx2.AsyncClient, state: FakeState) -> None:
    """No TrashbinHome before Nextcloud 22: deletes remove, no trashbin child."""
    state.set_version("21.0.9")
    await _put_event(client, "a.ics", "uid-a")
    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}))
    assert TRASH not in listing
    assert (await client.request("PROPFIND", TRASH, auth=ALICE, headers={"Depth": "0"})).status_code == 404
