"""WebDAV XML: parsing request bodies (``defusedxml``) and rendering multistatus and Sabre error documents.

Property values follow apps/dav/lib/Connector/Sabre/FilesPlugin.php (nextcloud/server): ``oc:id`` is the
file id zero-padded to 8 digits followed by the instance id (``Node::getFileId``), ``oc:permissions`` the
letters of ``Node::getDavPermissions``, ``d:getetag`` quoted, ``d:getlastmodified`` RFC 1123.
"""

from __future__ import annotations

import copy
import email.utils
import string
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError, Node
from fake_nextcloud.core.urls import webroot

__all__ = [
    "DAV",
    "NC",
    "OC",
    "PropValue",
    "encode_path",
    "error_response",
    "in_context",
    "multistatus",
    "parse_body",
    "parse_propfind",
]

DAV = "DAV:"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"
SABRE = "http://sabredav.org/ns"
_PREFIXES = {DAV: "d", OC: "oc", NC: "nc", SABRE: "s"}
for _ns, _prefix in _PREFIXES.items():
    ET.register_namespace(_prefix, _ns)

INSTANCE_ID = "ocfakenc01"
#: ``PropValue``: text, an element (``d:resourcetype``), or ``None`` (empty element).
PropValue = str | ET.Element | None
XML_CT = "application/xml; charset=utf-8"
_HREF_SAFE = frozenset(string.ascii_letters + string.digits + "_-.~()/:@")


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def parse_body(body: bytes) -> ET.Element | None:
    if not body.strip():
        return None
    try:
        root: ET.Element = SafeET.fromstring(body)
    except Exception as exc:  # defusedxml raises ParseError or DefusedXmlException
        # sabre-io/xml Service::parse -> Sabre\DAV\Exception\BadRequest
        raise DavError(400, "BadRequest", f"The request body had an invalid XML body. ({exc})") from None
    return root


def parse_propfind(body: bytes) -> list[str] | None:
    """Requested property names (Clark notation), ``None`` for allprop (also for an empty body)."""
    root = parse_body(body)
    if root is None or root.find(q(DAV, "allprop")) is not None:
        return None
    prop = root.find(q(DAV, "prop"))
    if prop is None:
        return None
    return [child.tag for child in prop]


def http_date(ts: int) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def node_props(node: Node, *, owner: str, owner_name: str, size: int, quota_free: int | None) -> dict[str, PropValue]:
    """All properties of ``node`` (allprop and named lookups)."""
    resource: ET.Element = ET.Element(q(DAV, "resourcetype"))
    if node.is_dir:
        ET.SubElement(resource, q(DAV, "collection"))
    perms = "RGDNVCK" if node.is_dir else "RGDNVW"
    props: dict[str, PropValue] = {
        q(DAV, "getlastmodified"): http_date(node.mtime),
        q(DAV, "getetag"): f'"{node.etag}"',
        q(DAV, "getcontenttype"): node.content_type,
        q(DAV, "resourcetype"): resource,
        q(DAV, "displayname"): node.name,
        q(OC, "fileid"): str(node.file_id),
        q(OC, "id"): f"{node.file_id:08d}{INSTANCE_ID}",
        q(OC, "size"): str(size),
        q(OC, "permissions"): perms,
        q(OC, "favorite"): "1" if node.favorite else "0",
        q(OC, "owner-id"): owner,
        q(OC, "owner-display-name"): owner_name,
        q(OC, "share-types"): None,
        q(NC, "has-preview"): "false",
        q(NC, "mount-type"): "",
        q(NC, "is-encrypted"): "0",
    }
    if node.is_dir:
        # apps/dav/lib/Connector/Sabre/Directory.php::getQuotaInfo: -3 = unlimited (SPACE_UNLIMITED)
        props[q(DAV, "quota-available-bytes")] = str(quota_free if quota_free is not None else -3)
        props[q(DAV, "quota-used-bytes")] = str(size)
    else:
        props[q(DAV, "getcontentlength")] = str(node.size)
    props.update(node.props)
    return props


def encode_path(path: str) -> str:
    """sabre-io/http lib/functions.php::encodePath, as Sabre writes every ``d:href``
    (lib/DAV/Xml/Element/Response.php): each byte outside ``A-Za-z0-9_-.~()/:@`` as ``%xx``, lower-case hex."""
    return "".join(
        chr(byte) if chr(byte) in _HREF_SAFE else f"%{byte:02x}" for byte in path.encode("utf-8", "surrogateescape")
    )


