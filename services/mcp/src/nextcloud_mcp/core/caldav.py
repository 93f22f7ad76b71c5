"""Shared CalDAV/CardDAV primitives: home discovery, multistatus parsing, conditional PUT, DELETE, REPORT.

Discovery is the standard one (RFC 5397, RFC 4791 §6.2.1, RFC 6352 §7.1.1, RFC 6638 §2): `PROPFIND
/remote.php/dav/` for `current-user-principal`, then the principal for `calendar-home-set`,
`addressbook-home-set`, `schedule-outbox-URL` and `calendar-user-address-set`. Nothing is derived from the
login name, so LDAP users whose login differs from their user id work (nextcloud/server
apps/dav/lib/Connector/Sabre/Principal.php). Homes are cached per session key (bounded LRU).
XML goes through defusedxml only; a missing `ETag` on a write is re-read (RFC 4791 §5.3.4).

Hrefs carry Nextcloud's web root: on an install under a sub-path (`NEXTCLOUD_HOST=https://host/nextcloud`)
Sabre writes `/nextcloud/remote.php/dav/principals/users/alice/` (its base URI is `OC::$WEBROOT .
'/remote.php/dav/'`, nextcloud/server remote.php; sabre-io/dav lib/DAV/Xml/Element/Response.php), while requests
are relative to the base URL, which already ends in the web root. `request_path` turns an href into such a
relative path; every path this module hands out (`DavHomes`, `DavResponse.href`) is one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element

import httpx2

from nextcloud_mcp.core.dav import NC, OC, D, ok_props, parse_xml
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP

__all__ = [
    "CAL",
    "CARD",
    "CS",
    "ICAL",
    "NCAL",
    "NSDECL",
    "DavClient",
    "DavHomes",
    "DavResponse",
    "check_name",
    "parse_props",
    "request_path",
    "web_root",
]

CAL, CARD = "urn:ietf:params:xml:ns:caldav", "urn:ietf:params:xml:ns:carddav"
CS, ICAL = "http://calendarserver.org/ns/", "http://apple.com/ns/ical/"
#: Nextcloud's CalDAV namespace (apps/dav/lib/DAV/Sharing/Plugin.php NS_NEXTCLOUD: trash bin, deleted calendars),
#: not the files namespace `NC` (http://nextcloud.org/ns).
NCAL = "http://nextcloud.com/ns"
NSDECL = (
    f'xmlns:d="{D}" xmlns:c="{CAL}" xmlns:card="{CARD}" xmlns:cs="{CS}" xmlns:x1="{ICAL}" '
    f'xmlns:oc="{OC}" xmlns:nc="{NC}" xmlns:nx="{NCAL}"'
)
_XML = {"Content-Type": "application/xml; charset=utf-8"}
_DAV_ROOT = "/remote.php/dav/"


@dataclass
class DavResponse:
    """One `d:response`: its decoded path (relative to the base URL) and the properties that came back with 200."""

    href: str
    props: dict[str, Element] = field(default_factory=dict)
    status: str = ""

    def text(self, tag: str) -> str | None:
        el = self.props.get(tag)
        return el.text if el is not None and el.text is not None else None

    @property
    def etag(self) -> str | None:
        value = self.text(f"{{{D}}}getetag")
        return value.strip().removeprefix("W/").strip('"') if value else None

    @property
    def name(self) -> str:
        return self.href.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DavHomes:
    """What discovery found for one user."""

    principal: str
    calendar_home: str | None
    addressbook_home: str | None
    outbox: str | None
    addresses: tuple[str, ...]  # calendar-user-address-set (mailto:…, principal URLs)
    timezone: str | None  # principal's calendar-timezone, else the inbox's calendar-availability zone
    default_calendar: str | None = None  # schedule-default-calendar-URL's last segment


class _HomesCache:
    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._data: OrderedDict[str, DavHomes] = OrderedDict()

    def get(self, key: str) -> DavHomes | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: str, homes: DavHomes) -> None:
        self._data[key] = homes
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)


_HOMES = _HomesCache()


def web_root(base_url: str) -> str:
    """The path of the Nextcloud base URL, decoded, without a trailing slash: `/nextcloud` for
    `https://host/nextcloud`, `""` for an install at the host root."""
    return unquote(urlsplit(base_url).path).rstrip("/")


def request_path(href: str, root: str = "") -> str:
    """An href from Nextcloud (a path or an absolute URL, percent-encoded) as a decoded path relative to the base
    URL whose path is `root` (`web_root`): a leading web root is removed, since the base URL carries it already.
    An href without it (a proxy that strips the prefix but Nextcloud has no `overwritewebroot`) is kept as is."""
    path = unquote(urlsplit(href).path)
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root) :] or "/"
    return path


def parse_props(body: bytes, root: str = "") -> list[DavResponse]:
    """Parse a 207 multistatus into responses (properties with non-200 propstat are left out); hrefs become
    paths relative to the base URL whose path is `root`."""
    return [
        DavResponse(
            request_path(resp.findtext(f"{{{D}}}href") or "", root),
            ok_props(resp),
            resp.findtext(f"{{{D}}}status") or "",
        )
        for resp in parse_xml(body, "DAV XML").findall(f"{{{D}}}response")
    ]


def _first_href(entry: DavResponse, tag: str, root: str) -> str | None:
    el = entry.props.get(tag)
    href = el.findtext(f"{{{D}}}href") if el is not None else None
    return request_path(href.strip(), root) if href else None


def check_name(name: str, what: str) -> str:
    """A collection or object name from the caller: one path segment, no traversal."""
    if not name or "/" in name or "\\" in name or name in (".", "..") or len(name) > 255:
        raise InvalidInput(f"{what} {name!r} is not a valid name (one segment, no '/').")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput(f"{what} {name!r} contains a control character.")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        raise InvalidInput(f"{what} {name!r} contains invalid Unicode (an unpaired surrogate).")
    return name


class DavClient:
    """Low-level DAV requests for one user (credentials in `auth`), paths relative to the Nextcloud base URL."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str) -> None:
        self._http = http
        self._auth = auth
        self._key = key
        self._root = web_root(http.base_url)

    @property
    def base_url(self) -> str:
        """The Nextcloud base URL without a trailing slash (absolute `Destination` headers start with it)."""
        return str(self._http.base_url).rstrip("/")

    async def homes(self) -> DavHomes:
        """Discover (once per user) the principal and homes."""
        cached = _HOMES.get(self._key)
        if cached is not None:
            return cached
        root = await self.propfind(_DAV_ROOT, "<d:current-user-principal/>", depth=0)
        principal = _first_href(root[0], f"{{{D}}}current-user-principal", self._root) if root else None
        if not principal:
            raise ProtocolError("Nextcloud did not name the current user's DAV principal.", path=_DAV_ROOT)
        props = (
            "<c:calendar-home-set/><card:addressbook-home-set/><c:schedule-outbox-URL/>"
            "<c:calendar-user-address-set/><c:calendar-timezone/><c:schedule-inbox-URL/>"
            "<c:schedule-default-calendar-URL/>"
        )
        entries = await self.propfind(quote(principal), props, depth=0)
        if not entries:
            raise ProtocolError("Nextcloud sent no properties for the DAV principal.", path=principal)
        entry = entries[0]
        addr_el = entry.props.get(f"{{{CAL}}}calendar-user-address-set")
        addresses = tuple(
            (h.text or "").strip() for h in (addr_el.findall(f"{{{D}}}href") if addr_el is not None else [])
        )
        homes = DavHomes(
            principal=principal,
            calendar_home=_first_href(entry, f"{{{CAL}}}calendar-home-set", self._root),
            addressbook_home=_first_href(entry, f"{{{CARD}}}addressbook-home-set", self._root),
            outbox=_first_href(entry, f"{{{CAL}}}schedule-outbox-URL", self._root),
            addresses=addresses,
            timezone=_tzid(entry.text(f"{{{CAL}}}calendar-timezone"))
            or await self._availability_zone(_first_href(entry, f"{{{CAL}}}schedule-inbox-URL", self._root)),
            default_calendar=(_first_href(entry, f"{{{CAL}}}schedule-default-calendar-URL", self._root) or "")
            .rstrip("/")
            .rsplit("/", 1)[-1]
            or None,
        )
        _HOMES.put(self._key, homes)
        return homes

    async def _availability_zone(self, inbox: str | None) -> str | None:
        """The zone of the user's working hours (`calendar-availability` on the inbox), which Nextcloud's
        TimezoneService::getUserTimezone consults after the user's core `timezone` setting (that setting has
        no API). nextcloud/server apps/dav/lib/CalDAV/TimezoneService.php."""
        if not inbox:
            return None
        try:
            found = await self.propfind(quote(inbox), "<c:calendar-availability/>", depth=0)
        except NextcloudError:
            return None
        return _tzid(found[0].text(f"{{{CAL}}}calendar-availability")) if found else None

    async def propfind(self, path: str, props: str, *, depth: int = 1) -> list[DavResponse]:
        body = f'<?xml version="1.0" encoding="UTF-8"?><d:propfind {NSDECL}><d:prop>{props}</d:prop></d:propfind>'
        response = await self._http.request(
            "PROPFIND", path, auth=self._auth, content=body, headers={**_XML, "Depth": str(depth)}
        )
        return parse_props(response.content, self._root)

    async def report(self, path: str, body: str, *, depth: int = 1) -> list[DavResponse]:
        response = await self._http.request(
            "REPORT", path, auth=self._auth, content=body, headers={**_XML, "Depth": str(depth)}
        )
        return parse_props(response.content, self._root)

    async def send(self, method: str, path: str, body: str, *, ok: tuple[int, ...] = ()) -> httpx2.Response:
        """MKCOL / MKCALENDAR / PROPPATCH / POST with an XML body."""
        return await self._http.request(method, path, auth=self._auth, content=body, headers=_XML, ok=ok)

    async def get(self, path: str) -> tuple[bytes, str | None]:
        response = await self._http.request("GET", path, auth=self._auth, headers={"Accept": "*/*"})
        return response.content, _etag(response)

    async def put(
        self, path: str, data: bytes, content_type: str, *, etag: str | None = None, create: bool = False
    ) -> str:
        """PUT with `If-None-Match: *` (create) or `If-Match` (update); returns the new etag.

        412 becomes a `Conflict` (the caller explains what changed); a missing ETag header is re-read.
        """
        headers = {"Content-Type": f"{content_type}; charset=utf-8"}
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = f'"{etag.strip(chr(34))}"'
        response = await self._http.request("PUT", path, auth=self._auth, content=data, headers=headers, ok=(412,))
        if response.status_code == 412:
            what = "already exists" if create else "changed on the server since it was read"
            raise Conflict(f"The item {what}; nothing was written.", method="PUT", path=path, status=412)
        new = _etag(response)
        if new is None:
            found = await self.propfind(path, "<d:getetag/>", depth=0)
            new = found[0].etag if found else None
        if new is None:
            raise ProtocolError("Nextcloud stored the item but reported no etag for it.", method="PUT", path=path)
        return new

    async def delete(self, path: str, *, etag: str | None = None) -> None:
        headers = {"If-Match": f'"{etag.strip(chr(34))}"'} if etag else None
        response = await self._http.request("DELETE", path, auth=self._auth, headers=headers, ok=(412,))
        if response.status_code == 412:
            raise Conflict(
                "The item changed on the server since it was read; nothing was deleted.",
                method="DELETE",
                path=path,
                status=412,
            )

    async def post_calendar(self, path: str, data: bytes) -> bytes:
        """POST an iTIP request (RFC 6638 scheduling outbox) and return the schedule-response body."""
        response = await self._http.request(
            "POST",
            path,
            auth=self._auth,
            content=data,
            headers={"Content-Type": "text/calendar; charset=utf-8; method=REQUEST"},
        )
        return response.content


def _etag(response: httpx2.Response) -> str | None:
    value = response.headers.get("ETag")
    return value.strip().removeprefix("W/").strip('"') if value else None


def _tzid(vtimezone: str | None) -> str | None:
    if not vtimezone:
        return None
    for line in vtimezone.splitlines():
        if line.upper().startswith("TZID:"):
            return line[5:].strip() or None
    return None


def require(value: str | None, what: str) -> str:
    """A discovered home, or a clear error when Nextcloud does not offer it to this user."""
    if not value:
        raise NotFound(f"Nextcloud offers no {what} for this user (is the DAV app enabled?).")
    return value
