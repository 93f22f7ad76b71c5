"""CalDAV (apps/dav calendars, principals): discovery, defaults, objects, queries, free/busy, quirks, isolation."""

from __future__ import annotations

import gc
import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.apps.caldav.engine import CalDavEngine
from support.caldav_xml import (
    CS,
    DAV,
    OC,
    X1,
    C,
    D,
    calendar_query,
    error,
    event,
    hrefs_of,
    ics,
    propfind,
    put_ics,
    report,
    responses,
    seed_calendars,
    xml,
)
from support.fake_oidc import create_client, token_for
from support.fake_support import ALICE, BOB, no_cookies

pytestmark = pytest.mark.anyio

HOME = f"{DAV}/calendars/alice/"
PERSONAL = f"{HOME}personal/"
BOB_HOME = f"{DAV}/calendars/b0b/"


# -- discovery ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "uid", "email"), [(ALICE, "alice", "alice@example.org"), (BOB, "b0b", "bob@example.org")]
)
async def test_discovery_from_root_to_homes_uses_the_user_id(
    client: httpx2.AsyncClient, auth: tuple[str, str], uid: str, email: str
) -> None:
    root = await client.request(
        "PROPFIND", f"{DAV}/", auth=auth, headers={"Depth": "0"}, content=propfind("d:current-user-principal")
    )
    principal = hrefs_of(responses(root)[f"{DAV}/"], f"{D}current-user-principal")
    assert principal == [f"{DAV}/principals/users/{uid}/"]

    wanted = propfind(
        "c:calendar-home-set",
        "card:addressbook-home-set",
        "d:displayname",
        "c:calendar-user-address-set",
        "c:schedule-outbox-URL",
        "d:resourcetype",
    )
    found = await client.request("PROPFIND", principal[0], auth=auth, headers={"Depth": "0"}, content=wanted)
    props = responses(found)[principal[0]]
    assert hrefs_of(props, f"{C}calendar-home-set") == [f"{DAV}/calendars/{uid}/"]
    assert hrefs_of(props, "{urn:ietf:params:xml:ns:carddav}addressbook-home-set") == [
        f"{DAV}/addressbooks/users/{uid}/"
    ]
    assert hrefs_of(props, f"{C}calendar-user-address-set") == [f"mailto:{email}", principal[0]]
    assert hrefs_of(props, f"{C}schedule-outbox-URL") == [f"{DAV}/calendars/{uid}/outbox/"]
    assert props.find(f"{D}resourcetype/{D}principal") is not None
    assert props.findtext(f"{D}displayname") in ("Alice A.", "Bob")


