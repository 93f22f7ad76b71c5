"""DAV hrefs on installs under a sub-path: they carry the web root, requests are relative to the base URL."""

from __future__ import annotations

import httpx2
import pytest

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.caldav import DavClient, parse_props, request_path, web_root
from nextcloud_mcp.core.dav import parse_multistatus, relative_path
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("base", "root"),
    [
        ("https://cloud.example.com", ""),
        ("https://cloud.example.com/", ""),
        ("https://host/nextcloud", "/nextcloud"),
        ("https://host/nextcloud/", "/nextcloud"),
        ("https://host/a/next%20cloud", "/a/next cloud"),
    ],
)
def test_web_root_is_the_base_url_path(base: str, root: str) -> None:
    assert web_root(base) == root


@pytest.mark.parametrize(
    ("href", "root", "path"),
    [
        ("/remote.php/dav/principals/users/alice/", "", "/remote.php/dav/principals/users/alice/"),
        ("/nextcloud/remote.php/dav/principals/users/alice/", "/nextcloud", "/remote.php/dav/principals/users/alice/"),
        ("https://host/nextcloud/remote.php/dav/calendars/a%20b/", "/nextcloud", "/remote.php/dav/calendars/a b/"),
        # a proxy that strips the prefix without overwritewebroot: Nextcloud's hrefs lack it, keep them as they are
        ("/remote.php/dav/calendars/alice/", "/nextcloud", "/remote.php/dav/calendars/alice/"),
        # only a whole leading segment is the web root
        ("/nextcloudx/remote.php/dav/", "/nextcloud", "/nextcloudx/remote.php/dav/"),
        ("/nextcloud", "/nextcloud", "/"),
    ],
)
def test_request_path_drops_the_web_root_once(href: str, root: str, path: str) -> None:
    assert request_path(href, root) == path


def test_parse_props_gives_paths_relative_to_the_base_url() -> None:
    body = (
        b'<d:multistatus xmlns:d="DAV:"><d:response><d:href>/nextcloud/remote.php/dav/calendars/alice/work/</d:href>'
        b"<d:propstat><d:prop><d:displayname>Work</d:displayname></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
        b"</d:propstat></d:response></d:multistatus>"
    )
    [entry] = parse_props(body, "/nextcloud")
    assert entry.href == "/remote.php/dav/calendars/alice/work/" and entry.name == "work"
    assert parse_props(body)[0].href == "/nextcloud/remote.php/dav/calendars/alice/work/"


@pytest.mark.parametrize(
    ("decoded", "rel"),
    [
        ("/remote.php/dav/files/alice/Docs/a.md", "Docs/a.md"),
        ("/nextcloud/remote.php/dav/files/alice/Docs/a.md", "Docs/a.md"),
        ("/a/b/remote.php/dav/files/alice/", ""),
        ("/nextcloud/remote.php/dav/files/alice/x/remote.php/dav/files/alice/y", "x/remote.php/dav/files/alice/y"),
        ("/elsewhere/file", "/elsewhere/file"),
    ],
)
def test_relative_path_cuts_after_the_web_root(decoded: str, rel: str) -> None:
    assert relative_path(decoded, "/remote.php/dav/files/alice/") == rel


def test_parse_multistatus_entries_under_a_web_root() -> None:
    body = (
        b'<d:multistatus xmlns:d="DAV:"><d:response><d:href>/nextcloud/remote.php/dav/files/alice/a%20b.md</d:href>'
        b"<d:propstat><d:prop><d:getetag>&quot;e1&quot;</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
        b"</d:propstat></d:response></d:multistatus>"
    )
    [entry] = parse_multistatus(body, "/remote.php/dav/files/alice/")
    assert entry.path == "a b.md" and entry.etag == "e1"


async def test_discovery_requests_are_relative_to_a_base_url_with_a_web_root() -> None:
    """The principal and homes Nextcloud names are requested once under the web root, not twice."""
    seen: list[str] = []
    principal = b"/nextcloud/remote.php/dav/principals/users/alice/"

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        if request.url.path == "/nextcloud/remote.php/dav/":
            prop = b"<d:current-user-principal><d:href>" + principal + b"</d:href></d:current-user-principal>"
        elif request.url.path == principal.decode():
            prop = (
                b"<c:calendar-home-set><d:href>/nextcloud/remote.php/dav/calendars/alice/</d:href>"
                b"</c:calendar-home-set><c:schedule-outbox-URL><d:href>/nextcloud/remote.php/dav/calendars/alice/"
                b"outbox/</d:href></c:schedule-outbox-URL>"
            )
        else:
            return httpx2.Response(404)
        body = (
            b'<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>'
            + request.url.path.encode()
            + b"</d:href><d:propstat><d:prop>"
            + prop
            + b"</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
        )
        return httpx2.Response(207, content=body)

    settings = Settings(nextcloud_host="https://host/nextcloud", nextcloud_username="u", nextcloud_password="p")  # type: ignore[arg-type]
    http = NextcloudHTTP(settings, transport=httpx2.MockTransport(answer))
    try:
        homes = await DavClient(http, httpx2.BasicAuth("u", "p"), "unit-webroot-discovery").homes()
    finally:
        await http.aclose()
    assert homes.principal == "/remote.php/dav/principals/users/alice/"
    assert homes.calendar_home == "/remote.php/dav/calendars/alice/"
    assert homes.outbox == "/remote.php/dav/calendars/alice/outbox/"
    assert seen == ["/nextcloud/remote.php/dav/", "/nextcloud/remote.php/dav/principals/users/alice/"]
