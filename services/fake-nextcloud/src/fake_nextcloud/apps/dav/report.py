"""``REPORT oc:filter-files`` on a folder of ``/files/{uid}`` (apps/dav/lib/Connector/Sabre/FilesReportPlugin.php::
onReport, nextcloud/server).

* The target must be a folder (a file: the plugin declines, sabre-io/dav ``CorePlugin::httpReport`` answers 415
  ``ReportNotSupported``); a missing one is a 404 (``getNodeForPath``).
* The last ``oc:filter-rules`` block holds the rules; none (or an empty one) is a 400 ``Missing filter-rule block
  in request``. Known rules: ``oc:favorite`` (present at all, whatever its value: ``processFilterRulesForFileIDs``)
  and ``oc:systemtag`` (``processFilterRulesForFileNodes``); ``oc:circle`` finds nothing (no circles app); other
  elements are ignored.
* ``oc:systemtag``: ``getTagsByIds($ids, $user)``: a non-numeric id is an uncaught ``InvalidArgumentException``
  (500); an unknown id, a tag the caller cannot see or a repeated id is a 412 ``Cannot filter by non-existing
  tag``. Each tag is searched by *name* over the caller's whole files (``Folder::searchBySystemTag``, not limited
  to the report target, the home folder itself excluded) and the results are intersected: files having all the
  tags, in file-id order.
* ``oc:favorite``: the caller's favourites (``ITags::getFavorites``, in file-id order here), paged, then those
  found below the report target (``findNodesByFileIds``); no favourites at all is no favourite filter.
* Combining (``onReport``): with both results non-empty, the tag results that are also favourites; when the tag
  search found nothing, the favourites (so ``favorite`` + an unused tag lists the favourites).
* Paging: ``d:limit/d:nresults`` and ``nc:firstresult`` slice the favourites and the tag results (one tag: in the
  search, where 0 means no limit; several: after the intersection) before they are combined.
* Properties: the ``d:prop`` names; without ``d:prop`` no property at all (``new PropFind($path, [])``). Hrefs are
  the files base URI + the node path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError, Node
from fake_nextcloud.apps.dav.systemtag_tree import php_error
from fake_nextcloud.apps.dav.systemtags import InvalidTagId, SystemTagStore, TagNotFound, php_int
from fake_nextcloud.apps.dav.xmlio import DAV, NC, OC, href, multistatus, parse_body, q

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = ["filter_files"]


def _tagged(app: DavView, user: User, ids: list[str], limit: int | None, offset: int | None) -> list[Node]:
    """``processFilterRulesForFileNodes``."""
    store = SystemTagStore.of(app.state)
    try:
        tags = store.by_ids(ids, user)
    except InvalidTagId:
        raise php_error("InvalidArgumentException", "Tag id must be integer") from None
    except TagNotFound:
        raise DavError(412, "PreconditionFailed", "Cannot filter by non-existing tag") from None
    files = sorted(app.backend.children(user.uid, "", recursive=True), key=lambda n: n.file_id)
    one = len(tags) == 1
    nodes: list[Node] | None = None
    for tag in tags:
        named = {t.id for t in store.tags.values() if t.name == tag.name and store.can_see(t, user)}
        found = [n for n in files if named & set(store.tag_ids_for(str(n.file_id)))]
        if one and (limit or offset):  # paged by the search itself
            found = found[offset or 0 :][: limit or None]
        found_ids = {n.file_id for n in found}
        nodes = found if nodes is None else [n for n in nodes if n.file_id in found_ids]
        if not nodes:
            return []
    result = nodes or []
    if not one and (limit is not None or offset is not None):
        result = result[offset or 0 :][:limit]
    return result


def _int(root: Element, path: str) -> int | None:
    text = root.findtext(path)
    return php_int(text) if text is not None else None


async def filter_files(app: DavView, request: Request, user: User, path: str, prefix: str) -> Response:
    root = parse_body(await request.body())
    if root is None or root.tag != q(OC, "filter-files"):
        name = root.tag if root is not None else ""
        # sabre-io/dav lib/DAV/Server.php: unsupported REPORT -> ReportNotSupported (415)
        raise DavError(415, "ReportNotSupported", f"The {name} report is not supported")
    target = app.backend.require(user.uid, path)
    if not target.is_dir:
        raise DavError(415, "ReportNotSupported", f"The {root.tag} report is not supported")
    blocks = root.findall(q(OC, "filter-rules"))
    rules = list(blocks[-1]) if blocks else []
    if not rules:
        raise DavError(400, "BadRequest", "Missing filter-rule block in request")
    limit = _int(root, f"{q(DAV, 'limit')}/{q(DAV, 'nresults')}")
    offset = _int(root, f"{q(DAV, 'limit')}/{q(NC, 'firstresult')}")
    favorites: list[Node] = []
    if any(rule.tag == q(OC, "favorite") for rule in rules):
        every = sorted(app.backend.children(user.uid, "", recursive=True), key=lambda n: n.file_id)
        ids = [n.file_id for n in every if n.favorite][offset or 0 :][:limit]
        below = {n.file_id: n for n in app.backend.children(user.uid, target.path, recursive=True)}
        favorites = [below[i] for i in ids if i in below]
    tag_ids = [(rule.text or "").strip() for rule in rules if rule.tag == q(OC, "systemtag")]
    results = _tagged(app, user, tag_ids, limit, offset) if tag_ids else []
    if favorites and results:
        wanted = {n.file_id for n in favorites}
        results = [n for n in results if n.file_id in wanted]
    elif not results:
        results = favorites
    prop = root.find(q(DAV, "prop"))
    requested = [c.tag for c in prop] if prop is not None else []
    return multistatus(((href(prefix, n.path, n.is_dir), app.props_of(user, n)) for n in results), requested)
