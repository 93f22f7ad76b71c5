"""Object-level DAV requests of the calendar and tasks clients that keep Nextcloud's own error message.

Sabre answers a refused request with an XML body whose `s:message` says why (sabre-io/dav lib/DAV/Server.php
`exec` → `Exception::serialize`: `<d:error><s:exception/><s:message/></d:error>`), e.g. "Calendar object with
uid already exists in this calendar collection." (nextcloud/server apps/dav/lib/CalDAV/CalDavBackend.php
`createCalendarObject`). The status→error mapping stays `core.http.raise_for_status`; this module only adds
that message to the error it raises.
"""

from __future__ import annotations

import re
from typing import NoReturn

import httpx2

from nextcloud_mcp.core.caldav import CAL
from nextcloud_mcp.core.dav import D, parse_xml
from nextcloud_mcp.core.errors import NextcloudError, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP, raise_for_status

__all__ = [
    "ObjectDav",
    "failed_props",
    "raise_with_message",
    "response_etag",
    "sabre_message",
    "schedule_response",
    "uids_of",
]

SABRE = "http://sabredav.org/ns"
#: 4xx answers read here (for their message) rather than raised by NextcloudHTTP.
_READ = (400, 403, 404, 405, 409, 412, 415, 422)


def sabre_message(body: bytes) -> str | None:
    """The `s:message` of a Sabre error body, or None."""
    if b"sabredav.org" not in body[:2000]:
        return None
    try:
        tree = parse_xml(body, "an error answer")
    except ProtocolError:
        return None
    message = (tree.findtext(f"{{{SABRE}}}message") or "").strip()
    return message or None


def raise_with_message(response: httpx2.Response, hint: str = "") -> NoReturn:
    """Raise the error core maps `response` to, with Nextcloud's own message and `hint` (what to do) added."""
    message = sabre_message(response.content)
    try:
        raise_for_status(response)
    except NextcloudError as exc:
        text = exc.message if message is None else f"Nextcloud refused it: {message.rstrip('.')}."
        if hint:
            text = f"{text} {hint}"
        raise type(exc)(text, method=exc.method, path=exc.path, status=exc.status) from None
    raise ProtocolError(f"Nextcloud answered HTTP {response.status_code}.")  # pragma: no cover (not an error)


def _etag(response: httpx2.Response) -> str | None:
    value = response.headers.get("ETag")
    return value.strip().removeprefix("W/").strip('"') if value else None


def _quoted(etag: str) -> str:
    return f'"{etag.strip(chr(34))}"'


class ObjectDav:
    """GET/PUT/DELETE of calendar objects and collection writes, over the caller's credentials."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (),
        hint: str = "",
    ) -> httpx2.Response:
        """One request; statuses in `ok` are returned, other errors raised with Nextcloud's message and `hint`."""
        response = await self._http.request(
            method, path, auth=self._auth, content=content, headers=headers, ok=_READ + ok
        )
        if response.status_code >= 400 and response.status_code not in ok:
            raise_with_message(response, hint)
        return response

    async def get(self, path: str) -> tuple[bytes, str | None] | None:
        """The object's body and etag, or None when it does not exist."""
        response = await self.send("GET", path, headers={"Accept": "*/*"}, ok=(404,))
        if response.status_code == 404:
            return None
        return response.content, _etag(response)

    async def put(self, path: str, data: bytes, *, etag: str | None, create: bool, hint: str) -> httpx2.Response:
        """PUT with `If-None-Match: *` (create) or `If-Match` (replace); a 412 is returned to the caller."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = _quoted(etag)
        return await self.send("PUT", path, content=data, headers=headers, ok=(412,), hint=hint)

    async def delete(self, path: str, *, etag: str | None, hint: str) -> httpx2.Response:
        """DELETE, with `If-Match` when an etag is given; a 412 is returned to the caller."""
        headers = {"If-Match": _quoted(etag)} if etag else None
        return await self.send("DELETE", path, headers=headers, ok=(412,), hint=hint)


def response_etag(response: httpx2.Response) -> str | None:
    """The ETag header of a write, unquoted (None when Nextcloud left it out, RFC 4791 §5.3.4)."""
    return _etag(response)


def uids_of(data: bytes) -> set[str]:
    """The UID values of an iCalendar text (lines unfolded), without parsing it."""
    text = re.sub(r"\r?\n[ \t]", "", data.decode("utf-8", "replace"))
    return {
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line[:4].upper() in ("UID:", "UID;") and ":" in line
    }


def failed_props(body: bytes) -> list[str]:
    if not body.strip():
        return []
    tree = parse_xml(body, "a PROPPATCH answer")
    failed = []
    for propstat in tree.iter(f"{{{D}}}propstat"):
        if " 200 " not in (propstat.findtext(f"{{{D}}}status") or "") + " ":
            failed += [child.tag.rsplit("}", 1)[-1] for child in propstat.find(f"{{{D}}}prop") or []]
    return failed


def schedule_response(body: bytes) -> list[tuple[str, str, str | None]]:
    tree = parse_xml(body, "a scheduling answer")
    out = []
    for resp in tree.iter(f"{{{CAL}}}response"):
        recipient = resp.find(f"{{{CAL}}}recipient")
        who = (recipient.findtext(f"{{{D}}}href") or recipient.text or "") if recipient is not None else ""
        out.append(
            (who.strip(), resp.findtext(f"{{{CAL}}}request-status") or "", resp.findtext(f"{{{CAL}}}calendar-data"))
        )
    return out
