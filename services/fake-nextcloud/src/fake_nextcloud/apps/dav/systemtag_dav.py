"""``/remote.php/dav/systemtags[/{id}]`` and ``/remote.php/dav/systemtags-relations/files/{fileid}[/{id}]``
(apps/dav/lib/SystemTag/, nextcloud/server; state in ``systemtags.SystemTagStore``, properties in
``systemtag_props``).

======================================================  ===================================================
``systemtags/``  (``SystemTagsByIdCollection``)         PROPFIND: the tags the caller can see (admins: all);
                                                        POST (JSON) creates one (``SystemTagPlugin::httpPost``)
``systemtags/{id}``  (``SystemTagNode``)                PROPFIND, PROPPATCH (``handleUpdateProperties``),
                                                        DELETE (admins only)
``systemtags-relations/files/{fileid}``                 PROPFIND: the file's tags (``SystemTagsObjectMapping-
  (``SystemTagsObjectMappingCollection``)               Collection``); POST creates a tag and assigns it
``systemtags-relations/files/{fileid}/{id}``            PUT assigns (201), DELETE unassigns (204)
  (``SystemTagMappingNode``)
======================================================  ===================================================

* Paths resolve as ``systemtag_tree`` describes (400/404 for unknown or invisible tags and files).
* POST (``createTag``): ``Content-Type`` must be ``application/json`` (else 415); the body is decoded with
  ``JSON_THROW_ON_ERROR`` (invalid JSON is an uncaught ``JsonException``: 500); no ``name`` is a 400 ``Missing
  "name" attribute``; ``userVisible``/``userAssignable`` (default true) are PHP ``(bool)`` casts, ``groups`` a
  ``|``-separated string or a list; a non-admin asking for an invisible or non-assignable tag or for groups gets
  a **400** ``Not sufficient permissions``; ``restrict_creation_to_admin`` makes it a 403 ``You don\u2019t have
  permissions to create tags``; a name taken case-insensitively is a 409 ``Tag already exists``. 201 with
  ``Content-Location``: the request URL + ``/`` + id, or ``{base}systemtags/{id}`` after a POST to a file's
  collection (which also assigns the new tag; a failed assignment leaves the tag created).
* PUT (sabre-io/dav ``CorePlugin::httpPut``): an assignment that exists is a 409 ``PUT is not allowed on
  non-files.``; otherwise ``createFile`` assigns (201; its 412/403s in ``systemtag_tree``).
* DELETE of a mapping (``SystemTagMappingNode::delete``): 404 when not assigned (``Tag with id {id} not present
  for object {fileid}``), the same 403s as PUT (``unassign``); of a tag (``SystemTagNode::delete``): 403 ``No
  permission to delete tag {id}`` for non-admins, else the tag and its mappings go.
* PROPPATCH of a tag (``SystemTagNode::update``): non-admins may only rename (403 ``No permission to update
  permissions for tag {id}``) tags they can assign (403 ``No permission to update tag {id}``); ``nc:color`` must be
  6 hex digits (400) or ``''``/``null``; ``oc:groups`` is admin-only (403); ``nc:files-assigned`` and
  ``nc:reference-fileid`` are read-only (403); a taken name is a 409. Sabre's ``PropPatch::commit``: protected
  properties (``oc:id``, the RFC 4918 live ones) are 403 and then every other one 424, with nothing changed;
  ``nc:object-ids`` on a tag is 403 (only ``SystemTagObjectType`` handles it); the rest is stored as dead
  properties (``CustomPropertiesBackend``).

Not modelled: ``systemtags/{id}/{objecttype}`` (``SystemTagObjectType``; ``nc:object-ids`` bulk tagging),
``systemtags-assigned`` (``SystemTagsInUseCollection``), object types other than ``files``, methods other than
the ones above (answered as Sabre answers a method no plugin handles: 501).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.systemtag_props import ALLPROP, dead_props, proppatch_multistatus, resourcetype, tag_props
from fake_nextcloud.apps.dav.systemtag_tree import TagNode, Tree, bad, forbidden, not_found, php_error
from fake_nextcloud.apps.dav.systemtags import SystemTag, TagAlreadyExists, TagForbidden, TagNotFound, php_bool
from fake_nextcloud.apps.dav.xmlio import (
    DAV,
    NC,
    OC,
    PropValue,
    href,
    multistatus,
    parse_propfind,
    proppatch_values,
    q,
    xml_response,
)
from fake_nextcloud.core.urls import webroot

if TYPE_CHECKING:
    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = ["dispatch"]

_BASE = "/remote.php/dav"
#: sabre-io/dav Server::$protectedProperties + SystemTagPlugin::initialize (``oc:id``)
_PROTECTED = frozenset(
    [q(OC, "id")]
    + [
        q(DAV, name)
        for name in (
            "getcontentlength", "getetag", "getlastmodified", "lockdiscovery", "supportedlock",
            "quota-available-bytes", "quota-used-bytes", "supported-privilege-set", "current-user-privilege-set",
            "acl", "acl-restrictions", "inherited-acl-set", "supported-method-set", "supported-report-set",
            "sync-token",
        )
    ]
    + ["{http://calendarserver.org/ns/}ctag", "{http://sabredav.org/ns}sync-token"]
)  # fmt: skip
_NAME, _VISIBLE, _ASSIGNABLE = q(OC, "display-name"), q(OC, "user-visible"), q(OC, "user-assignable")
_GROUPS, _COLOR, _OBJECT_IDS = q(OC, "groups"), q(NC, "color"), q(NC, "object-ids")
_READ_ONLY = (q(NC, "files-assigned"), q(NC, "reference-fileid"))
_TAG_PATCH = frozenset({_NAME, _VISIBLE, _ASSIGNABLE, _GROUPS, _COLOR, *_READ_ONLY})


async def dispatch(app: DavView, request: Request, user: User, path: str) -> Response:
    """``path``: the Sabre path, below ``/remote.php/dav/``."""
    tree = Tree(app, user)
    method = request.method
    if method == "PROPFIND":
        return await _propfind(tree, request, path.strip("/"))
    if method == "PROPPATCH":
        return await _proppatch(tree, request, path.strip("/"))
    if method == "POST":
        return await _post(tree, request, path)
    if method == "PUT":
        return _put(tree, path.strip("/"))
    if method == "DELETE":
        return _delete(tree, path.strip("/"))
    tree.resolve(path)
    suffix = " Enable the Browser plugin to get a better result here." if method == "GET" else ""
    raise DavError(
        501,
        "NotImplemented",
        f"There was no plugin in the system that was willing to handle this {method} method.{suffix}",
    )


def _depth(request: Request) -> int:
    """``Server::getHTTPDepth(1)`` (``-1`` = infinity, enabled in apps/dav Connector ``Server``)."""
    value = request.headers.get("depth")
    if value is None:
        return 1
    if value == "infinity":
        return -1
    return int(value) if value.isdigit() else 1


def _props(tree: Tree, path: str, node: TagNode, requested: list[str] | None) -> dict[str, PropValue]:
    if node.tag is not None:
        props = tag_props(tree.store, tree.user, node.tag, node=node.kind == "tag", requested=requested)
    else:
        props = {q(DAV, "resourcetype"): resourcetype(True)}
    if requested is None:
        return {name: value for name, value in props.items() if name in ALLPROP}
    dead = dead_props(tree.store, tree.user, path, requested)
    return {**dead, **props}


async def _propfind(tree: Tree, request: Request, path: str) -> Response:
    requested = parse_propfind(await request.body())
    depth = _depth(request)
    node = tree.resolve(path)
    walk: list[tuple[str, TagNode]] = [(path, node)]
    level = [(path, node)]
    while depth != 0 and level:
        level = [child for parent_path, parent in level for child in tree.children(parent, parent_path)]
        walk += level
        depth -= 1
    entries = [(href(_BASE, p, n.collection), _props(tree, p, n, requested)) for p, n in walk]
    return multistatus(entries, requested)


def _update_tag(tree: Tree, tag: SystemTag, values: dict[str, str | None]) -> None:
    """``SystemTagPlugin::handleUpdateProperties`` (tag properties) and ``SystemTagNode::update``."""
    name, visible, assignable, color = tag.name, tag.visible, tag.assignable, tag.color
    changed = False
    if (value := values.get(_NAME)) is not None:
        name, changed = value, True
    if (value := values.get(_VISIBLE)) is not None:
        visible, changed = value not in ("false", "0"), True
    if (value := values.get(_ASSIGNABLE)) is not None:
        assignable, changed = value not in ("false", "0"), True
    if (value := values.get(_COLOR)) is not None:
        color, changed = (None if value in ("", "null") else value), True
    if (value := values.get(_GROUPS)) is not None:
        if not tree.user.is_admin:
            raise forbidden()
        tree.store.set_groups(tag, value.split("|"))
    if any(values.get(prop) is not None for prop in _READ_ONLY):
        raise forbidden()
    if not changed:
        return
    store, user = tree.store, tree.user
    if not store.can_assign(tag, user):
        raise forbidden(f"No permission to update tag {tag.id}")
    if not user.is_admin and (visible != tag.visible or assignable != tag.assignable):
        raise forbidden(f"No permission to update permissions for tag {tag.id}")
    if color is not None and (len(color.encode()) != 6 or any(c not in "0123456789abcdefABCDEF" for c in color)):
        raise bad("Color must be a 6-digit hexadecimal value")
    try:
        store.update(tag, name, visible, assignable, color, user)
    except TagNotFound:
        raise not_found(f"Tag with id {tag.id} does not exist") from None
    except TagAlreadyExists:
        flags = f"{'1' if visible else ''}, {'1' if assignable else ''}"  # PHP's string of a bool
        raise DavError(409, "Conflict", f'Tag with the properties "{name}", {flags} already exists') from None
    except TagForbidden:
        raise forbidden("You don\u2019t have permissions to update tags") from None


async def _proppatch(tree: Tree, request: Request, path: str) -> Response:
    values: dict[str, str | None] = {k: v or None for k, v in proppatch_values(await request.body()).items()}
    node = tree.resolve(path)
    results = {name: 403 for name in values if name in _PROTECTED}
    if not results and node.kind == "tag" and _OBJECT_IDS in values:
        results[_OBJECT_IDS] = 403  # the object-ids callback returns false for a SystemTagNode
    if results:
        results.update({name: 424 for name in values if name not in results})
    else:
        handled = {k: v for k, v in values.items() if k in _TAG_PATCH} if node.tag and node.kind == "tag" else {}
        if handled and node.tag is not None:
            _update_tag(tree, node.tag, handled)
        dead = tree.store.dead_props.setdefault((tree.user.uid, path), {})
        for name, value in values.items():
            if name not in handled:
                if value is None:
                    dead.pop(name, None)
                else:
                    dead[name] = value
        results = dict.fromkeys(values, 200)
    return xml_response(proppatch_multistatus(href(_BASE, path, node.collection), results), 207)


def _post_fields(data: Any) -> tuple[str, bool, bool, Any]:
    """``SystemTagPlugin::createTag``: the JSON fields with PHP's casts; ``groups`` as a list of strings (from a
    ``|``-separated string, a list or an object's values) or the raw scalar it was given."""
    if not isinstance(data, dict) or data.get("name") is None:
        raise bad('Missing "name" attribute')
    raw = data["name"]
    if isinstance(raw, (list, dict)):
        raise php_error("TypeError", "SystemTagManager::createTag(): Argument #1 ($tagName) must be of type string")
    name = ("1" if raw else "") if isinstance(raw, bool) else str(raw)
    visible = php_bool(data["userVisible"]) if data.get("userVisible") is not None else True
    assignable = php_bool(data["userAssignable"]) if data.get("userAssignable") is not None else True
    groups: Any = data.get("groups")
    if isinstance(groups, str):
        groups = groups.split("|")
    elif isinstance(groups, (list, dict)):
        groups = [str(g) for g in (groups.values() if isinstance(groups, dict) else groups)]
    return name, visible, assignable, groups


