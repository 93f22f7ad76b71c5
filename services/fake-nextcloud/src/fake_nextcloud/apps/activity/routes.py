"""OCS routes of the activity app (nextcloud/activity v34.0.2 appinfo/routes.php, ``/ocs/v{1,2}.php/apps/activity``):
``GET /api/v2/activity`` (``APIv2Controller::getDefault``), ``GET /api/v2/activity/filters`` (``listFilters``),
``GET /api/v2/activity/{filter}`` (``getFilter``). ``downloads/count`` and the v1 ``/cloud/activity`` are missing.

``APIv2Controller::get``: an unknown filter is 404 (``validateFilter`` maps it to ``all``, which differs);
``object_type``/``object_id`` only count together and only filter with the ``filter`` filter (any other filter
just carries them into the ``Link``); a ``since`` of another user is 403; no rows at all (the end of the stream,
nothing new since ``since``) is **304** with the headers, as is an ``If-None-Match`` equal to the ``ETag``
(``md5(json_encode($ids))``, unquoted, set as a plain header); ``Link: <…?since=<last given>&limit&sort
[&object_type&object_id][&format]>; rel="next"`` only when more rows exist; ``X-Activity-First-Known`` without a
(known) ``since``, ``X-Activity-Last-Given`` whenever rows were read. Each activity: ``GroupHelper::eventToArray``
minus ``affecteduser``, ``timestamp`` turned into ``datetime`` (``DateTime::ATOM``), ``previews`` with
``previews=true`` (mime-type icons only here).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.activity.filters import filters_for, matches
from fake_nextcloud.apps.activity.models import Activity, ActivityBackend, InvalidSince
from fake_nextcloud.apps.activity.providers import render
from fake_nextcloud.apps.dav.models import mime_type
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.signature import php_method

__all__ = ["ACTIVITY_ROUTES"]

_OCS = Annotations(ocs=True)
_BASE = "/apps/activity/api/v2/activity"
_PARAMS = "int $since = 0, int $limit = 50, bool $previews = false, string $object_type = '', int $object_id = 0,"
_PARAMS += " string $sort = 'desc'"


def _enabled(ctx: NcContext) -> None:
    if not ctx.state.app_enabled("activity"):  # routes of a disabled app do not exist
        raise OcsError(998, "")


def _item(ctx: NcContext, row: Activity, previews: bool) -> dict[str, Any] | None:
    rendered = render(ctx.state, row, ctx.base_url)
    if rendered is None:
        return None
    subject, rich, params, icon = rendered
    objects: dict[str, str] | list[str] = {str(row.object_id): row.object_name} if row.object_id else []
    if not row.object_id and row.object_name:  # PHP [0 => name] is a JSON list
        objects = [row.object_name]
    item: dict[str, Any] = {
        "activity_id": row.id,
        "app": row.app,
        "type": row.type,
        "user": row.author,
        "subject": subject,
        "subject_rich": [rich, params or []],
        "message": "",
        "message_rich": ["", []],
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_name": row.object_name,
        "objects": objects,
        "link": ctx.absolute_url(row.link) if row.link else "",
        "icon": icon,
        "datetime": datetime.fromtimestamp(row.timestamp, UTC).isoformat(timespec="seconds"),
    }
    if previews:  # APIv2Controller::getPreviewFromPath (a mime-type icon; no preview generator here)
        item["previews"] = []
        if row.object_type == "files" and row.object_id:
            mime = mime_type(row.object_name)
            item["previews"].append({
                "link": ctx.absolute_url(f"/index.php/f/{row.object_id}"),
                "source": ctx.absolute_url("/core/img/filetypes/file.svg"),
                "mimeType": mime, "isMimeTypeIcon": True, "fileId": row.object_id, "view": "files",
                "filename": row.object_name.rsplit("/", 1)[-1],
            })  # fmt: skip
    return item


def _get(ctx: NcContext, name: str) -> OcsResult:
    """``APIv2Controller::get`` + ``Data::get``."""
    _enabled(ctx)
    assert ctx.user is not None
    uid, a = ctx.user.uid, ctx.args
    known = {f.id for f in filters_for(ctx.state)} | {"filter"}
    if name not in known:
        return OcsResult([], status=404)
    sort = a["sort"] if a["sort"] in ("asc", "desc") else "desc"
    object_type, object_id = a["object_type"], a["object_id"]
    if (object_type != "") != (object_id != 0):  # only allowed together
        object_type, object_id = "", 0
    backend = ActivityBackend.of(ctx.state)
    rows = [r for r in backend.rows if r.affected == uid and matches(ctx.state, uid, name, r, object_type, object_id)]
    try:
        page = backend.get(uid, rows, a["since"], a["limit"], sort)
    except InvalidSince:
        return OcsResult([], status=403)
    headers = dict(page.headers)
    if page.has_more and "X-Activity-Last-Given" in headers:
        query: dict[str, Any] = {"since": headers["X-Activity-Last-Given"], "limit": a["limit"], "sort": sort}
        if object_type and object_id:
            query |= {"object_type": object_type, "object_id": object_id}
        if ctx.param("format") is not None:
            query["format"] = ctx.param("format")
        headers["Link"] = f'<{ctx.absolute_url(ctx.path)}?{urlencode(query)}>; rel="next"'
    ids = json.dumps([r.id for r in page.rows], separators=(",", ":"))
    headers["ETag"] = hashlib.md5(ids.encode(), usedforsecurity=False).hexdigest()
    if not page.rows or ctx.header("If-None-Match") == headers["ETag"]:
        return OcsResult([], status=304, headers=headers)
    items = [_item(ctx, r, bool(a["previews"])) for r in page.rows]
    return OcsResult([i for i in items if i is not None], headers=headers)


@controller(_OCS)
@php_method("APIv2Controller::getDefault", _PARAMS)
async def get_default(ctx: NcContext, request: Request) -> OcsResult:
    """``APIv2Controller::getDefault``: the ``all`` filter."""
    return _get(ctx, "all")


@controller(_OCS)
@php_method("APIv2Controller::getFilter", "string $filter, " + _PARAMS)
async def get_filter(ctx: NcContext, request: Request) -> OcsResult:
    """``APIv2Controller::getFilter``."""
    return _get(ctx, ctx.args["filter"])


@controller(_OCS)
@php_method("APIv2Controller::listFilters")
async def list_filters(ctx: NcContext, request: Request) -> OcsResult:
    """``APIv2Controller::listFilters``: id, name, icon (absolute), priority; sorted by priority, then id."""
    _enabled(ctx)
    filters = filters_for(ctx.state)
    data = [{"id": f.id, "name": f.name, "icon": ctx.absolute_url(f.icon), "priority": f.priority} for f in filters]
    return OcsResult(data)


ACTIVITY_ROUTES: list[BaseRoute] = [
    Route(_BASE, get_default, methods=["GET"]),
    Route(f"{_BASE}/filters", list_filters, methods=["GET"]),
    Route(f"{_BASE}/{{filter}}", get_filter, methods=["GET"]),
]
