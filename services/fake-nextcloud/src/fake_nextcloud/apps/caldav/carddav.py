"""Sabre's CardDAV plugin around Radicale's answers: every card is answered in the negotiated vCard version.

sabre-io/dav lib/CardDAV/Plugin.php (4e433ee9):

- ``httpAfterGet`` (lines 708-725): a GET (and a HEAD, which CorePlugin::httpHead runs as a GET sub-request, so
  ``afterMethod:GET`` fires) of a card is converted for the ``Accept`` header: vCard 3.0 unless it asks for
  ``text/vcard; version=4.0`` or ``application/vcard+json``; ``Content-Type`` is the negotiated type with
  ``; charset=utf-8`` and ``Content-Length`` the converted length (the ETag stays the stored card's).
- ``addressbookMultiGetReport`` (210-243) and ``addressbookQueryReport`` (384-457): each ``address-data`` is converted
  for the report's ``card:address-data`` attributes (``content-type`` default ``text/vcard``, ``version`` default
  ``3.0``: lib/CardDAV/Xml/Filter/AddressData.php), joined as ``<content-type>; version=<version>`` and negotiated
  like an Accept header; the query also keeps only the ``card:prop`` names listed there (the multiget ignores them).
  Both answer ``Vary: Brief,Prefer``.
- PROPFIND and ``sync-collection`` (DAV/Sync/Plugin) answer ``address-data`` as stored, without conversion
  (propFindEarly returns ``$node->get()``).

A stored card that cannot be parsed or converted is an uncaught VObject exception: 500.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from starlette.requests import Request

from fake_nextcloud.apps.caldav.cardstore import xml_bytes
from fake_nextcloud.apps.caldav.engine import CalDavEngine, EngineResponse
from fake_nextcloud.apps.caldav.ns import CARD, DAV
from fake_nextcloud.apps.caldav.vcardconvert import ConversionError, convert_vcard, negotiate_vcard
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import parse_body

__all__ = ["answer"]

_REPORTS = (f"{{{CARD}}}addressbook-query", f"{{{CARD}}}addressbook-multiget")
_DATA = f"{{{CARD}}}address-data"


def answer(engine: CalDavEngine, request: Request, path: str, body: bytes, result: EngineResponse) -> EngineResponse:
    """Radicale's ``result`` for ``request`` (``path`` below the address-book mount, ``body`` the request body)
    as Sabre's CardDAV plugin answers it."""
    try:
        if request.method in ("GET", "HEAD") and result.status == 200 and not path.endswith("/"):
            return _get(engine, request, path, result)
        if request.method == "REPORT" and result.status == 207:
            return _report(body, result)
    except ConversionError as exc:
        error = DavError(500, "ServiceUnavailable", exc.message)
        error.exception = exc.exception  # a PHP class outside Sabre\DAV\Exception (Server::exec: get_class)
        raise error from None
    return result


def _get(engine: CalDavEngine, request: Request, path: str, result: EngineResponse) -> EngineResponse:
    content_type = next((v for k, v in result.headers.items() if k.lower() == "content-type"), "")
    if "text/vcard" not in content_type:
        return result
    stored = result.body if request.method == "GET" else engine.cards.get(path) or b""
    target, mime = negotiate_vcard(request.headers.get("accept"))
    converted = convert_vcard(stored.decode("utf-8", "replace"), target).encode()
    headers = {k: v for k, v in result.headers.items() if k.lower() not in ("content-type", "content-length")}
    headers |= {"Content-Type": f"{mime}; charset=utf-8", "Content-Length": str(len(converted))}
    return EngineResponse(result.status, headers, converted if request.method == "GET" else b"")


def _report(body: bytes, result: EngineResponse) -> EngineResponse:
    """The address-data of an addressbook-query/-multiget answer in the version its request negotiates."""
    request = parse_body(body)
    if request is None or request.tag not in _REPORTS:
        return result
    element = request.find(f"{{{DAV}}}prop/{_DATA}")
    accept = None
    names: list[str] = []
    if element is not None:
        accept = f"{element.get('content-type') or 'text/vcard'}; version={element.get('version') or '3.0'}"
        if request.tag == _REPORTS[0]:
            names = [p.get("name", "") for p in element.findall(f"{{{CARD}}}prop") if p.get("name") is not None]
    target, _ = negotiate_vcard(accept)
    root = ET.fromstring(result.body)  # noqa: S314 - produced by the in-process Radicale
    for propstat in root.iter(f"{{{DAV}}}propstat"):
        if " 200 " not in (propstat.findtext(f"{{{DAV}}}status") or ""):
            continue
        for data in propstat.iter(_DATA):
            data.text = convert_vcard(data.text or "", target, names or None)
    return EngineResponse(result.status, result.headers | {"Vary": "Brief,Prefer"}, xml_bytes(root))