async def test_user_ids_with_spaces_and_at_signs_are_encoded_as_sabre_does(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    state.add_user("jd", "jd-secret", uid="john doe@corp", email="jd@example.org")
    auth = ("jd", "jd-secret")
    root = await client.request(
        "PROPFIND", f"{DAV}/", auth=auth, headers={"Depth": "0"}, content=propfind("d:current-user-principal")
    )
    principal = f"{DAV}/principals/users/john%20doe@corp/"  # sabre-io/http encodePath keeps @
    assert hrefs_of(responses(root)[f"{DAV}/"], f"{D}current-user-principal") == [principal]
    home = f"{DAV}/calendars/john%20doe@corp/"
    put = await put_ics(
        client, f"{home}personal/a%20b.ics", event("ab", "20240102T100000Z", "20240102T110000Z"), auth=auth
    )
    assert put.status_code == 201
    listing = responses(await client.request("PROPFIND", f"{home}personal/", auth=auth, headers={"Depth": "1"}))
    assert set(listing) == {f"{home}personal/", f"{home}personal/a%20b.ics"}
    assert (await client.get(f"{DAV}/calendars/john%20doe%40corp/personal/a%20b.ics", auth=auth)).status_code == 200


async def test_well_known_redirects_to_the_dav_root(client: httpx2.AsyncClient) -> None:
    for name in ("caldav", "carddav"):
        response = await client.get(f"/.well-known/{name}")
        assert response.status_code == 301
        assert response.headers["location"] == "http://nc.test/remote.php/dav/"


async def test_other_principals_are_readable_unknown_ones_are_not(client: httpx2.AsyncClient) -> None:
    found = await client.request("PROPFIND", f"{DAV}/principals/users/b0b/", auth=ALICE, headers={"Depth": "0"})
    assert responses(found)[f"{DAV}/principals/users/b0b/"].findtext(f"{D}displayname") == "Bob"
    missing = await client.request("PROPFIND", f"{DAV}/principals/users/nobody/", auth=ALICE, headers={"Depth": "0"})
    assert missing.status_code == 404
    assert error(missing) == ("Sabre\\DAV\\Exception\\NotFound", "Principal with name nobody not found")


# -- defaults and collections -----------------------------------------------------------------------------


async def test_first_access_creates_the_personal_calendar(client: httpx2.AsyncClient) -> None:
    body = propfind(
        "d:resourcetype",
        "d:displayname",
        "x1:calendar-color",
        "c:supported-calendar-component-set",
        "cs:getctag",
        "d:sync-token",
        "d:current-user-privilege-set",
    )
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}, content=body))
    assert set(listing) == {HOME, PERSONAL, f"{HOME}inbox/", f"{HOME}outbox/", f"{HOME}trashbin/"}
    assert listing[HOME].find(f"{D}resourcetype/{D}principal") is None
    personal = listing[PERSONAL]
    assert personal.find(f"{D}resourcetype/{C}calendar") is not None
    assert personal.findtext(f"{D}displayname") == "Personal"
    assert personal.findtext(f"{X1}calendar-color") == "#00679e"
    assert [c.get("name") for c in personal.iter(f"{C}comp")] == ["VEVENT"]
    assert (personal.findtext(f"{CS}getctag") or "").startswith("http://sabre.io/ns/sync/")
    assert (personal.findtext(f"{D}sync-token") or "").startswith("http://sabre.io/ns/sync/")
    privileges = {p[0].tag for p in personal.iter(f"{D}privilege")}
    assert {f"{D}write-content", f"{D}bind", f"{D}read"} <= privileges
    assert listing[f"{HOME}outbox/"].find(f"{D}resourcetype/{C}schedule-outbox") is not None


async def test_mkcalendar_proppatch_and_delete(client: httpx2.AsyncClient) -> None:
    created = await client.request("MKCALENDAR", f"{HOME}work/", auth=ALICE)
    assert created.status_code == 201
    again = await client.request("MKCALENDAR", f"{HOME}work/", auth=ALICE)
    assert again.status_code == 405
    assert error(again)[1] == "The resource you tried to create already exists"
    comps = responses(
        await client.request(
            "PROPFIND",
            f"{HOME}work/",
            auth=ALICE,
            headers={"Depth": "0"},
            content=propfind("c:supported-calendar-component-set"),
        )
    )[f"{HOME}work/"]
    assert [c.get("name") for c in comps.iter(f"{C}comp")] == ["VEVENT", "VTODO"]  # CalDavBackend default

    patch = (
        '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:x1="http://apple.com/ns/ical/"><d:set><d:prop>'
        "<d:displayname>Work stuff</d:displayname><x1:calendar-color>#ff0000</x1:calendar-color>"
        "</d:prop></d:set></d:propertyupdate>"
    )
    assert (await client.request("PROPPATCH", f"{HOME}work/", auth=ALICE, content=patch)).status_code == 207
    props = responses(
        await client.request(
            "PROPFIND",
            f"{HOME}work/",
            auth=ALICE,
            headers={"Depth": "0"},
            content=propfind("d:displayname", "x1:calendar-color"),
        )
    )[f"{HOME}work/"]
    assert (props.findtext(f"{D}displayname"), props.findtext(f"{X1}calendar-color")) == ("Work stuff", "#ff0000")

    # a plain DELETE moves a calendar to the trash bin (test_caldav_trashbin.py); this header deletes it for good
    purge = {"X-NC-CalDAV-No-Trashbin": "1"}
    assert (await client.delete(f"{HOME}work/", auth=ALICE, headers=purge)).status_code == 204
    gone = await client.request("PROPFIND", f"{HOME}work/", auth=ALICE, headers={"Depth": "0"})
    assert gone.status_code == 404
    assert error(gone)[1] == "Node with name 'work' could not be found"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("contact_birthdays", "The resource you tried to create has a reserved name"),
        ("app-generated--deck--board-1", "The resource you tried to create has a reserved name"),
        ("trashbin", "The resource you tried to create already exists"),
        ("inbox", "The resource you tried to create already exists"),
        ("personal", "The resource you tried to create already exists"),
    ],
)
async def test_reserved_calendar_names_are_refused(client: httpx2.AsyncClient, name: str, message: str) -> None:
    response = await client.request("MKCALENDAR", f"{HOME}{name}/", auth=ALICE)
    assert response.status_code == 405
    assert error(response) == ("Sabre\\DAV\\Exception\\MethodNotAllowed", message)


