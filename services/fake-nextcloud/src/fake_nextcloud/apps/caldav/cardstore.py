"""Cards and calendar objects as Nextcloud stores them: the bytes of the PUT, not Radicale's re-serialisation.

apps/dav/lib/CardDAV/CardDavBackend.php::createCard/updateCard store ``$cardData`` as received (after Sabre's
validateVCard repairs) and Card::get answers it unchanged; apps/dav/lib/CalDAV/CalDavBackend.php::
createCalendarObject/updateCalendarObject store ``$calendarData`` the same way (after validateICalendar repairs and
the scheduling plugin's changes) and CalendarObject::get answers it. Radicale parses each object with Python
vobject and writes its own serialisation back: properties sorted, parameters reordered, line ends normalised, and
what vobject cannot read lost (a vCard 4.0 ``PHOTO:data:image/jpeg;base64,…`` keeps only ``data:image/jpeg\\;base64``,
a comma in a URL cuts it). The engine hands every request and answer to ``ObjectStore.observe``: a written object is
remembered as sent, and wherever Radicale answers an object (GET, HEAD's ``Content-Length``, ``address-data`` /
``calendar-data`` in REPORT and PROPFIND answers, ``getcontentlength``, which Radicale leaves out of REPORTs) the
stored bytes replace Radicale's.

- PROPFIND also answers the data property for objects, as sabre-io/dav lib/CardDAV/Plugin.php::propFindEarly
  (lines 154-166: "the address-data property is not supposed to be a 'real' property, but in large chunks of the
  spec it does act as such") and lib/CalDAV/Plugin.php::propFind (lines 389-400) do.
- ``calendar-data`` loses its carriage returns: CalDAV Plugin::propFind answers ``str_replace("\\r", '', $val)``
  ("Taking out \\r to not screw up the xml output"), and the REPORTs read the property through it
  (calendarQueryReport, calendarMultiGetReport, Sync\\Plugin::sendSyncCollectionResponse). A REPORT with
  ``cal:expand`` keeps Radicale's expanded form (Sabre serialises the expanded VObject instead).
- ``address-data`` keeps them (``xml_bytes`` writes them as ``&#13;``, as libxml2 does).

Filters of ``addressbook-query`` and ``calendar-query`` still run on Radicale's parsed copy.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from fake_nextcloud.apps.caldav.ns import CAL, CARD, DAV
from fake_nextcloud.apps.dav.xmlio import parse_body

__all__ = ["CAL_MOUNT", "MOUNT", "ObjectStore", "calendar_store", "card_store", "move_to_ok", "propstats", "xml_bytes"]

MOUNT = "/remote.php/dav/addressbooks/users"  # engine.SCRIPT_NAMES["addressbooks"]
CAL_MOUNT = "/remote.php/dav/calendars"  # engine.SCRIPT_NAMES["calendars"]
_LENGTH = f"{{{DAV}}}getcontentlength"
_EXPAND = f"{{{CAL}}}expand"


@dataclass
class ObjectStore:
    """Stored object bytes by path below ``mount`` (``/alice/contacts/x.vcf``, decoded); ``data`` is the
    property carrying an object's text in multistatus answers, ``strip_cr`` whether that text loses its CRs."""

    mount: str
    data: str
    strip_cr: bool = False
    objects: dict[str, bytes] = field(default_factory=dict)
    #: the row id of each object (``cards.id`` / ``calendarobjects.id``): given on creation, kept on update; a MOVE
    #: is a copy and a delete for address books (no IMoveTarget), so the moved object gets a new one
    ids: dict[str, int] = field(default_factory=dict)
    last_id: int = 0

    def get(self, path: str) -> bytes | None:
        return self.objects.get(unquote(path))

    def id_of(self, path: str) -> int | None:
        return self.ids.get(unquote(path))

    def _store(self, key: str, data: bytes) -> None:
        if key not in self.objects:
            self.last_id += 1
            self.ids[key] = self.last_id
        self.objects[key] = data

    def collection(self, path: str) -> dict[str, bytes]:
        """The stored objects directly in the collection ``path`` (``/alice/contacts/``), name -> bytes, in the
        order they were first written."""
        prefix = unquote(path).rstrip("/") + "/"
        return {
            k[len(prefix) :]: v for k, v in self.objects.items() if k.startswith(prefix) and "/" not in k[len(prefix) :]
        }

    def observe(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        status: int,
        answer: bytes,
        answer_headers: MutableMapping[str, str] | None = None,
    ) -> bytes:
        """Record a successful write; return Radicale's answer ``answer`` with the stored objects in it."""
        key = unquote(path)
        if method == "PUT" and status in (200, 201, 204):
            self._store(key, body)
        elif method == "DELETE" and 200 <= status < 300:
            for name in [k for k in self.objects if k == key or (key.endswith("/") and k.startswith(key))]:
                del self.objects[name]
                self.ids.pop(name, None)
        elif method == "MOVE" and status in (201, 204):
            target = next((v for k, v in headers.items() if k.lower() == "destination"), "")
            destination = unquote(urlsplit(target).path)
            if destination.startswith(self.mount + "/") and key in self.objects:
                self.ids.pop(key, None)
                self._store(destination[len(self.mount) :], self.objects.pop(key))
        elif method == "GET" and status == 200 and key in self.objects:
            return self.objects[key]
        elif method == "HEAD" and status == 200 and key in self.objects and answer_headers is not None:
            for name in [k for k in answer_headers if k.lower() == "content-length"]:
                answer_headers[name] = str(len(self.objects[key]))
        elif status == 207 and method in ("PROPFIND", "REPORT") and answer:
            if method == "REPORT" and _expands(body):
                return answer
            return self._multistatus(answer, propfind=method == "PROPFIND")
        return answer

    def _text(self, stored: bytes) -> str:
        text = stored.decode("utf-8", "replace")
        return text.replace("\r", "") if self.strip_cr else text

    def _multistatus(self, answer: bytes, *, propfind: bool) -> bytes:
        root = ET.fromstring(answer)  # noqa: S314 - produced by the in-process Radicale
        changed = False
        for response in root.iter(f"{{{DAV}}}response"):
            href = unquote(urlsplit(response.findtext(f"{{{DAV}}}href") or "").path)
            stored = self.objects.get(href[len(self.mount) :]) if href.startswith(self.mount + "/") else None
            if stored is None:
                continue
            ok, missing = propstats(response)
            for element in ok.iter() if ok is not None else ():
                if element.tag == self.data:
                    element.text, changed = self._text(stored), True
                elif element.tag == _LENGTH:
                    element.text, changed = str(len(stored)), True
            asked = missing.find(self.data) if missing is not None else None
            if propfind and asked is not None and missing is not None:
                move_to_ok(response, ok, missing, asked).text = self._text(stored)
                ok, missing, changed = *propstats(response), True
            length = missing.find(_LENGTH) if missing is not None else None
            if length is not None and missing is not None:  # Card::getSize / CalendarObject::getSize
                move_to_ok(response, ok, missing, length).text = str(len(stored))
                changed = True
        return xml_bytes(root) if changed else answer