def href(prefix: str, path: str, is_dir: bool) -> str:
    """``prefix`` (e.g. ``/remote.php/dav/files/alice``) + the path encoded as Sabre encodes hrefs
    (``encode_path``); folders end with ``/``."""
    encoded = encode_path(path) if path else ""
    url = f"{prefix}/{encoded}" if encoded else f"{prefix}/"
    if is_dir and not url.endswith("/"):
        url += "/"
    return url


def multistatus(entries: Iterable[tuple[str, dict[str, PropValue]]], requested: list[str] | None) -> Response:
    """207 multistatus: one ``d:response`` per ``(href, props)``; with named props, unknown ones go to a
    ``HTTP/1.1 404 Not Found`` propstat (sabre-io/dav lib/DAV/PropFind.php::getResultForMultiStatus)."""
    root = ET.Element(q(DAV, "multistatus"))
    for url, props in entries:
        response = ET.SubElement(root, q(DAV, "response"))
        ET.SubElement(response, q(DAV, "href")).text = url
        found: dict[str, PropValue] = {}
        missing: list[str] = []
        names = list(props) if requested is None else requested
        for name in names:
            if name in props:
                found[name] = props[name]
            else:
                missing.append(name)
        for status, items in (("200 OK", list(found.items())), ("404 Not Found", [(m, None) for m in missing])):
            if not items:
                continue
            propstat = ET.SubElement(response, q(DAV, "propstat"))
            prop = ET.SubElement(propstat, q(DAV, "prop"))
            for name, value in items:
                _append(prop, name, value)
            ET.SubElement(propstat, q(DAV, "status")).text = f"HTTP/1.1 {status}"
    return xml_response(root, 207)


def _append(parent: ET.Element, name: str, value: PropValue) -> None:
    if isinstance(value, ET.Element):
        parent.append(value)
        return
    ET.SubElement(parent, name).text = value


def in_context(root: ET.Element) -> ET.Element:
    """``root`` with every ``d:href`` that is a server-root path (``/remote.php/dav/...``) under the webroot of the
    request: Sabre writes hrefs as its base URI ``OC::$WEBROOT . '/remote.php/dav/'`` (``$writer->contextUri``)
    + the node path (sabre-io/dav lib/DAV/Server.php::writeMultiStatus, lib/DAV/Xml/Element/Response.php;
    lib/DAV/Xml/Property/Href.php resolves against the same base). ``mailto:`` hrefs stay as they are.
    Without a webroot ``root`` itself is returned; with one, a copy (elements may be shared)."""
    base = webroot()
    if not base:
        return root
    root = copy.deepcopy(root)
    for element in root.iter(q(DAV, "href")):
        if element.text and element.text.startswith("/"):
            element.text = base + element.text
    return root


def xml_response(root: ET.Element, status: int, headers: dict[str, str] | None = None) -> Response:
    body = b'<?xml version="1.0"?>\n' + ET.tostring(in_context(root), encoding="utf-8", xml_declaration=False)
    return Response(body, status_code=status, media_type=XML_CT, headers=headers)


def error_response(error: DavError, headers: dict[str, str] | None = None) -> Response:
    """``Sabre\\DAV\\Server::exec`` catch block (as configured by apps/dav/lib/Connector/Sabre/Server.php::start):
    exception class and message, then what the exception's ``serialize`` adds (``PreconditionFailed``: the
    failed header as ``<s:header>``, sabre-io/dav lib/DAV/Exception/PreconditionFailed.php)."""
    root = ET.Element(q(DAV, "error"))
    ET.SubElement(root, q(SABRE, "exception")).text = error.exception
    ET.SubElement(root, q(SABRE, "message")).text = error.message
    failed_header: str | None = getattr(error, "header", None)
    if failed_header:
        ET.SubElement(root, q(SABRE, "header")).text = failed_header
    return xml_response(root, error.status, headers)


def texts(root: ET.Element | None, path: str) -> list[str]:
    if root is None:
        return []
    return [(el.text or "").strip() for el in root.iter(path)]


def proppatch_values(body: bytes) -> dict[str, Any]:
    """``{clark-name: text-or-None}`` of a PROPPATCH (``d:set`` values, ``d:remove`` as ``None``)."""
    root = parse_body(body)
    out: dict[str, Any] = {}
    if root is None:
        return out
    for action in root:
        for prop in action.iter(q(DAV, "prop")):
            for child in prop:
                out[child.tag] = (child.text or "") if action.tag == q(DAV, "set") else None
    return out
