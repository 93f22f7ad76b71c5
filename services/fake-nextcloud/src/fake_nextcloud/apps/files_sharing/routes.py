"""OCS routes of files_sharing (``/ocs/v{1,2}.php/apps/files_sharing/api/v1/…``).

Messages and codes are those of apps/files_sharing/lib/Controller/ShareAPIController.php and
ShareesAPIController.php (nextcloud/server); ``OCSNotFoundException`` -> 404, ``OCSBadRequestException`` -> 400,
``OCSForbiddenException`` -> 403.

Controller arguments (``@php_method``) as declared by ShareAPIController.php and ShareesAPIController.php on
stable31+ (the parameters of the v31.0.9 OpenAPI spec vendored in ``openapi/files_sharing.json``): every body or
query argument has a default, so none is required; the flags are *strings* compared with ``=== 'true'``
(``shared_with_me``, ``subfiles``, ``publicUpload``, ``hideDownload``, ``sendMail``), not PHP booleans.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.dav.models import DavBackend, DavError, Node
from fake_nextcloud.apps.files_sharing.models import (
    PERM_ALL,
    PERM_CREATE,
    PERM_DELETE,
    PERM_READ,
    PERM_UPDATE,
    SHARE_TYPES,
    Share,
    SharingBackend,
    format_share,
    parse_expire_date,
)
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.events import Event
from fake_nextcloud.core.signature import php_method

__all__ = ["SHARING_ROUTES"]

_OCS = Annotations(ocs=True)

_WRONG_PATH = "Wrong path, file/folder does not exist"
_WRONG_ID = "Wrong share ID, share does not exist"


def _node(ctx: NcContext, path: str) -> Node:
    assert ctx.user is not None
    try:
        node = DavBackend.of(ctx.state).get(ctx.user.uid, path)
    except DavError:
        node = None
    if node is None:
        raise OcsError(404, _WRONG_PATH)
    return node


def _fmt(ctx: NcContext, share: Share) -> dict[str, Any]:
    assert ctx.user is not None
    return format_share(ctx.state, share, ctx.user.uid, ctx.base_url)


@controller(_OCS)
@php_method(
    "ShareAPIController::getShares",
    "string $shared_with_me = 'false', string $reshares = 'false', string $subfiles = 'false', string $path = '',"
    " string $include_tags = 'false'",
)
async def list_shares(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::getShares`` (``shared_with_me``, ``path``, ``subfiles``)."""
    assert ctx.user is not None
    a, backend = ctx.args, SharingBackend.of(ctx.state)
    if a["shared_with_me"] == "true":
        shares = [s for s in backend.received_by(ctx.user.uid) if s.accepted]
    else:
        shares = [s for s in backend.shares.values() if s.owner == ctx.user.uid]
    if a["path"] != "":
        node = _node(ctx, a["path"])
        if a["subfiles"] == "true":
            if not node.is_dir:
                # getShares: subfiles on a file -> OCSBadRequestException
                raise OcsError(400, "Not a directory")
            ids = {n.file_id for n in DavBackend.of(ctx.state).children(ctx.user.uid, node.path)}
        else:
            ids = {node.file_id}
        shares = [s for s in shares if s.file_id in ids]
    return OcsResult([_fmt(ctx, s) for s in sorted(shares, key=lambda s: s.id)])