def card_store() -> ObjectStore:
    """The store of vCards (``address-data`` keeps its CRLF)."""
    return ObjectStore(MOUNT, f"{{{CARD}}}address-data")


def calendar_store() -> ObjectStore:
    """The store of calendar objects (``calendar-data`` without CRs, as Sabre answers it)."""
    return ObjectStore(CAL_MOUNT, f"{{{CAL}}}calendar-data", strip_cr=True)


def _expands(body: bytes) -> bool:
    """Whether a REPORT body asks for ``cal:expand`` (parsed with defusedxml: the body is the client's)."""
    root = parse_body(body) if b"expand" in body else None
    return root is not None and root.find(f".//{_EXPAND}") is not None


def xml_bytes(root: ET.Element) -> bytes:
    """The document as Sabre's XMLWriter writes text: libxml2 (xmlEncodeSpecialChars) writes a carriage return as
    ``&#13;``, so the CRLF line ends of a card survive the client's XML parser (ElementTree writes a raw CR, which
    XML end-of-line handling turns into LF)."""
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialized.replace(b"\r", b"&#13;")


def propstats(response: ET.Element) -> tuple[ET.Element | None, ET.Element | None]:
    """The ``d:prop`` of the 200 propstat and of the 404 propstat of one response."""
    ok = missing = None
    for propstat in response.findall(f"{{{DAV}}}propstat"):
        status = propstat.findtext(f"{{{DAV}}}status") or ""
        if " 200 " in status:
            ok = propstat.find(f"{{{DAV}}}prop")
        elif " 404 " in status:
            missing = propstat.find(f"{{{DAV}}}prop")
    return ok, missing


def move_to_ok(response: ET.Element, ok: ET.Element | None, missing: ET.Element, element: ET.Element) -> ET.Element:
    """Move ``element`` from the 404 propstat into the 200 one (made when there is none); drop an empty 404."""
    missing.remove(element)
    if ok is None:
        propstat = ET.Element(f"{{{DAV}}}propstat")
        ok = ET.SubElement(propstat, f"{{{DAV}}}prop")
        ET.SubElement(propstat, f"{{{DAV}}}status").text = "HTTP/1.1 200 OK"
        response.insert(1, propstat)
    ok.append(element)
    if not len(missing):
        for propstat in response.findall(f"{{{DAV}}}propstat"):
            if propstat.find(f"{{{DAV}}}prop") is missing:
                response.remove(propstat)
    return element