# -- objects --------------------------------------------------------------------------------------------------


async def test_put_get_delete_with_preconditions(client: httpx2.AsyncClient) -> None:
    url = f"{PERSONAL}ev1.ics"
    body = event("ev1", "20240102T100000Z", "20240102T110000Z")
    created = await put_ics(client, url, body, {"If-None-Match": "*"})
    assert created.status_code == 201
    etag = created.headers["etag"]
    assert etag.startswith('"')

    clash = await put_ics(client, url, body, {"If-None-Match": "*"})
    assert clash.status_code == 412
    assert error(clash) == (
        "Sabre\\DAV\\Exception\\PreconditionFailed",
        "An If-None-Match header was specified, but the ETag matched (or * was specified).",
    )
    stale = await put_ics(client, url, body.replace("SUMMARY:ev1", "SUMMARY:new"), {"If-Match": '"stale"'})
    assert stale.status_code == 412
    assert "none of the specified ETags matched" in error(stale)[1]
    missing = await put_ics(
        client, f"{PERSONAL}nope.ics", event("nope", "20240102T100000Z", "20240102T110000Z"), {"If-Match": etag}
    )
    assert missing.status_code == 412
    assert error(missing)[1] == "An If-Match header was specified and the resource did not exist"

    updated = await put_ics(client, url, body.replace("SUMMARY:ev1", "SUMMARY:new"), {"If-Match": etag})
    assert updated.status_code == 204
    got = await client.get(url, auth=ALICE)
    assert got.status_code == 200
    assert "SUMMARY:new" in got.text
    assert got.headers["etag"] == updated.headers["etag"] != etag
    assert got.headers["content-type"].startswith("text/calendar")

    assert (await client.delete(url, auth=ALICE, headers={"If-Match": etag})).status_code == 412
    assert (await client.delete(url, auth=ALICE, headers={"If-Match": updated.headers["etag"]})).status_code == 204
    gone = await client.get(url, auth=ALICE)
    assert gone.status_code == 404
    assert error(gone)[1] == "Calendar object not found"
    assert error(await client.get(f"{HOME}nope/x.ics", auth=ALICE))[1] == "Node with name 'nope' could not be found"


