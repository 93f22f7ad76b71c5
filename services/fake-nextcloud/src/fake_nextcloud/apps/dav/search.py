"""``SEARCH /remote.php/dav`` (RFC 5323 basicsearch as apps/dav/lib/Files/FileSearchBackend.php supports it).

Scope ``/files/{uid}[/folder]``; operators ``eq``, ``gt``, ``gte``, ``lt``, ``lte``, ``like`` (``%``/``_``,
case-insensitive), ``and``, ``or``, ``not``, ``is-collection``; properties ``d:displayname``,
``d:getcontenttype``, ``d:getlastmodified``, ``oc:size``, ``oc:favorite``, ``oc:fileid``; ``orderby``;
``limit/nresults`` and the offset ``limit/sd:firstresult`` in SearchDAV's own namespace
(icewind1991/SearchDAV src/XML/Limit.php reads ``{SearchPlugin::SEARCHDAV_NS}firstresult``; a ``d:`` or ``nc:``
firstresult is ignored).
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError, Node, normalize
from fake_nextcloud.apps.dav.xmlio import DAV, OC, href, multistatus, parse_body, q

if TYPE_CHECKING:
    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = ["search"]

_COMPARISONS = {"eq", "gt", "gte", "lt", "lte", "like"}
#: icewind1991/SearchDAV src/DAV/SearchPlugin.php SEARCHDAV_NS
SEARCHDAV_NS = "https://github.com/icewind1991/SearchDAV/ns"


def _bad(message: str) -> DavError:
    return DavError(400, "BadRequest", message)


def _value(app: DavView, uid: str, node: Node, prop: str) -> Any:
    if prop == q(DAV, "displayname"):
        return node.name
    if prop == q(DAV, "getcontenttype"):
        return node.content_type
    if prop == q(DAV, "getlastmodified"):
        return node.mtime
    if prop in (q(OC, "size"), q(DAV, "getcontentlength")):
        return app.backend.folder_size(uid, node)
    if prop == q(OC, "favorite"):
        return 1 if node.favorite else 0
    if prop == q(OC, "fileid"):
        return node.file_id
    if prop == q(OC, "owner-id"):
        return uid
    # FileSearchBackend::getSearchSupport: anything else is not searchable
    raise _bad(f"Unsupported search property {prop}")


def _literal(prop: str, text: str) -> Any:
    if prop == q(DAV, "getlastmodified"):
        # apps/dav/lib/Files/FileSearchBackend.php::castValue: is_numeric -> max(0, 0 + value); else an ATOM date,
        # and 0 for anything unparsable (never an error)
        try:
            return max(0, int(float(text)))
        except (ValueError, OverflowError):
            pass
        try:
            parsed = email.utils.parsedate_to_datetime(text) if "," in text else datetime.fromisoformat(text)
        except (TypeError, ValueError):
            return 0
        return int(parsed.timestamp())
    if prop in (q(OC, "size"), q(DAV, "getcontentlength"), q(OC, "fileid")):
        return int(text)
    if prop == q(OC, "favorite"):
        return 1 if text.strip() in ("1", "true") else 0
    return text


def _match(app: DavView, uid: str, node: Node, where: Element) -> bool:
    op = where.tag.removeprefix("{DAV:}")
    if op == "and":
        return all(_match(app, uid, node, child) for child in where)
    if op == "or":
        return any(_match(app, uid, node, child) for child in where)
    if op == "not":
        return not all(_match(app, uid, node, child) for child in where)
    if op == "is-collection":
        return node.is_dir
    if op not in _COMPARISONS:
        raise _bad(f"Unsupported operator {where.tag}")
    prop_el = where.find(q(DAV, "prop"))
    literal = where.findtext(q(DAV, "literal"))
    if prop_el is None or len(prop_el) == 0 or literal is None:
        raise _bad("Invalid comparison: expected a prop and a literal")
    prop = prop_el[0].tag
    actual = _value(app, uid, node, prop)
    if op == "like":
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in literal)
        return re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    expected = _literal(prop, literal)
    if op == "eq":
        return bool(actual == expected)
    ops = {"gt": actual > expected, "gte": actual >= expected, "lt": actual < expected, "lte": actual <= expected}
    return bool(ops[op])


async def search(app: DavView, request: Request, user: User) -> Response:
    root = parse_body(await request.body())
    basic = root.find(q(DAV, "basicsearch")) if root is not None else None
    if basic is None:
        raise _bad("Request body must contain a basicsearch element")
    scope_href = unquote(basic.findtext(f"{q(DAV, 'from')}/{q(DAV, 'scope')}/{q(DAV, 'href')}") or "")
    depth = basic.findtext(f"{q(DAV, 'from')}/{q(DAV, 'scope')}/{q(DAV, 'depth')}") or "infinity"
    prefix = f"/files/{user.uid}"
    scope_path = scope_href.split("/remote.php/dav", 1)[-1].rstrip("/")
    if scope_path != prefix and not scope_path.startswith(prefix + "/"):
        # FileSearchBackend::search: scopes outside the user's home are rejected
        raise _bad(f"Invalid search scope {scope_href}")
    folder = normalize(scope_path[len(prefix) :])
    base = app.backend.require(user.uid, folder)
    candidates = app.backend.children(user.uid, base.path, recursive=depth.strip().lower() == "infinity")
    where = basic.find(q(DAV, "where"))
    if where is not None and len(where):
        candidates = [n for n in candidates if _match(app, user.uid, n, where[0])]
    orders = basic.findall(f"{q(DAV, 'orderby')}/{q(DAV, 'order')}")
    for order in reversed(orders):
        prop_el = order.find(q(DAV, "prop"))
        if prop_el is None or len(prop_el) == 0:
            continue
        key_prop = prop_el[0].tag
        descending = order.find(q(DAV, "descending")) is not None
        candidates.sort(key=lambda n, p=key_prop: _value(app, user.uid, n, p), reverse=descending)  # type: ignore[misc]
    first = basic.findtext(f"{q(DAV, 'limit')}/{q(SEARCHDAV_NS, 'firstresult')}")
    if first and first.isdigit():
        candidates = candidates[int(first) :]
    limit = basic.findtext(f"{q(DAV, 'limit')}/{q(DAV, 'nresults')}")
    if limit and limit.isdigit():
        candidates = candidates[: int(limit)]
    select = basic.find(f"{q(DAV, 'select')}/{q(DAV, 'prop')}")
    requested = [c.tag for c in select] if select is not None else None
    files = f"/remote.php/dav/files/{user.uid}"
    return multistatus(((href(files, n.path, n.is_dir), app.props_of(user, n)) for n in candidates), requested)
