"""File comments: ``/remote.php/dav/comments/files/{fileid}`` (apps/dav/lib/Comments/, nextcloud/server).

``PROPFIND`` (Depth 1) and ``REPORT oc:filter-comments`` (``oc:limit``, ``oc:offset``; newest first) list the
comments; ``POST`` a JSON ``{"actorType": "users", "verb": "comment", "message": …}`` adds one -> 201 with
``Content-Location`` (``CommentsPlugin::httpPost``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import OC, PropValue, multistatus, parse_body, parse_propfind, q, texts
from fake_nextcloud.core.urls import webroot

if TYPE_CHECKING:
    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = ["Comment", "comments"]

_MAX_MESSAGE = 1000  # OCP\Comments\IComment::MAX_MESSAGE_LENGTH


@dataclass
class Comment:
    id: int
    file_id: int
    actor: str
    actor_name: str
    message: str
    created: int


def _props(c: Comment) -> dict[str, PropValue]:
    created = datetime.fromtimestamp(c.created, tz=UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return {
        q(OC, "id"): str(c.id),
        q(OC, "parentId"): "0",
        q(OC, "topmostParentId"): "0",
        q(OC, "childrenCount"): "0",
        q(OC, "verb"): "comment",
        q(OC, "actorType"): "users",
        q(OC, "actorId"): c.actor,
        q(OC, "actorDisplayName"): c.actor_name,
        q(OC, "creationDateTime"): created,
        q(OC, "latestChildDateTime"): None,
        q(OC, "objectType"): "files",
        q(OC, "objectId"): str(c.file_id),
        q(OC, "message"): c.message,
        q(OC, "isUnread"): "false",
    }


async def comments(app: DavView, request: Request, user: User, rest: str) -> Response:
    """``rest`` is ``files/{fileid}[/…]``."""
    parts = rest.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "files" or not parts[1].isdigit():
        raise DavError(404, "NotFound", f"File with name {rest} could not be located")
    file_id = int(parts[1])
    backend = app.backend
    if backend.find_by_id(user.uid, file_id) is None:
        # apps/dav/lib/Comments/EntityTypeCollection::getChild: the entity must be readable by the user
        raise DavError(404, "NotFound", "Entity does not exist or user has no access")
    store: list[Comment] = backend.comments.setdefault(file_id, [])
    base = f"/remote.php/dav/comments/files/{file_id}"
    if request.method == "POST":
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise DavError(400, "BadRequest", "Invalid request body") from None
        message = str(data.get("message", "")) if isinstance(data, dict) else ""
        if not isinstance(data, dict) or data.get("actorType") != "users" or data.get("verb") != "comment":
            raise DavError(400, "BadRequest", "Invalid actor type or verb")  # CommentsPlugin::createComment
        if len(message) > _MAX_MESSAGE:
            raise DavError(413, "RequestedRangeNotSatisfiable", "Message exceeds allowed character limit of 1000")
        backend.comment_counter += 1
        comment = Comment(backend.comment_counter, file_id, user.uid, user.display_name, message, app.state.time())
        store.append(comment)
        # CommentsPlugin::httpPost: rtrim($request->getUrl(), '/') . '/' . id; the request URL carries the webroot
        return Response(status_code=201, headers={"Content-Location": f"{webroot()}{base}/{comment.id}"})
    ordered = sorted(store, key=lambda c: (-c.created, -c.id))
    if request.method == "REPORT":
        root = parse_body(await request.body())
        limit = next((int(t) for t in texts(root, q(OC, "limit")) if t.isdigit()), 20)
        offset = next((int(t) for t in texts(root, q(OC, "offset")) if t.isdigit()), 0)
        return multistatus(((f"{base}/{c.id}", _props(c)) for c in ordered[offset : offset + limit]), None)
    if request.method == "PROPFIND":
        requested = parse_propfind(await request.body())
        entries: list[tuple[str, dict[str, PropValue]]] = [(f"{base}/", {q("DAV:", "resourcetype"): None})]
        if request.headers.get("depth", "infinity") != "0":
            entries += [(f"{base}/{c.id}", _props(c)) for c in ordered]
        return multistatus(entries, requested)
    raise DavError(405, "MethodNotAllowed", f"{request.method} is not allowed here")