async def test_calendar_query_expands_recurrences_and_honours_time_zones(client: httpx2.AsyncClient) -> None:
    berlin = (
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    zoned = ics(
        "zoned",
        "DTSTAMP:20231101T000000Z",
        "DTSTART;TZID=Europe/Berlin:20240110T100000",
        "DTEND;TZID=Europe/Berlin:20240110T110000",
        "SUMMARY:zoned",
        prelude=berlin,
    )
    await put_ics(client, f"{PERSONAL}zoned.ics", zoned)
    await put_ics(
        client,
        f"{PERSONAL}daily.ics",
        event("daily", "20240101T080000Z", "20240101T083000Z", "RRULE:FREQ=DAILY;COUNT=5"),
    )
    await put_ics(client, f"{PERSONAL}once.ics", event("once", "20240201T080000Z", "20240201T090000Z"))

    async def hits(start: str, end: str) -> set[str]:
        return set(responses(await report(client, PERSONAL, calendar_query(start, end))))

    # the 4th occurrence of the daily event, not the master on Jan 1st
    assert await hits("20240104T000000Z", "20240105T000000Z") == {f"{PERSONAL}daily.ics"}
    assert await hits("20240106T000000Z", "20240107T000000Z") == set()  # COUNT=5 ends on Jan 5th
    # 10:00 Berlin (UTC+1 in January) is 09:00Z: inside 08:30-09:30Z, outside 10:00-11:00Z
    assert await hits("20240110T083000Z", "20240110T093000Z") == {f"{PERSONAL}zoned.ics"}
    assert await hits("20240110T100000Z", "20240110T110000Z") == set()
    found = responses(await report(client, PERSONAL, calendar_query("20240201T000000Z", "20240202T000000Z")))
    assert "UID:once" in (found[f"{PERSONAL}once.ics"].findtext(f"{C}calendar-data") or "")


async def test_sync_collection_reports_changes_since_a_token(client: httpx2.AsyncClient) -> None:
    def sync(token: str) -> bytes:
        return (
            f'<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
            "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
        ).encode()

    await put_ics(client, f"{PERSONAL}a.ics", event("a", "20240102T100000Z", "20240102T110000Z"))
    await put_ics(client, f"{PERSONAL}b.ics", event("b", "20240102T100000Z", "20240102T110000Z"))
    first = await client.request("REPORT", PERSONAL, content=sync(""), auth=ALICE)
    assert first.status_code == 207
    token = xml(first).findtext(f"{D}sync-token") or ""
    assert {r.findtext(f"{D}href") for r in xml(first).iter(f"{D}response")} == {f"{PERSONAL}a.ics", f"{PERSONAL}b.ics"}

    await client.delete(f"{PERSONAL}a.ics", auth=ALICE)
    await put_ics(client, f"{PERSONAL}c.ics", event("c", "20240102T100000Z", "20240102T110000Z"))
    second = await client.request("REPORT", PERSONAL, content=sync(token), auth=ALICE)
    changes = {r.findtext(f"{D}href"): r for r in xml(second).iter(f"{D}response")}
    assert set(changes) == {f"{PERSONAL}a.ics", f"{PERSONAL}c.ics"}
    assert "404" in (changes[f"{PERSONAL}a.ics"].findtext(f"{D}status") or "")
    new_token = xml(second).findtext(f"{D}sync-token") or ""
    # Nextcloud's form: http://sabre.io/ns/sync/<n>, growing with changes
    assert token.startswith("http://sabre.io/ns/sync/")
    assert int(new_token.rsplit("/", 1)[1]) > int(token.rsplit("/", 1)[1])


# -- read-only calendars, isolation, auth, reset -------------------------------------------------------------------


async def test_read_only_calendars(client: httpx2.AsyncClient) -> None:
    seeded = await seed_calendars(
        client,
        "alice",
        {
            "uri": "holidays",
            "name": "Holidays",
            "read_only": True,
            "objects": [{"data": event("h1", "20240101T000000Z", "20240101T010000Z")}],
        },
        {
            "uri": "team_shared_by_b0b",
            "shared_by": "bob@corp",
            "objects": [{"name": "t1.ics", "data": event("t1", "20240101T000000Z", "20240101T010000Z")}],
        },
    )
    calendars = seeded["calendars"]
    assert isinstance(calendars, list)
    assert [c["read_only"] for c in calendars] == [True, True]
    listing = responses(
        await client.request(
            "PROPFIND",
            HOME,
            auth=ALICE,
            headers={"Depth": "1"},
            content=propfind("d:current-user-privilege-set", "d:owner", "oc:owner-principal"),
        )
    )
    holidays = {p[0].tag for p in listing[f"{HOME}holidays/"].iter(f"{D}privilege")}
    assert f"{D}read" in holidays
    assert not holidays & {f"{D}write", f"{D}write-content", f"{D}bind", f"{D}all"}
    assert hrefs_of(listing[f"{HOME}team_shared_by_b0b/"], f"{D}owner") == [f"{DAV}/principals/users/b0b/"]
    assert listing[f"{HOME}team_shared_by_b0b/"].findtext(f"{OC}owner-principal") == "principals/users/b0b"

    new = event("n", "20240101T000000Z", "20240101T010000Z")
    denied = await put_ics(client, f"{HOME}holidays/n.ics", new)
    assert (denied.status_code, error(denied)[1]) == (403, "Access denied")
    assert (await client.delete(f"{HOME}holidays/h1.ics", auth=ALICE)).status_code == 403
    shared_new = await put_ics(client, f"{HOME}team_shared_by_b0b/n.ics", new)
    assert (shared_new.status_code, error(shared_new)[1]) == (
        404,
        "Calendar with name 'team_shared_by_b0b' could not be found",
    )
    shared_old = await put_ics(client, f"{HOME}team_shared_by_b0b/t1.ics", new.replace("UID:n", "UID:t1"))
    assert shared_old.status_code == 403
    assert (await client.delete(f"{HOME}team_shared_by_b0b/t1.ics", auth=ALICE)).status_code == 404
    assert (await client.get(f"{HOME}team_shared_by_b0b/t1.ics", auth=ALICE)).status_code == 200
    # deleting the read-only calendar (unsubscribe) works; a new calendar of that name is writable
    assert (await client.delete(f"{HOME}holidays/", auth=ALICE)).status_code == 204
    assert (await client.request("MKCALENDAR", f"{HOME}holidays/", auth=ALICE)).status_code == 201
    assert (await put_ics(client, f"{HOME}holidays/n.ics", new)).status_code == 201


async def test_alice_and_bob_are_isolated(client: httpx2.AsyncClient) -> None:
    await put_ics(
        client, f"{BOB_HOME}personal/secret.ics", event("secret", "20240101T000000Z", "20240101T010000Z"), auth=BOB
    )
    cases = [
        ("PROPFIND", BOB_HOME, "Node with name 'b0b' could not be found"),
        ("PROPFIND", f"{BOB_HOME}personal/", "Calendar with name 'personal' could not be found"),
        ("GET", f"{BOB_HOME}personal/secret.ics", "Node with name 'secret.ics' could not be found"),
        ("PUT", f"{BOB_HOME}personal/x.ics", "Node with name 'x.ics' could not be found"),
        ("DELETE", f"{BOB_HOME}personal/secret.ics", "Node with name 'secret.ics' could not be found"),
        ("PROPFIND", f"{DAV}/calendars/nobody/", "Principal with name nobody not found"),
    ]
    for method, url, message in cases:
        response = await client.request(method, url, auth=ALICE, content=b"")
        assert response.status_code == 404, (method, url)
        assert error(response)[1] == message
    # a client-sent X-Remote-User header is not how the fake tells Radicale who is logged in
    sneaky = await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1", "X-Remote-User": "b0b"})
    assert f"{HOME}personal/" in responses(sneaky)
    assert (await client.get(f"{BOB_HOME}personal/secret.ics", auth=BOB)).status_code == 200


async def test_bearer_tokens_work_on_caldav(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    token = (await token_for(build_app(state), client, registered))["access_token"]
    response = await client.request("PROPFIND", HOME, headers={"Authorization": f"Bearer {token}", "Depth": "1"})
    assert f"{HOME}personal/" in responses(response)
    unauthenticated = await client.request("PROPFIND", HOME, headers={"Depth": "1"})
    assert unauthenticated.status_code == 401


async def test_reset_wipes_calendars(state: FakeState, client: httpx2.AsyncClient) -> None:
    await seed_calendars(
        client, "alice", {"uri": "work", "objects": [{"data": event("w", "20240101T000000Z", "20240101T010000Z")}]}
    )
    await client.post("/__testbed__/caldav", json={"omit_etag": True})
    folder = CalDavEngine.of(state).root
    assert (await client.get(f"{HOME}work/w.ics", auth=ALICE)).status_code == 200
    assert (await client.post("/__testbed__/reset")).status_code == 200
    gc.collect()
    assert not os.path.exists(folder)  # noqa: ASYNC240 - a quick local check
    listing = responses(await client.request("PROPFIND", HOME, auth=ALICE, headers={"Depth": "1"}))
    assert set(listing) == {HOME, PERSONAL, f"{HOME}inbox/", f"{HOME}outbox/", f"{HOME}trashbin/"}
    switches = (await client.post("/__testbed__/caldav", json={})).json()
    assert switches == {"omit_etag": False, "birthday_calendars": True, "system_addressbook": True}


async def test_files_search_on_the_root_still_works(client: httpx2.AsyncClient) -> None:
    body = (
        '<?xml version="1.0"?><d:searchrequest xmlns:d="DAV:"><d:basicsearch><d:select><d:prop><d:displayname/>'
        "</d:prop></d:select><d:from><d:scope><d:href>/files/alice</d:href><d:depth>infinity</d:depth></d:scope>"
        "</d:from><d:where><d:like><d:prop><d:displayname/></d:prop><d:literal>%</d:literal></d:like></d:where>"
        "</d:basicsearch></d:searchrequest>"
    )
    response = await client.request("SEARCH", f"{DAV}/", content=body, auth=ALICE, headers={"Content-Type": "text/xml"})
    assert response.status_code == 207


@pytest.mark.e2e
def test_the_fake_process_serves_caldav(tmp_path: Path) -> None:
    """``fake-nextcloud --port 0`` as a child process: discovery and a PUT/REPORT round trip over TCP."""
    argv = [sys.executable, "-m", "fake_nextcloud", "--port", "0", "--user", "bob@corp=b0b:bob-secret"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base_url = _wait_ready(proc)
        with httpx2.Client(base_url=base_url, trust_env=False, timeout=10, auth=BOB, cookies=no_cookies()) as http:
            assert http.get("/.well-known/caldav").headers["location"] == f"{base_url}/remote.php/dav/"
            root = http.request(
                "PROPFIND", f"{DAV}/", headers={"Depth": "0"}, content=propfind("d:current-user-principal")
            )
            assert hrefs_of(responses(root)[f"{DAV}/"], f"{D}current-user-principal") == [
                f"{DAV}/principals/users/b0b/"
            ]
            url = f"{BOB_HOME}personal/e.ics"
            put = http.put(url, content=event("e", "20240102T100000Z", "20240102T110000Z").encode())
            assert put.status_code == 201
            found = http.request(
                "REPORT",
                f"{BOB_HOME}personal/",
                headers={"Depth": "1"},
                content=calendar_query("20240102T000000Z", "20240103T000000Z"),
            )
            assert list(responses(found)) == [url]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        if proc.stderr is not None:
            proc.stderr.close()


def _wait_ready(proc: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """The base URL from the readiness line on stderr (``fake-nextcloud listening on http://…``)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stderr, selectors.EVENT_READ)
        while (remaining := deadline - time.monotonic()) > 0:
            if not selector.select(timeout=remaining):
                continue
            line = proc.stderr.readline()
            if not line:
                break
            if match := re.search(r"fake-nextcloud listening on (http://127\.0\.0\.1:\d+)", line):
                return match.group(1)
    raise AssertionError(f"fake-nextcloud did not become ready; exit={proc.poll()}")