async def _post(tree: Tree, request: Request, path: str) -> Response:
    """``SystemTagPlugin::httpPost``."""
    node = tree.resolve(path)
    if node.kind not in ("tags", "mappings"):
        raise DavError(
            501, "NotImplemented", "There was no plugin in the system that was willing to handle this POST method."
        )
    if request.headers.get("content-type", "").split(";")[0] != "application/json":
        raise DavError(415, "UnsupportedMediaType", "")
    try:
        data = json.loads(await request.body(), parse_constant=_reject_constant)
    except ValueError:
        raise php_error("JsonException", "Syntax error") from None
    name, visible, assignable, groups = _post_fields(data)
    if (not visible or not assignable or php_bool(groups)) and not tree.user.is_admin:
        raise bad("Not sufficient permissions")
    try:
        tag = tree.store.create(name, visible, assignable, tree.user)
    except TagAlreadyExists:
        raise DavError(409, "Conflict", "Tag already exists") from None
    except TagForbidden:
        raise forbidden("You don\u2019t have permissions to create tags") from None
    if php_bool(groups):
        if not isinstance(groups, list):  # setTagGroups(ISystemTag, array): the tag stays created
            raise php_error(
                "TypeError", "SystemTagManager::setTagGroups(): Argument #2 ($groupIds) must be of type array"
            )
        tree.store.set_groups(tag, groups)
    if node.kind == "mappings":
        tree.assign(node.object_id, str(tag.id))
        url = f"{webroot()}{_BASE}/systemtags/"
    else:
        url = f"{webroot()}{_BASE}/{path.lstrip('/')}" + (f"?{request.url.query}" if request.url.query else "")
    if not url.endswith("/"):
        url += "/"
    return Response(status_code=201, headers={"Content-Location": f"{url}{tag.id}"})


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # PHP's json_decode knows no NaN/Infinity


