"""DAV primitives and the calendar client over a mock transport: discovery, conditional writes, parsing."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.apps.calendar.events import EventOps
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio
NS = (
    'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" '
    'xmlns:cs="http://calendarserver.org/ns/"'
)
PRINCIPAL = "/remote.php/dav/principals/users/u-4711/"
HOME = "/remote.php/dav/calendars/u-4711/"


def _ms(*responses: str) -> httpx2.Response:
    body = f'<?xml version="1.0"?><d:multistatus {NS}>{"".join(responses)}</d:multistatus>'
    return httpx2.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})


def _resp(href: str, props: str) -> str:
    ok = "<d:status>HTTP/1.1 200 OK</d:status>"
    return f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>{ok}</d:propstat></d:response>"


def _discovery(request: httpx2.Request, tz: str = "") -> httpx2.Response | None:
    if request.method == "PROPFIND" and request.url.path == "/remote.php/dav/":
        return _ms(
            _resp(
                "/remote.php/dav/", f"<d:current-user-principal><d:href>{PRINCIPAL}</d:href></d:current-user-principal>"
            )
        )
    if request.method == "PROPFIND" and request.url.path == PRINCIPAL:
        props = (
            f"<c:calendar-home-set><d:href>{HOME}</d:href></c:calendar-home-set>"
            f"<c:schedule-outbox-URL><d:href>{HOME}outbox/</d:href></c:schedule-outbox-URL>"
            "<c:calendar-user-address-set><d:href>mailto:l@x.org</d:href></c:calendar-user-address-set>"
            + (
                f"<c:calendar-timezone>BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:{tz}\nEND:VTIMEZONE\nEND:VCALENDAR</c:calendar-timezone>"
                if tz
                else ""
            )
        )
        return _ms(_resp(PRINCIPAL, props))
    return None


CAL_TYPE = "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"


def _listing(request: httpx2.Request, *calendars: tuple[str, str]) -> httpx2.Response | None:
    """The calendar home listing (`(name, display name)` pairs; default: personal) for a Depth 1 PROPFIND."""
    if request.method != "PROPFIND" or request.url.path != HOME:
        return None
    entries = [
        _resp(f"{HOME}{name}/", CAL_TYPE + f"<d:displayname>{shown}</d:displayname><cs:getctag>{name}-1</cs:getctag>")
        for name, shown in calendars or (("personal", "Personal"),)
    ]
    return _ms(_resp(HOME, "<d:resourcetype><d:collection/></d:resourcetype>"), *entries)


def _client(
    make_settings: Callable[..., Settings], handler: Callable[[httpx2.Request], httpx2.Response], key: str
) -> CalendarClient:
    http = NextcloudHTTP(make_settings(), transport=httpx2.MockTransport(handler))
    return CalendarClient(http, httpx2.BasicAuth("ldap.login", "pw"), key)


async def test_discovery_uses_the_principal_not_the_login(make_settings: Callable[..., Settings]) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(f"{request.method} {request.url.path}")
        found = _discovery(request, tz="Europe/Vienna")
        assert found is not None, request.url.path
        return found

    client = _client(make_settings, handler, "k-discovery")
    homes = await client.dav.homes()
    assert homes.calendar_home == HOME and homes.outbox == f"{HOME}outbox/" and homes.addresses == ("mailto:l@x.org",)
    assert (await client.user_zone(None)).name == "Europe/Vienna"
    await client.dav.homes()
    assert seen == ["PROPFIND /remote.php/dav/", f"PROPFIND {PRINCIPAL}"]  # cached per user
    assert "ldap.login" not in " ".join(seen)


async def test_calendars_read_only_colour_and_skip_non_calendars(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request)
        if found:
            return found
        writable = (
            "<d:current-user-privilege-set><d:privilege><d:read/></d:privilege>"
            "<d:privilege><d:write/></d:privilege></d:current-user-privilege-set>"
        )
        read = "<d:current-user-privilege-set><d:privilege><d:read/></d:privilege></d:current-user-privilege-set>"
        cal = "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"
        return _ms(
            _resp(HOME, "<d:resourcetype><d:collection/></d:resourcetype>"),
            _resp(
                HOME + "personal/",
                cal
                + writable
                + '<x:calendar-color xmlns:x="http://apple.com/ns/ical/">#0082C9FF</x:calendar-color>'
                + '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>',
            ),
            _resp(HOME + "shared_by_bob/", cal + read),
            _resp(HOME + "outbox/", "<d:resourcetype><d:collection/><c:schedule-outbox/></d:resourcetype>"),
        )

    client = _client(make_settings, handler, "k-list")
    infos = {c.name: c for c in await client.calendars()}
    assert set(infos) == {"personal", "shared_by_bob"}
    assert infos["personal"].color == "#0082C9" and infos["personal"].components == ["VEVENT"]
    assert infos["shared_by_bob"].read_only and not infos["personal"].read_only
    with pytest.raises(errors.Forbidden, match="read-only"):
        await client.calendar("shared_by_bob", writable=True)


async def test_put_without_etag_is_re_read_and_412_is_a_conflict(make_settings: Callable[..., Settings]) -> None:
    puts: list[dict[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request)
        if found:
            return found
        if request.method == "PUT":
            puts.append(dict(request.headers))
            return httpx2.Response(412 if "if-match" in request.headers else 201)
        if request.method == "PROPFIND":
            return _ms(_resp(request.url.path, '<d:getetag>"abc"</d:getetag>'))
        raise AssertionError(request.method)

    client = _client(make_settings, handler, "k-put")
    assert await client.put_object("personal", "a.ics", b"x", create=True) == "abc"
    assert puts[0]["if-none-match"] == "*"
    with pytest.raises(errors.Conflict, match="nothing was written"):
        await client.put_object("personal", "a.ics", b"x", etag="old")
    assert puts[1]["if-match"] == '"old"'


async def test_broken_calendar_object_is_a_clear_error(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request) or _listing(request)
        if found:
            return found
        return httpx2.Response(
            200, content=b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:x\r\n", headers={"ETag": '"e"'}
        )

    client = _client(make_settings, handler, "k-broken")
    with pytest.raises(errors.ProtocolError, match="not valid iCalendar"):
        await EventOps(client).get("personal", "bad.ics")


async def test_object_names_cannot_traverse(make_settings: Callable[..., Settings]) -> None:
    client = _client(make_settings, lambda r: _discovery(r) or httpx2.Response(500), "k-names")
    for bad in ("../x", "a/b", ".."):
        with pytest.raises(errors.NextcloudMCPError, match="not a valid name"):
            await client.object_path("personal", bad)


async def test_garbage_xml_is_a_protocol_error(make_settings: Callable[..., Settings]) -> None:
    client = _client(make_settings, lambda r: httpx2.Response(207, content=b"<not xml"), "k-garbage")
    with pytest.raises(errors.ProtocolError, match="cannot be parsed"):
        await client.dav.homes()


async def test_zone_falls_back_to_the_inbox_availability(make_settings: Callable[..., Settings]) -> None:
    availability = (
        "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Europe/Paris\nEND:VTIMEZONE\n"
        "BEGIN:VAVAILABILITY\nEND:VAVAILABILITY\nEND:VCALENDAR"
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "PROPFIND" and request.url.path == PRINCIPAL:
            props = (
                f"<c:calendar-home-set><d:href>{HOME}</d:href></c:calendar-home-set>"
                f"<c:schedule-inbox-URL><d:href>{HOME}inbox/</d:href></c:schedule-inbox-URL>"
            )
            return _ms(_resp(PRINCIPAL, props))
        if request.url.path == f"{HOME}inbox/":
            return _ms(_resp(request.url.path, f"<c:calendar-availability>{availability}</c:calendar-availability>"))
        found = _discovery(request)
        assert found is not None, request.url.path
        return found

    zone = await _client(make_settings, handler, "k-availability").user_zone("America/Chicago")
    assert (zone.name, zone.source) == ("Europe/Paris", "calendar")


async def test_zone_falls_back_to_the_setting_then_utc(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request)
        if found:
            return found
        return _ms(_resp(HOME + "personal/", "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"))

    client = _client(make_settings, handler, "k-setting")
    assert (await client.user_zone("America/Chicago")).source == "setting"
    assert (await client.user_zone(None)) == type(await client.user_zone(None))("UTC", "utc")


async def test_lost_race_names_what_changed_and_writes_nothing(make_settings: Callable[..., Settings]) -> None:
    from nextcloud_mcp.apps.calendar.ical import EventFields
    from nextcloud_mcp.apps.calendar.ical_time import UserZone

    def ics(summary: str) -> bytes:
        return (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260504T140000Z\r\n"
            f"DTEND:20260504T150000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).encode()

    gets = 0
    puts: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal gets
        found = _discovery(request)
        if found:
            return found
        if request.method == "PROPFIND":  # the calendar list
            cal = "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"
            return _ms(_resp(HOME + "personal/", cal))
        if request.method == "GET":
            gets += 1  # first read: the version we edit; second: someone else's newer version
            return httpx2.Response(
                200, content=ics("Budget" if gets == 1 else "Budget (moved)"), headers={"ETag": f'"e{gets}"'}
            )
        puts.append(request.headers["if-match"])
        return httpx2.Response(412)

    client = _client(make_settings, handler, "k-race")
    with pytest.raises(errors.Conflict) as caught:
        await EventOps(client).update(
            "personal",
            "u.ics",
            lambda zone: EventFields(location="Room 2"),
            etag=None,
            scope="all",
            recurrence_id=None,
            user_zone=UserZone("UTC", "utc"),
        )
    message = str(caught.value)
    assert puts == ['"e1"']  # one conditional write, never retried with the new etag
    assert "etag e2" in message and "Changed fields: title" in message and "Nothing was overwritten" in message
    assert "nc_calendar_get_event" in message


async def test_calendar_by_display_name_any_case_and_unknown_names_listed(
    make_settings: Callable[..., Settings],
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request) or _listing(request, ("personal", "Personal"), ("work", "Team Work"))
        assert found is not None, request.url.path
        return found

    client = _client(make_settings, handler, "k-resolve")
    assert (await client.calendar("Personal")).name == "personal"
    assert (await client.calendar("team work")).name == "work"
    assert (await client.calendar("WORK")).name == "work"
    with pytest.raises(errors.NotFound) as caught:
        await client.calendar("Holidays")
    message = str(caught.value)
    assert "personal (Personal), work (Team Work)" in message and "nc_calendar_list_calendars" in message
    with pytest.raises(errors.NotFound, match="nc_tasks_list_tasklists"):
        await client.calendar("Holidays", component="VTODO")


async def test_same_display_name_twice_is_refused_with_the_names(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request) or _listing(request, ("a", "Family"), ("b", "family"))
        assert found is not None
        return found

    with pytest.raises(errors.InvalidInput, match=r"\(a, b\)"):
        await _client(make_settings, handler, "k-twice").calendar("FAMILY")


def _ics(uid: str, summary: str = "x") -> str:
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20260504T140000Z\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


async def test_an_event_is_found_by_its_uid_with_a_calendar_query(make_settings: Callable[..., Settings]) -> None:
    reports: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request) or _listing(request)
        if found:
            return found
        assert request.method == "REPORT", request.method  # no GET of "<uid>" as a file name
        reports.append(request.content.decode())
        data = '<c:calendar-data>{}</c:calendar-data><d:getetag>"{}"</d:getetag>'
        return _ms(  # text-match is a substring match: the server may send more than the one asked for
            _resp(f"{HOME}personal/x.ics", data.format(_ics("abc-123-long"), "e1")),
            _resp(f"{HOME}personal/y.ics", data.format(_ics("abc-123", "Wanted"), "e2")),
        )

    event = await EventOps(_client(make_settings, handler, "k-uid")).get("Personal", "abc-123")
    assert (event.event_id, event.etag, event.title, event.calendar) == ("y.ics", "e2", "Wanted", "personal")
    assert '<c:prop-filter name="UID"><c:text-match collation="i;octet">abc-123</c:text-match>' in reports[0]


async def test_an_unknown_event_names_the_list_tool(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request) or _listing(request)
        if found:
            return found
        if request.method == "GET":
            return httpx2.Response(404)
        return _ms()

    with pytest.raises(errors.NotFound, match=r"file name and as UID.*nc_calendar_list_events"):
        await EventOps(_client(make_settings, handler, "k-missing")).get("personal", "gone.ics")


async def test_nextclouds_own_message_is_kept(make_settings: Callable[..., Settings]) -> None:
    sabre = (
        '<?xml version="1.0"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        "<s:exception>Sabre\\DAV\\Exception\\BadRequest</s:exception>"
        "<s:message>Calendar object with uid already exists in this calendar collection.</s:message></d:error>"
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request)
        if found:
            return found
        return httpx2.Response(400, content=sabre.encode(), headers={"Content-Type": "application/xml"})

    with pytest.raises(errors.BadRequest, match="uid already exists in this calendar collection"):
        await _client(make_settings, handler, "k-sabre").put_object("personal", "a.ics", b"x", create=True)


async def test_calendar_update_checks_the_ctag_before_any_write(make_settings: Callable[..., Settings]) -> None:
    sent: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        found = _discovery(request) or _listing(request)
        if found:
            return found
        sent.append(request.method)
        return _ms(_resp(f"{HOME}personal/", "<d:displayname>P</d:displayname>"))

    client = _client(make_settings, handler, "k-ctag")
    with pytest.raises(errors.Conflict, match=r"etag is now personal-1.*nc_calendar_list_calendars"):
        await client.update_calendar("personal", "New", None, "stale")
    assert sent == []
    await client.update_calendar("Personal", "New", None, "personal-1")
    assert sent == ["PROPPATCH"]
