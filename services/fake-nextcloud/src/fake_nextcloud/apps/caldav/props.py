"""Nextcloud's principal properties, privilege sets, and the rewrite of Radicale's multistatus answers into
Nextcloud's layout (principals under ``/remote.php/dav/principals/users/{uid}/``, separate homes)."""

from __future__ import annotations

import copy
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree as ET

from fake_nextcloud.apps.caldav.ns import CAL, CARD, CS, DAV, SABRE
from fake_nextcloud.apps.caldav.ownership import Owner, Owners
from fake_nextcloud.apps.caldav.synctoken import SyncTokens
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import PropValue, in_context, parse_body, q
from fake_nextcloud.core.state import User
from fake_nextcloud.core.urls import webroot

__all__ = [
    "addressbook_home",
    "calendar_home",
    "content_type",
    "encode_path",
    "home_extras",
    "hrefs",
    "multiget_below_webroot",
    "principal_collection_set",
    "principal_href",
    "principal_props",
    "privilege_set",
    "rewrite_multistatus",
]

DAV_ROOT = "/remote.php/dav"
PRINCIPALS = f"{DAV_ROOT}/principals/users/"


def encode_path(path: str) -> str:
    """sabre-io/http ``encodePath``: everything but ``A-Za-z0-9_-.~()/:@`` percent-encoded."""
    return quote(path, safe="/:@()~")


def principal_href(uid: str) -> str:
    return f"{PRINCIPALS}{encode_path(uid)}/"


def calendar_home(uid: str) -> str:
    return f"{DAV_ROOT}/calendars/{encode_path(uid)}/"


def addressbook_home(uid: str) -> str:
    return f"{DAV_ROOT}/addressbooks/users/{encode_path(uid)}/"


def hrefs(tag: str, *urls: str) -> ET.Element:
    element = ET.Element(tag)
    for url in urls:
        ET.SubElement(element, q(DAV, "href")).text = url
    return element


def resourcetype(*kinds: str) -> ET.Element:
    element = ET.Element(q(DAV, "resourcetype"))
    for kind in kinds:
        ET.SubElement(element, kind)
    return element


def principal_collection_set() -> ET.Element:
    """apps/dav/lib/Server.php: ``$acl->principalCollectionSet``."""
    sets = ("users", "groups", "calendar-resources", "calendar-rooms")
    return hrefs(q(DAV, "principal-collection-set"), *(f"{DAV_ROOT}/principals/{name}/" for name in sets))


def principal_props(user: User, current: User) -> dict[str, PropValue]:
    """A principal (apps/dav/lib/Connector/Sabre/Principal.php; sabre-io/dav lib/DAVACL/Plugin.php::propFind,
    lib/CalDAV/Plugin.php::propFind, lib/CalDAV/Schedule/Plugin.php::propFind, lib/CardDAV/Plugin.php)."""
    principal = principal_href(user.uid)
    mailto = [f"mailto:{user.email}"] if user.email else []
    props: dict[str, PropValue] = {
        q(DAV, "resourcetype"): resourcetype(q(DAV, "principal")),
        q(DAV, "displayname"): user.display_name,
        q(DAV, "principal-URL"): hrefs(q(DAV, "principal-URL"), principal),
        q(DAV, "current-user-principal"): hrefs(q(DAV, "current-user-principal"), principal_href(current.uid)),
        q(DAV, "principal-collection-set"): principal_collection_set(),
        q(DAV, "alternate-URI-set"): hrefs(q(DAV, "alternate-URI-set"), *mailto),
        q(CAL, "calendar-home-set"): hrefs(q(CAL, "calendar-home-set"), calendar_home(user.uid)),
        q(CARD, "addressbook-home-set"): hrefs(q(CARD, "addressbook-home-set"), addressbook_home(user.uid)),
        # CalDAV Plugin: getAlternateUriSet() (mailto:) then the principal URL with a trailing slash
        q(CAL, "calendar-user-address-set"): hrefs(q(CAL, "calendar-user-address-set"), *mailto, principal),
        q(CAL, "calendar-user-type"): "INDIVIDUAL",
        q(CAL, "schedule-inbox-URL"): hrefs(q(CAL, "schedule-inbox-URL"), f"{calendar_home(user.uid)}inbox/"),
        q(CAL, "schedule-outbox-URL"): hrefs(q(CAL, "schedule-outbox-URL"), f"{calendar_home(user.uid)}outbox/"),
        # apps/dav/lib/CalDAV/Schedule/Plugin.php::propFindDefaultCalendarUrl: the personal calendar
        q(CAL, "schedule-default-calendar-URL"): hrefs(
            q(CAL, "schedule-default-calendar-URL"), f"{calendar_home(user.uid)}personal/"
        ),
    }
    if user.email:
        props[q(SABRE, "email-address")] = user.email
    return props


