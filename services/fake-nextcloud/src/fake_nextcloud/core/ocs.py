"""OCS envelopes (``{"ocs": {"meta": ..., "data": ...}}``) for ``/ocs/v1.php`` and ``/ocs/v2.php``.

Reproduced from nextcloud/server:

* ``lib/private/AppFramework/OCS/V1Response.php``: HTTP 200 for everything except 997 (401); OCS status
  100 instead of 200; ``meta`` always carries ``totalitems``/``itemsperpage`` (as strings).
* ``lib/private/AppFramework/OCS/V2Response.php``: HTTP status = OCS status, except 997 -> 401,
  998 -> 404, 996/999 -> 500 and anything < 200 or > 600 -> 400.
* ``lib/private/AppFramework/OCS/BaseResponse.php``: ``json_encode(..., JSON_HEX_TAG)`` or XMLWriter with
  indentation; no body for 204/304/1xx; ``Content-Type`` ``application/json`` or ``application/xml``.
* Format negotiation: ``Dispatcher::executeController`` (``format`` parameter, then the first
  ``Accept`` entry with a registered responder, else ``xml``), ``Request::getFormat`` (used by
  ``OCSMiddleware`` for error envelopes) and ``OC\\OCS\\ApiHelper::respond`` (only the ``format``
  parameter, default ``xml``; used by ``ocs/v1.php`` for login failures and unknown routes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from starlette.responses import Response

from fake_nextcloud.core.php import php_json_encode

__all__ = [
    "RESPOND_NOT_FOUND",
    "RESPOND_SERVER_ERROR",
    "RESPOND_UNAUTHORISED",
    "RESPOND_UNKNOWN_ERROR",
    "api_helper_respond",
    "dispatcher_format",
    "ocs_http_status",
    "ocs_response",
    "render_xml",
    "request_format",
]

RESPOND_UNAUTHORISED = 997
RESPOND_SERVER_ERROR = 996
RESPOND_NOT_FOUND = 998
RESPOND_UNKNOWN_ERROR = 999

_RESPONDERS = ("json", "xml")


def ocs_http_status(version: int, status: int) -> int:
    """HTTP status of a V1/V2 response whose DataResponse status is ``status``."""
    if version == 1:
        return 401 if status == RESPOND_UNAUTHORISED else 200
    if status == RESPOND_UNAUTHORISED:
        return 401
    if status == RESPOND_NOT_FOUND:
        return 404
    if status in (RESPOND_SERVER_ERROR, RESPOND_UNKNOWN_ERROR):
        return 500
    if status < 200 or status > 600:
        return 400
    return status


def _meta(version: int, status: int, message: str | None, total: int | None, per_page: int | None) -> dict[str, Any]:
    if version == 1:
        code = 100 if status == 200 else status
        return {
            "status": "ok" if code == 100 else "failure",
            "statuscode": code,
            "message": "OK" if code == 100 else (message or ""),
            "totalitems": "" if total is None else str(total),
            "itemsperpage": "" if per_page is None else str(per_page),
        }
    ok = 200 <= status < 300
    meta: dict[str, Any] = {
        "status": "ok" if ok else "failure",
        "statuscode": status,
        "message": "OK" if ok else (message or ""),
    }
    if total is not None:
        meta["totalitems"] = total
    if per_page is not None:
        meta["itemsperpage"] = per_page
    return meta


def render_xml(document: Mapping[str, Any]) -> str:
    """PHP ``XMLWriter`` output of ``BaseResponse::toXML`` (indent 1 space; list items are ``element``;
    ``true`` -> ``1``, ``false`` -> empty; ``null`` and empty arrays -> ``<k/>``; ``$comment`` -> comment).
    Attributes (``@``-keys) are not needed by any implemented route and are not supported."""
    lines = ['<?xml version="1.0"?>']
    _xml_items(lines, document, 0)
    return "\n".join(lines) + "\n"


def _xml_items(lines: list[str], items: Mapping[str, Any] | list[Any], depth: int) -> None:
    pairs = enumerate(items) if isinstance(items, list) else items.items()
    pad = " " * depth
    for key, value in pairs:
        name = "element" if isinstance(key, int) or str(key).isdigit() else str(key)
        if name == "$comment":
            lines.append(f"{pad}<!--{value}-->")
        elif isinstance(value, Mapping | list):
            if not value:
                lines.append(f"{pad}<{name}/>")
            else:
                lines.append(f"{pad}<{name}>")
                _xml_items(lines, value, depth + 1)
                lines.append(f"{pad}</{name}>")
        elif value is None:
            lines.append(f"{pad}<{name}/>")
        else:
            text = ("1" if value else "") if isinstance(value, bool) else str(value)
            lines.append(f"{pad}<{name}>{escape(text)}</{name}>")


def _render(version: int, status: int, data: Any, message: str | None, fmt: str) -> tuple[bytes, str]:
    document = {"ocs": {"meta": _meta(version, status, message, None, None), "data": data}}
    if fmt == "json":
        return php_json_encode(document, hex_tag=True).encode("utf-8"), "application/json; charset=utf-8"
    return render_xml(document).encode("utf-8"), "application/xml; charset=utf-8"


def ocs_response(
    version: int,
    status: int,
    data: Any,
    *,
    fmt: str,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """A V1Response/V2Response. ``status`` is the DataResponse status (200 on success)."""
    http_status = ocs_http_status(version, status)
    out_headers = dict(headers or {})
    if etag is not None:
        out_headers["ETag"] = f'"{etag}"'
    body, content_type = _render(version, status, data, message, fmt)
    out_headers["Content-Type"] = content_type
    if http_status in (204, 304) or http_status < 200:  # BaseResponse::render: no body
        body = b""
    return Response(body, status_code=http_status, headers=out_headers)


def dispatcher_format(params: Mapping[str, Any], accept: str) -> str:
    """Format a successful OCS controller result is rendered in (``Dispatcher::executeController``,
    ``Controller::getResponderByHTTPHeader``, ``OCSController::buildResponse`` default ``xml``)."""
    fmt = params.get("format")
    if isinstance(fmt, str):
        return fmt
    for part in accept.split(","):
        responder = part.strip().lower().replace("application/", "")
        if responder in _RESPONDERS:
            return responder
    return "xml"


def request_format(params: Mapping[str, Any], accept: str) -> str:
    """``Request::getFormat`` as used by ``OCSMiddleware::buildNewResponse`` (unregistered -> ``xml``)."""
    fmt = params.get("format")
    if not isinstance(fmt, str):
        fmt = None
        for part in accept.split(","):
            entry = part.strip().lower()
            if entry.startswith("application/"):
                fmt = entry[len("application/") :]
                break
    return fmt if fmt in _RESPONDERS else "xml"


def api_helper_content_type(fmt: str) -> str:
    """``ApiHelper::setContentType``."""
    if fmt == "xml":
        return "text/xml; charset=UTF-8"
    if fmt == "json":
        return "application/json; charset=utf-8"
    return "application/octet-stream; charset=utf-8"


def api_helper_respond(
    version: int,
    status: int,
    message: str,
    params: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    http_status: int | None = None,
) -> Response:
    """``OC\\OCS\\ApiHelper::respond``: format from the ``format`` parameter only (default ``xml``), and
    ``WWW-Authenticate: Basic realm="Authorisation Required"`` with HTTP 401 for 997."""
    raw = params.get("format", "xml")
    fmt = raw if isinstance(raw, str) else "xml"
    body, _ = _render(version, status, [], message, fmt)
    out = dict(headers or {})
    if status == RESPOND_UNAUTHORISED:
        out["WWW-Authenticate"] = 'Basic realm="Authorisation Required"'
    out["Content-Type"] = api_helper_content_type(fmt)
    code = http_status if http_status is not None else ocs_http_status(version, status)
    return Response(body, status_code=code, headers=out)
