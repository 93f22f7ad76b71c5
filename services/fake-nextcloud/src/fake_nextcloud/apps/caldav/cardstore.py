"""Cards as Nextcloud stores them: the bytes of the PUT, not Radicale's re-serialisation.

apps/dav/lib/CardDAV/CardDavBackend.php::createCard/updateCard store ``$cardData`` as received (after Sabre's
validateVCard repairs) and Card::get answers it unchanged. Radicale parses each card with Python vobject and writes
its own serialisation back: properties sorted, parameters reordered, and what vobject cannot read lost (a vCard 4.0
``PHOTO:data:image/jpeg;base64,…`` keeps only ``data:image/jpeg\\;base64``, a comma in a URL cuts it). The engine
hands every address-book request and answer to ``CardStore.observe``: a written card is remembered as sent, and
wherever Radicale answers a card (GET, ``address-data`` in REPORT and PROPFIND answers, ``getcontentlength``) the
stored bytes replace Radicale's. PROPFIND also answers ``card:address-data`` for cards, as sabre-io/dav
lib/CardDAV/Plugin.php::propFindEarly does (lines 154-166: "the address-data property is not supposed to be a
'real' property, but in large chunks of the spec it does act as such"), with the stored, unconverted text. Filters
of ``addressbook-query`` still run on Radicale's parsed copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from fake_nextcloud.apps.caldav.ns import CARD, DAV

__all__ = ["CardStore", "xml_bytes"]

MOUNT = "/remote.php/dav/addressbooks/users"  # engine.SCRIPT_NAMES["addressbooks"]
_DATA = f"{{{CARD}}}address-data"
_LENGTH = f"{{{DAV}}}getcontentlength"


@dataclass
class CardStore:
    """Stored card bytes by path below the address-book mount (``/alice/contacts/x.vcf``, decoded)."""

    cards: dict[str, bytes] = field(default_factory=dict)

    def get(self, path: str) -> bytes | None:
        return self.cards.get(unquote(path))

    def observe(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, status: int, answer: bytes
    ) -> bytes:
        """Record a successful write; return Radicale's answer ``answer`` with the stored cards in it."""
        key = unquote(path)
        if method == "PUT" and status in (200, 201, 204):
            self.cards[key] = body
        elif method == "DELETE" and 200 <= status < 300:
            for name in [k for k in self.cards if k == key or (key.endswith("/") and k.startswith(key))]:
                del self.cards[name]
        elif method == "MOVE" and status in (201, 204):
            target = next((v for k, v in headers.items() if k.lower() == "destination"), "")
            destination = unquote(urlsplit(target).path)
            if destination.startswith(MOUNT + "/") and key in self.cards:
                self.cards[destination[len(MOUNT) :]] = self.cards.pop(key)
        elif method == "GET" and status == 200 and key in self.cards:
            return self.cards[key]
        elif status == 207 and method in ("PROPFIND", "REPORT") and answer:
            return self._multistatus(answer, propfind=method == "PROPFIND")
        return answer

    def _multistatus(self, answer: bytes, *, propfind: bool) -> bytes:
        root = ET.fromstring(answer)  # noqa: S314 - produced by the in-process Radicale
        changed = False
        for response in root.iter(f"{{{DAV}}}response"):
            href = unquote(urlsplit(response.findtext(f"{{{DAV}}}href") or "").path)
            stored = self.cards.get(href[len(MOUNT) :]) if href.startswith(MOUNT + "/") else None
            if stored is None:
                continue
            ok, missing = _propstats(response)
            for element in ok.iter() if ok is not None else ():
                if element.tag == _DATA:
                    element.text, changed = stored.decode("utf-8", "replace"), True
                elif element.tag == _LENGTH:
                    element.text, changed = str(len(stored)), True
            asked = missing.find(_DATA) if missing is not None else None
            if propfind and asked is not None and missing is not None:
                _move_to_ok(response, ok, missing, asked).text = stored.decode("utf-8", "replace")
                changed = True
        return xml_bytes(root) if changed else answer


def xml_bytes(root: ET.Element) -> bytes:
    """The document as Sabre's XMLWriter writes text: libxml2 (xmlEncodeSpecialChars) writes a carriage return as
    ``&#13;``, so the CRLF line ends of a card survive the client's XML parser (ElementTree writes a raw CR, which
    XML end-of-line handling turns into LF)."""
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialized.replace(b"\r", b"&#13;")


def _propstats(response: ET.Element) -> tuple[ET.Element | None, ET.Element | None]:
    """The ``d:prop`` of the 200 propstat and of the 404 propstat of one response."""
    ok = missing = None
    for propstat in response.findall(f"{{{DAV}}}propstat"):
        status = propstat.findtext(f"{{{DAV}}}status") or ""
        if " 200 " in status:
            ok = propstat.find(f"{{{DAV}}}prop")
        elif " 404 " in status:
            missing = propstat.find(f"{{{DAV}}}prop")
    return ok, missing


def _move_to_ok(response: ET.Element, ok: ET.Element | None, missing: ET.Element, element: ET.Element) -> ET.Element:
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
