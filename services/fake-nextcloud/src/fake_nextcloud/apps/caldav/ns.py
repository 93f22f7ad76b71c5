"""XML namespaces of CalDAV/CardDAV with the prefixes Sabre uses (apps/dav/lib/Server.php, sabre-io/dav
lib/CalDAV/Plugin.php, lib/CardDAV/Plugin.php), and the ElementTree prefix registration."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from fake_nextcloud.apps.dav.xmlio import DAV, NC, OC, SABRE

__all__ = ["APPLE", "CAL", "CARD", "CS", "DAV", "NC", "NCAL", "OC", "SABRE", "register_prefixes"]

CAL = "urn:ietf:params:xml:ns:caldav"
CARD = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
#: apps/dav/lib/DAV/Sharing/Plugin.php NS_NEXTCLOUD (trash bin, deleted calendars); Sabre numbers unknown
#: namespaces x1, x2, ... per document, here fixed to x2.
NCAL = "http://nextcloud.com/ns"
_PREFIXES = {DAV: "d", OC: "oc", NC: "nc", SABRE: "s", CAL: "cal", CARD: "card", CS: "cs", APPLE: "x1", NCAL: "x2"}


def register_prefixes() -> None:
    """Importing Radicale registers ``""`` as the global ElementTree prefix of ``DAV:`` (radicale/xmlutils.py);
    this puts Sabre's prefixes back so every DAV answer of the fake keeps ``d:``, ``cal:``, ..."""
    for uri, prefix in _PREFIXES.items():
        ET.register_namespace(prefix, uri)