#: Properties whose hrefs point at the principal or the homes: Radicale's values are replaced by Nextcloud's.
_PRINCIPAL_REFS = {
    q(DAV, "principal-URL"),
    q(DAV, "current-user-principal"),
    q(DAV, "principal-collection-set"),
    q(CAL, "calendar-home-set"),
    q(CARD, "addressbook-home-set"),
    q(CAL, "calendar-user-address-set"),
}

_FULL = [
    q(DAV, "all"),
    q(DAV, "read"),
    q(DAV, "read-acl"),
    q(DAV, "read-current-user-privilege-set"),
    q(CAL, "read-free-busy"),
    q(DAV, "write"),
    q(DAV, "write-acl"),
    q(DAV, "write-properties"),
    q(DAV, "write-content"),
    q(DAV, "bind"),
    q(DAV, "unbind"),
    q(DAV, "unlock"),
]
_READ = [q(DAV, "read"), q(DAV, "read-acl"), q(DAV, "read-current-user-privilege-set"), q(CAL, "read-free-busy")]


def privilege_set(read_only: bool, *, calendar: bool = True, write_properties: bool = False) -> ET.Element:
    """``d:current-user-privilege-set`` as sabre-io/dav lib/DAVACL/Plugin.php flattens it: everything for the
    owner, the read privileges only on a read-only calendar; ``cal:read-free-busy`` only in calendar homes
    (sabre-io/dav lib/CalDAV/Plugin.php::getSupportedPrivilegeSet). ``write_properties``: the ACL also grants
    ``{DAV:}write-properties`` (apps/dav/lib/CalDAV/Calendar.php::getACL, for the birthday calendar and calendars
    shared read-only); getCurrentUserPrivilegeSet pops the ACL entries last first, so it comes before read."""
    element = ET.Element(q(DAV, "current-user-privilege-set"))
    names = ([q(DAV, "write-properties")] if write_properties else []) + _READ if read_only else _FULL
    for name in names:
        if calendar or name != q(CAL, "read-free-busy"):
            ET.SubElement(ET.SubElement(element, q(DAV, "privilege")), name)
    return element


def content_type(radicale: str) -> str:
    """An object's content type as Nextcloud writes it: apps/dav/lib/CalDAV/CalendarObject.php::getContentType
    (``text/calendar; charset=utf-8; component=vevent``) and sabre-io/dav lib/CardDAV/Card.php::getContentType
    (``text/vcard; charset=utf-8``); Radicale writes ``text/calendar;charset=utf-8;component=VEVENT``."""
    parts = [p.strip() for p in radicale.split(";") if p.strip()]
    return "; ".join(p.lower() if p.lower().startswith("component=") else p for p in parts)


def rewrite_multistatus(
    body: bytes,
    user: User,
    home: str,
    read_only: dict[str, str | None],
    tokens: SyncTokens,
    *,
    extra: list[ET.Element] | None = None,
    owners: Owners | None = None,
    allprop: bool = False,
) -> bytes:
    """Radicale's multistatus with Nextcloud's principal hrefs, without Radicale's own properties, with the
    home collection not being a principal, with ``read_only`` collections (href -> sharer uid or ``None``)
    showing read privileges only, and with each collection's owner (``owners``: ``d:owner``,
    ``oc:owner-principal``, ``nc:owner-displayname``, ``oc:read-only``; ``ownership``)."""
    root = ET.fromstring(body)  # noqa: S314 - produced by the in-process Radicale
    for element in root.iter(q(DAV, "href")):
        if element.text and element.text.startswith("/"):
            element.text = encode_path(unquote(element.text))
    for tag in (q(DAV, "sync-token"), q(CS, "getctag")):
        for element in root.iter(tag):
            if element.text:
                element.text = tokens.public(element.text)
    own = principal_props(user, user)
    for response in root.findall(q(DAV, "response")):
        href = response.findtext(q(DAV, "href")) or ""
        collection = next((c for c in read_only if href.startswith(c)), None)
        holder = owners.collection(href) if owners is not None else None
        owner = owners.of(holder) if owners is not None and holder is not None else None
        for propstat in response.findall(q(DAV, "propstat")):
            if "200" not in (propstat.findtext(q(DAV, "status")) or ""):
                continue
            for prop in propstat.findall(q(DAV, "prop")):
                for child in list(prop):
                    _rewrite_prop(prop, child, own, href, home, collection, read_only, user, owner)
        if owners is not None:
            owners.apply(response, href, allprop=allprop)
    for element in extra or []:
        root.append(element)
    for response in [r for r in root.findall(q(DAV, "response")) if owners and owners.listed_last(r)]:
        root.remove(response)  # UserAddressBooks::getChildren: the user's own address books, then the system one
        root.append(response)
    for element in root.findall(q(DAV, "sync-token")):  # sabre-io/dav Xml/Response/MultiStatus: the token comes last
        root.remove(element)
        root.append(element)
    # Radicale answers under its WSGI SCRIPT_NAME (/remote.php/dav/...); Sabre's hrefs carry the webroot
    serialized: bytes = ET.tostring(in_context(root), encoding="utf-8", xml_declaration=False)
    # libxml2's XMLWriter writes a carriage return in text as &#13; (cards keep their CRLF, cardstore.xml_bytes)
    return b'<?xml version="1.0"?>\n' + serialized.replace(b"\r", b"&#13;")


