"""WebDAV properties of system tags (apps/dav/lib/SystemTag/SystemTagPlugin.php::handleGetProperties, nextcloud/
server) and the ``nc:system-tags`` property of files (``SystemTagPlugin::propfindForFile``, ``SystemTagList``).

* A tag (``SystemTagNode``, a collection since the ``nc:object-ids`` bulk tagging) and a tag assigned to a file
  (``SystemTagMappingNode``, a plain node): ``d:getetag`` (the tag's ETag, quoted), ``oc:id``,
  ``oc:display-name``, ``oc:user-visible``, ``oc:user-assignable`` (``'true'``/``'false'``), ``oc:can-assign``
  (``canUserAssignTag`` for the caller), ``nc:color`` (``''`` without one) and ``oc:groups`` (``|``-joined, only
  for a visible, non-assignable tag; asking for it as a non-admin is a 403 for the whole request). A tag node
  also has ``nc:files-assigned`` and ``nc:reference-fileid``, which only ``/systemtags-assigned`` fills in (-1).
* Every value comes from ``PropFind::handle``, which only answers properties the client named: an ``allprop``
  PROPFIND (or an empty body) gets ``d:resourcetype`` and ``d:getetag`` only (sabre-io/dav
  ``lib/DAV/PropFind.php`` seeds ``allprop`` with the RFC 4918 live properties).
* Dead properties (apps/dav/lib/DAV/CustomPropertiesBackend.php): a PROPPATCH nobody handles stores the value
  per user and path (``propPatch`` -> ``handleRemaining``); ``propFind`` returns them when named, except
  ``oc:``/``nc:`` properties (``isPropertyAllowed``) and the ignored live ones.
* ``nc:system-tags`` on a file: the tags mapped to its file id that the caller can see (``getTagsForFile``), in
  ``Util::naturalSortCompare`` order of their names (digit runs compared as numbers, case-insensitively here),
  each ``<nc:system-tag oc:can-assign oc:id oc:user-assignable oc:user-visible nc:color>name</nc:system-tag>``.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from fake_nextcloud.apps.dav.models import DavError, Node
from fake_nextcloud.apps.dav.systemtags import SystemTag, SystemTagStore
from fake_nextcloud.apps.dav.xmlio import DAV, NC, OC, PropValue, q
from fake_nextcloud.core.state import User

__all__ = [
    "ALLPROP",
    "dead_props",
    "file_tags",
    "proppatch_multistatus",
    "resourcetype",
    "tag_props",
]

ALLPROP = frozenset({q(DAV, "resourcetype"), q(DAV, "getetag")})
#: CustomPropertiesBackend::IGNORED_PROPERTIES
_IGNORED = frozenset(
    q(DAV, name)
    for name in ("getcontentlength", "getcontenttype", "getetag", "quota-used-bytes", "quota-available-bytes")
)
_DIGITS = re.compile(r"(\d+)")
_REASONS = {200: "OK", 204: "No Content", 403: "Forbidden", 424: "Failed Dependency"}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def resourcetype(collection: bool) -> ET.Element:
    element = ET.Element(q(DAV, "resourcetype"))
    if collection:
        ET.SubElement(element, q(DAV, "collection"))
    return element


def tag_props(
    store: SystemTagStore, user: User, tag: SystemTag, *, node: bool, requested: list[str] | None
) -> dict[str, PropValue]:
    """Properties of a tag node (``node``) or of a mapping node."""
    props: dict[str, PropValue] = {
        q(DAV, "resourcetype"): resourcetype(node),
        q(DAV, "getetag"): f'"{tag.etag}"',
        q(OC, "id"): str(tag.id),
        q(OC, "display-name"): tag.name,
        q(OC, "user-visible"): _flag(tag.visible),
        q(OC, "user-assignable"): _flag(tag.assignable),
        q(OC, "can-assign"): _flag(store.can_assign(tag, user)),
        q(NC, "color"): tag.color or "",
    }
    if requested is not None and q(OC, "groups") in requested:
        if not user.is_admin:
            raise DavError(403, "Forbidden", "")  # "property only available for admins"
        props[q(OC, "groups")] = "|".join(tag.groups) if tag.visible and not tag.assignable else ""
    if node:
        props[q(NC, "files-assigned")] = "-1"
        props[q(NC, "reference-fileid")] = "-1"
    return props


def dead_props(store: SystemTagStore, user: User, path: str, requested: list[str] | None) -> dict[str, PropValue]:
    """Stored dead properties of ``path`` that a named PROPFIND may return."""
    if requested is None:
        return {}
    stored = store.dead_props.get((user.uid, path), {})
    return {
        name: value
        for name, value in stored.items()
        if name in requested and name not in _IGNORED and not name.startswith((f"{{{OC}}}", f"{{{NC}}}"))
    }


def _natural(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part.lower()) for part in _DIGITS.split(name) if part]


def file_tags(store: SystemTagStore, user: User, node: Node) -> ET.Element:
    """``nc:system-tags`` of a file or folder."""
    element = ET.Element(q(NC, "system-tags"))
    tags = [store.tags[i] for i in store.tag_ids_for(str(node.file_id)) if i in store.tags]
    for tag in sorted((t for t in tags if store.can_see(t, user)), key=lambda t: _natural(t.name)):
        child = ET.SubElement(element, q(NC, "system-tag"))
        child.set(q(OC, "can-assign"), _flag(store.can_assign(tag, user)))
        child.set(q(OC, "id"), str(tag.id))
        child.set(q(OC, "user-assignable"), _flag(tag.assignable))
        child.set(q(OC, "user-visible"), _flag(tag.visible))
        child.set(q(NC, "color"), tag.color or "")
        child.text = tag.name
    return element


def proppatch_multistatus(url: str, results: dict[str, int]) -> ET.Element:
    """The 207 of a PROPPATCH: one propstat per status (``Sabre\\DAV\\PropPatch::getResult``)."""
    root = ET.Element(q(DAV, "multistatus"))
    response = ET.SubElement(root, q(DAV, "response"))
    ET.SubElement(response, q(DAV, "href")).text = url
    for status in dict.fromkeys(results.values()):
        propstat = ET.SubElement(response, q(DAV, "propstat"))
        prop = ET.SubElement(propstat, q(DAV, "prop"))
        for name, code in results.items():
            if code == status:
                ET.SubElement(prop, name)
        ET.SubElement(propstat, q(DAV, "status")).text = f"HTTP/1.1 {status} {_REASONS.get(status, '')}".rstrip()
    return root
