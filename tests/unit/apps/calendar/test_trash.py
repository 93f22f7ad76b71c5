"""The calendar trash bin client over a mock Nextcloud (installed under /nc): what it lists, and the MOVE/DELETE
it sends (nextcloud/server apps/dav/lib/CalDAV/Trashbin, the Calendar app's cdav-library CalendarTrashBin)."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.apps.calendar.trash import TrashClient
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio

ROOT = "/nc/remote.php/dav"
HOME = f"{ROOT}/calendars/u1/"
NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:x2="http://nextcloud.com/ns"'
CAL = "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"
TODO = (
    "BEGIN:VCALENDAR&#13;\nVERSION:2.0&#13;\nBEGIN:VTODO&#13;\nUID:t-1&#13;\nSUMMARY:Taxes&#13;\n"
    "DUE;VALUE=DATE:20260430&#13;\nEND:VTODO&#13;\nEND:VCALENDAR&#13;\n"
)


def _ms(*responses: str) -> httpx2.Response:
    body = f'<?xml version="1.0"?><d:multistatus {NS}>{"".join(responses)}</d:multistatus>'
    return httpx2.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})


def _resp(href: str, props: str) -> str:
    ok = "<d:status>HTTP/1.1 200 OK</d:status>"
    return f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>{ok}</d:propstat></d:response>"


def _home(trash: bool = True) -> httpx2.Response:
    entries = [
        _resp(HOME, "<d:resourcetype><d:collection/></d:resourcetype>"),
        _resp(f"{HOME}personal/", CAL + "<d:displayname>Personal</d:displayname>"),
        # as Nextcloud sends it: no cal:calendar, the deletion time as ATOM (Calendar::__construct)
        _resp(
            f"{HOME}work/",
            "<d:resourcetype><d:collection/><x2:deleted-calendar/></d:resourcetype>"
            "<d:displayname>Work</d:displayname><x2:deleted-at>2026-03-01T10:00:00+00:00</x2:deleted-at>",
        ),
        # defensive: a calendar that still says cal:calendar but carries a deletion time is in the trash too
        _resp(f"{HOME}old/", CAL + "<d:displayname>Old</d:displayname><x2:deleted-at>1767225600</x2:deleted-at>"),
        _resp(f"{HOME}outbox/", "<d:resourcetype><d:collection/><c:schedule-outbox/></d:resourcetype>"),
    ]
    if trash:
        entries.append(
            _resp(
                f"{HOME}trashbin/",
                "<d:resourcetype><d:collection/><x2:trash-bin/></d:resourcetype>"
                "<x2:trash-bin-retention-duration>86400</x2:trash-bin-retention-duration>",
            )
        )
    return _ms(*entries)


def _client(
    make_settings: Callable[..., Settings], handler: Callable[[httpx2.Request], httpx2.Response]
) -> TrashClient:
    settings = make_settings(nextcloud_host="https://cloud.example/nc")
    http = NextcloudHTTP(settings, transport=httpx2.MockTransport(handler))
    return TrashClient(CalendarClient(http, httpx2.BasicAuth("u1", "pw"), f"k-trash-{id(handler)}"))


def _server(sent: list[httpx2.Request], *, trash: bool = True) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        path = request.url.path
        if request.method == "PROPFIND" and path == f"{ROOT}/":
            principal = (
                f"<d:current-user-principal><d:href>{ROOT}/principals/users/u1/</d:href></d:current-user-principal>"
            )
            return _ms(_resp(f"{ROOT}/", principal))
        if request.method == "PROPFIND" and path == f"{ROOT}/principals/users/u1/":
            return _ms(_resp(path, f"<c:calendar-home-set><d:href>{HOME}</d:href></c:calendar-home-set>"))
        if request.method == "PROPFIND" and path == HOME:
            return _home(trash)
        if request.method == "REPORT" and path == f"{HOME}trashbin/objects/":
            props = (
                f'<d:getetag>"e1"</d:getetag><c:calendar-data>{TODO}</c:calendar-data>'
                "<x2:calendar-uri>tasks</x2:calendar-uri><x2:deleted-at>2026-03-02T08:00:00+00:00</x2:deleted-at>"
            )
            return _ms(_resp(f"{HOME}trashbin/objects/42.ics", props))
        if request.method in ("MOVE", "DELETE"):
            return httpx2.Response(201 if request.method == "MOVE" else 204)
        raise AssertionError(f"unexpected {request.method} {path}")

    return handler


async def test_entries_list_deleted_calendars_and_objects(make_settings: Callable[..., Settings]) -> None:
    sent: list[httpx2.Request] = []
    client = _client(make_settings, _server(sent))
    entries = [e.item() for e in await client.entries()]
    assert entries == [
        {
            "name": "42.ics",
            "kind": "task",
            "calendar": "tasks",
            "title": "Taxes",
            "uid": "t-1",
            "start": None,
            "due": "2026-04-30",
            "deleted": "2026-03-02T08:00:00+00:00",
            "expires": "2026-03-03T08:00:00+00:00",
        },
        {
            "name": "work",
            "kind": "calendar",
            "calendar": "work",
            "title": "Work",
            "uid": None,
            "start": None,
            "due": None,
            "deleted": "2026-03-01T10:00:00+00:00",
            "expires": "2026-03-02T10:00:00+00:00",
        },
        {
            "name": "old",
            "kind": "calendar",
            "calendar": "old",
            "title": "Old",
            "uid": None,
            "start": None,
            "due": None,
            "deleted": "2026-01-01T00:00:00+00:00",
            "expires": "2026-01-02T00:00:00+00:00",
        },
    ]
    report = next(r for r in sent if r.method == "REPORT")
    assert report.headers["Depth"] == "1" and b"calendar-uri" in report.content and b"deleted-at" in report.content


async def test_calendars_never_include_the_trash(make_settings: Callable[..., Settings]) -> None:
    """Deleted calendars (typed nx:deleted-calendar, or carrying nx:deleted-at) and the trash bin are no calendars
    for nc_calendar_list_calendars nor task lists."""
    client = _client(make_settings, _server([]))
    calendar = client.calendar
    assert [c.name for c in await calendar.calendars()] == ["personal"]
    with pytest.raises(errors.NotFound, match="no calendar 'work'"):
        await calendar.calendar("work")


async def test_restore_and_purge_send_what_nextcloud_expects(make_settings: Callable[..., Settings]) -> None:
    sent: list[httpx2.Request] = []
    client = _client(make_settings, _server(sent))
    task, calendar = await client.find("t-1"), await client.find("WORK")
    await client.restore(task)
    await client.restore(calendar)
    await client.purge(task)
    await client.purge(calendar)
    moves = [r for r in sent if r.method == "MOVE"]
    assert [m.url.path for m in moves] == [f"{HOME}trashbin/objects/42.ics", f"{HOME}work/"]
    assert [m.headers["Destination"] for m in moves] == [
        f"https://cloud.example{HOME}trashbin/restore/42.ics",
        f"https://cloud.example{HOME}trashbin/restore/work",
    ]
    deletes = [r for r in sent if r.method == "DELETE"]
    assert [d.url.path for d in deletes] == [f"{HOME}trashbin/objects/42.ics", f"{HOME}work/"]
    assert "x-nc-caldav-no-trashbin" not in deletes[0].headers
    assert deletes[1].headers["X-NC-CalDAV-No-Trashbin"] == "1"  # else the calendar is only marked again


async def test_no_trash_bin_before_nextcloud_22(make_settings: Callable[..., Settings]) -> None:
    client = _client(make_settings, _server([], trash=False))
    with pytest.raises(errors.NotFound, match="Nextcloud 22"):
        await client.entries()