def _rewrite_prop(
    prop: ET.Element,
    child: ET.Element,
    own: dict[str, PropValue],
    href: str,
    home: str,
    collection: str | None,
    read_only: dict[str, str | None],
    user: User,
    owner: Owner | None = None,
) -> None:
    tag = child.tag
    replacement: PropValue | ET.Element = None
    if tag.startswith("{http://radicale.org/ns/}"):
        prop.remove(child)
        return
    if tag == q(DAV, "owner"):
        sharer = read_only.get(collection) if collection is not None else None
        replacement = hrefs(tag, owner.href if owner is not None else principal_href(sharer or user.uid))
    elif tag == q(DAV, "current-user-privilege-set"):
        sharer = read_only.get(collection) if collection is not None else None
        birthdays = collection is not None and collection.endswith("/contact_birthdays/")
        writes = bool(sharer) or birthdays  # Calendar::getACL (canWrite false / BIRTHDAY_CALENDAR_URI)
        replacement = privilege_set(collection is not None, calendar="/calendars/" in href, write_properties=writes)
    elif tag == q(DAV, "getcontenttype") and not href.endswith("/") and child.text:
        child.text = content_type(child.text)
        return
    elif tag == q(DAV, "resourcetype") and href == home:
        for kind in list(child):
            if kind.tag == q(DAV, "principal"):
                child.remove(kind)
        return
    elif tag in _PRINCIPAL_REFS:
        replacement = copy.deepcopy(own[tag])
    else:
        return
    assert isinstance(replacement, ET.Element)
    index = list(prop).index(child)
    prop.remove(child)
    prop.insert(index, replacement)


def multiget_below_webroot(body: bytes) -> bytes:
    """A ``calendar-multiget``/``addressbook-multiget`` body with its hrefs as Radicale (mounted below the
    webroot) knows them. Sabre maps each href through ``Server::calculateUri``, whose base URI carries the webroot:
    an href outside it is refused with 403 (sabre-io/dav lib/CalDAV/Plugin.php::calendarMultiGetReport,
    lib/CardDAV/Plugin.php::addressbookMultiGetReport, lib/DAV/Server.php::calculateUri). Without a webroot, or
    for other REPORTs, ``body`` is returned as it is."""
    base = webroot()
    root = parse_body(body) if base and b"multiget" in body else None
    if root is None or root.tag not in (q(CAL, "calendar-multiget"), q(CARD, "addressbook-multiget")):
        return body
    for element in root.iter(q(DAV, "href")):
        path = urlsplit((element.text or "").strip()).path
        if not path.startswith(base + DAV_ROOT + "/"):
            out = f"{base}{DAV_ROOT}/"
            raise DavError(403, "Forbidden", f"Requested uri ({unquote(path)}) is out of base uri ({out})")
        element.text = path[len(base) :]
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialized


def home_extras(user: User) -> list[ET.Element]:
    """The scheduling inbox and outbox in the calendar home listing (apps/dav/lib/CalDAV/CalendarHome.php
    ::getChildren adds Inbox and Outbox)."""
    out = []
    base = calendar_home(user.uid)
    for name in ("inbox", "outbox"):
        response = ET.Element(q(DAV, "response"))
        ET.SubElement(response, q(DAV, "href")).text = f"{base}{name}/"
        propstat = ET.SubElement(response, q(DAV, "propstat"))
        prop = ET.SubElement(propstat, q(DAV, "prop"))
        prop.append(resourcetype(q(DAV, "collection"), q(CAL, f"schedule-{name}")))
        ET.SubElement(propstat, q(DAV, "status")).text = "HTTP/1.1 200 OK"
        out.append(response)
    return out