@controller(_OCS)
@php_method(
    "ShareAPIController::createShare",
    "?string $path = null, ?int $permissions = null, int $shareType = -1, ?string $shareWith = null,"
    " ?string $publicUpload = null, string $password = '', ?string $sendPasswordByTalk = null,"
    " ?string $expireDate = null, string $note = '', string $label = '', ?string $attributes = null,"
    " ?string $sendMail = null",
)
async def create_share(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::createShare``."""
    assert ctx.user is not None
    a = ctx.args
    if a["path"] is None:
        raise OcsError(404, "Please specify a file or folder path")
    node = _node(ctx, a["path"])
    if node.path == "":
        raise OcsError(403, "You cannot share your root folder")
    share_type: int = a["shareType"]
    share_with: str | None = a["shareWith"]
    state = ctx.state
    if share_type not in SHARE_TYPES:
        raise OcsError(400, "Unknown share type")
    permissions: int | None = a["permissions"]
    if permissions is None:  # createShare: shareapi_default_permissions (31); link shares read only
        permissions = PERM_READ if share_type == 3 else PERM_ALL
    if a["publicUpload"] == "true" and share_type == 3:
        if not node.is_dir:
            raise OcsError(404, "Public upload is only possible for publicly shared folders")
        permissions = PERM_READ | PERM_CREATE | PERM_UPDATE | PERM_DELETE
    if not node.is_dir:  # files cannot get create/delete permissions
        permissions &= ~(PERM_DELETE | PERM_CREATE)
    if share_type == 0:
        if not share_with or state.user(str(share_with)) is None:
            raise OcsError(404, "Please specify a valid account to share with")
        if share_with == ctx.user.uid:  # lib/private/Share20/Manager.php::userCreateChecks
            raise OcsError(403, "Cannot share with yourself")
    elif share_type == 1:
        groups = {g for u in state.users.values() for g in u.groups}
        if not share_with or share_with not in groups:
            raise OcsError(404, "Please specify a valid group")
    elif share_type == 4 and (not share_with or "@" not in share_with):
        raise OcsError(404, "Please specify a valid email address")
    expire: str | None = a["expireDate"]
    expiration = None
    if expire:
        try:
            expiration = parse_expire_date(expire)
        except ValueError:  # the quirk: a bad date is an OCSNotFoundException (404)
            raise OcsError(404, "Invalid date, date format must be YYYY-MM-DD") from None
    backend = SharingBackend.of(state)
    share = backend.create(ctx.user.uid, node, share_type, share_with if share_type != 3 else None, permissions)
    share.expiration = expiration
    share.password = a["password"] or None
    share.note = a["note"]
    share.label = a["label"] if share_type == 3 else ""
    share.mail_send = share_type in (0, 1, 4) and a["sendMail"] == "true"
    _publish(ctx, "share_created", share, node)
    return OcsResult(_fmt(ctx, share))


def _publish(ctx: NcContext, name: str, share: Share, node: Node | None) -> None:
    """``ShareCreatedEvent``/``ShareDeletedEvent`` (lib/private/Share20/Manager.php), which the activity app turns
    into activities (nextcloud/activity lib/Listener/ShareEventListener.php -> FilesHooks::share/unShare)."""
    assert ctx.user is not None
    path = f"/{node.path}" if node is not None else None
    data = {"share_id": share.id, "share_type": share.share_type, "share_with": share.share_with}
    data |= {"owner": share.owner, "file_id": share.file_id, "path": path, "is_dir": node is not None and node.is_dir}
    ctx.state.events.publish(Event("files_sharing", name, ctx.user.uid, data))


def _share(ctx: NcContext) -> Share:
    """``getShareById($id)`` + ``canAccessShare``: 404 "Wrong share ID, share does not exist"."""
    assert ctx.user is not None
    raw = ctx.args["id"].removeprefix("ocinternal:")
    share = SharingBackend.of(ctx.state).visible_to(ctx.user.uid, int(raw)) if raw.isdigit() else None
    if share is None:
        raise OcsError(404, _WRONG_ID)
    return share


@controller(_OCS)
@php_method("ShareAPIController::getShare", "string $id, bool $include_tags = false")
async def get_share(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::getShare``: a list with one share."""
    return OcsResult([_fmt(ctx, _share(ctx))])


_UPDATE_FIELDS = (
    "permissions", "password", "sendPasswordByTalk", "publicUpload", "expireDate", "note", "label", "hideDownload",
    "attributes", "sendMail", "token",
)  # fmt: skip


@controller(_OCS)
@php_method(
    "ShareAPIController::updateShare",
    "string $id, ?int $permissions = null, ?string $password = null, ?string $sendPasswordByTalk = null,"
    " ?string $publicUpload = null, ?string $expireDate = null, ?string $note = null, ?string $label = null,"
    " ?string $hideDownload = null, ?string $attributes = null, ?string $sendMail = null, ?string $token = null",
)
async def update_share(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::updateShare``: only the owner; no parameter -> 400."""
    assert ctx.user is not None
    a = ctx.args
    share = _share(ctx)
    if share.owner != ctx.user.uid:
        raise OcsError(403, "You are not allowed to edit incoming shares")
    if all(a[n] is None for n in _UPDATE_FIELDS):
        raise OcsError(400, "Wrong or no update parameter given")
    if a["permissions"] is not None:
        share.permissions = a["permissions"]
    if a["password"] is not None:
        share.password = a["password"] or None
    if a["expireDate"] is not None:
        try:
            share.expiration = parse_expire_date(a["expireDate"]) if a["expireDate"] else None
        except ValueError:
            raise OcsError(400, "Invalid date. Format must be YYYY-MM-DD") from None
    if a["note"] is not None:
        share.note = a["note"]
    if a["label"] is not None:
        share.label = a["label"]
    if a["hideDownload"] in ("true", "false"):  # any other value leaves it as it is
        share.hide_download = a["hideDownload"] == "true"
    return OcsResult(_fmt(ctx, share))


@controller(_OCS)
@php_method("ShareAPIController::deleteShare", "string $id")
async def delete_share(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::deleteShare``: the owner deletes it; a recipient leaves it (``deleteFromSelf``)."""
    share = _share(ctx)
    SharingBackend.of(ctx.state).shares.pop(share.id, None)
    _publish(ctx, "share_deleted", share, DavBackend.of(ctx.state).find_by_id(share.owner, share.file_id))
    return OcsResult([])


@controller(_OCS)
@php_method("ShareAPIController::pendingShares")
async def pending_shares(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::pendingShares``."""
    assert ctx.user is not None
    backend = SharingBackend.of(ctx.state)
    return OcsResult([_fmt(ctx, s) for s in backend.received_by(ctx.user.uid) if not s.accepted])


@controller(_OCS)
@php_method("ShareAPIController::acceptShare", "string $id")
async def accept_share(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareAPIController::acceptShare``: unknown id -> 404 "Wrong share ID, share does not exist"."""
    share = _share(ctx)
    share.accepted = True
    return OcsResult([])


def _sharee_user(ctx: NcContext, uid: str) -> dict[str, Any]:
    user = ctx.state.user(uid)
    assert user is not None
    return {
        "label": user.display_name,
        "subline": "",
        "icon": "icon-user",
        "shareWithDisplayNameUnique": user.email or user.uid,
        "status": {"status": "offline", "message": "", "icon": "", "clearAt": None},
        "value": {"shareType": 0, "shareWith": user.uid},
    }


@controller(_OCS)
@php_method(
    "ShareesAPIController::search",
    "string $search = '', ?string $itemType = null, int $page = 1, int $perPage = 200, $shareType = null,"
    " bool $lookup = false",
)
async def sharees(ctx: NcContext, request: Request) -> OcsResult:
    """``ShareesAPIController::search`` (users and groups; the current user is never offered)."""
    assert ctx.user is not None
    term = ctx.args["search"].lower()
    users, exact_users = [], []
    for user in sorted(ctx.state.users.values(), key=lambda u: u.uid):
        if user.uid == ctx.user.uid:
            continue
        keys = [user.uid.lower(), user.display_name.lower(), (user.email or "").lower()]
        if term in keys:
            exact_users.append(_sharee_user(ctx, user.uid))
        elif any(term in k for k in keys):
            users.append(_sharee_user(ctx, user.uid))
    groups, exact_groups = [], []
    for group in sorted({g for u in ctx.state.users.values() for g in u.groups}):
        entry = {"label": group, "value": {"shareType": 1, "shareWith": group}}
        if group.lower() == term:
            exact_groups.append(entry)
        elif term in group.lower():
            groups.append(entry)
    empty: dict[str, list[Any]] = {k: [] for k in ("circles", "emails", "remote_groups", "remotes", "rooms")}
    data = {
        "exact": {**empty, "users": exact_users, "groups": exact_groups},
        **empty,
        "users": users,
        "groups": groups,
        "lookup": [],
        "lookupEnabled": False,
    }
    return OcsResult(data)


_BASE = "/apps/files_sharing/api/v1"
SHARING_ROUTES: list[BaseRoute] = [
    Route(f"{_BASE}/shares", list_shares, methods=["GET"]),
    Route(f"{_BASE}/shares", create_share, methods=["POST"]),
    Route(f"{_BASE}/shares/pending", pending_shares, methods=["GET"]),
    Route(f"{_BASE}/shares/pending/{{id}}", accept_share, methods=["POST"]),
    Route(f"{_BASE}/shares/{{id}}", get_share, methods=["GET"]),
    Route(f"{_BASE}/shares/{{id}}", update_share, methods=["PUT"]),
    Route(f"{_BASE}/shares/{{id}}", delete_share, methods=["DELETE"]),
    Route(f"{_BASE}/sharees", sharees, methods=["GET"]),
]