def _split(path: str) -> tuple[str, str]:
    parent, _, name = path.rpartition("/")
    return parent, name


def _put(tree: Tree, path: str) -> Response:
    """sabre-io/dav ``CorePlugin::httpPut``: ``Tree::nodeExists`` (the parent's ``childExists``), then
    ``Server::createFile`` (the parent's ``createFile``)."""
    parent_path, name = _split(path)
    if not parent_path:  # systemtags, systemtags-relations: existing collections
        tree.resolve(path)
        raise DavError(409, "Conflict", "PUT is not allowed on non-files.")
    parent = tree.resolve(parent_path)
    if parent.kind == "tag":  # SystemTagNode::createFile, SystemTagObjectType::put
        raise DavError(405, "MethodNotAllowed", "")
    if tree.child_exists(parent, name):
        raise DavError(409, "Conflict", "PUT is not allowed on non-files.")
    if parent.kind == "mappings":
        tree.assign(parent.object_id, name)
        return Response(status_code=201, headers={"Content-Length": "0"})
    raise {
        "tags": forbidden("Cannot create tags by id"),
        "relations": forbidden(f"Permission denied to create file (filename {name})"),
        "objects": forbidden("Permission denied to create nodes"),
    }.get(parent.kind, DavError(409, "Conflict", "Files can only be created as children of collections"))


def _delete(tree: Tree, path: str) -> Response:
    """sabre-io/dav ``CorePlugin::httpDelete`` -> ``Tree::delete`` -> the node's ``delete``."""
    node = tree.resolve(path)
    store, user = tree.store, tree.user
    if node.kind == "tag" and node.tag is not None:
        if not user.is_admin:
            raise forbidden(f"No permission to delete tag {node.tag.id}")
        store.delete(node.tag)
    elif node.kind == "mapping" and node.tag is not None:
        if not store.can_assign(node.tag, user):
            raise forbidden(f"No permission to unassign tag {node.tag.id}")
        if not tree.writable(node.object_id):
            raise forbidden(f"No permission to unassign tag to {node.object_id}")
        store.unassign(node.object_id, node.tag)
    elif node.kind == "relations":
        raise forbidden("Permission denied to delete node")
    else:
        raise forbidden("Permission denied to delete this collection")
    return Response(status_code=204, headers={"Content-Length": "0"})
