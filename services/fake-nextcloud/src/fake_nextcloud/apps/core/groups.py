"""Groups of provisioning_api (``/cloud/groups…``): nextcloud/server ``apps/provisioning_api/lib/Controller/
GroupsController.php`` (stable31/32; master's nested groups are not modelled), permission levels in
``provisioning.py``.

* ``getGroups``/``getGroupUsers`` have no ``@NoSubAdminRequired``: an account that administers no group gets
  403 "Logged in account must be at least a sub admin" (``ProvisioningApiMiddleware``).
* ``getGroupUsers``: unknown group 404 "The requested group could not be found", a sub-admin of another group 403
  ``''`` (``OCSForbiddenException``); ``getGroupUsersDetails`` answers 998 with the same message for both.
* ``addGroup`` (``groupid``, ``displayname``): ``empty($groupid)`` -> 101 "Invalid group name", existing -> 102
  "group exists"; ``updateGroup`` (``key`` = ``displayname``, ``value``): unknown group 998 "Group does not
  exist", another key 999 ``''``; ``deleteGroup``: unknown 101 ``''``, ``admin`` 102 ``''``;
  ``getSubAdminsOfGroup``: unknown 101 "Group does not exist". The path's group id goes through ``urldecode``
  once more (``+`` becomes a space) in ``getGroupUsers``, ``updateGroup`` and ``deleteGroup``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.directory import ADMIN_GROUP
from fake_nextcloud.apps.core.models import user_details
from fake_nextcloud.apps.core.provisioning import php_params, require, str_arg
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND, RESPOND_UNKNOWN_ERROR
from fake_nextcloud.core.php import php_empty

__all__ = ["GROUP_ROUTES", "page"]

_OCS = Annotations(ocs=True)
_NO_GROUP = "The requested group could not be found"


def page(ctx: NcContext, items: list[Any]) -> list[Any]:
    """``limit``/``offset`` (a missing or negative limit: everything)."""
    offset = max(0, int(ctx.param("offset", 0) or 0))
    limit = ctx.param("limit")
    end = offset + int(limit) if limit not in (None, "", "-1") and int(limit) >= 0 else None
    return items[offset:end]


def _search(ctx: NcContext, gids: list[str], names: dict[str, str]) -> list[str]:
    """``IGroupManager::search``: group id or display name contains ``search`` (case-insensitive)."""
    term = str(ctx.param("search", "")).lower()
    return page(ctx, [g for g in gids if term in g.lower() or term in names.get(g, g).lower()])


@controller(_OCS)
async def get_groups(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups`` (``search``, ``limit``, ``offset``)."""
    _, directory = require(ctx, "subadmin")
    return OcsResult({"groups": _search(ctx, directory.groups(), directory.display_names)})


@controller(_OCS)
async def get_groups_details(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/details``: ``#[AuthorizedAdminSetting]`` (admins; no delegation modelled)."""
    _, directory = require(ctx, "admin_setting")
    details = []
    for gid in _search(ctx, directory.groups(), directory.display_names):
        members = directory.members(gid)
        details.append(
            {
                "id": gid,
                "displayname": directory.display_name(gid),
                "usercount": len(members),
                "disabled": sum(1 for u in members if not u.enabled),
                "canAdd": True,
                "canRemove": True,
            }
        )
    return OcsResult({"groups": details})


@controller(_OCS)
async def get_group_users(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}`` (deprecated ``getGroup``) and ``…/users`` (``getGroupUsers``)."""
    caller, directory = require(ctx, "subadmin")
    gid = unquote_plus(request.path_params["groupId"])
    if not directory.exists(gid):
        raise OcsError(404, _NO_GROUP)
    if not caller.is_admin and not directory.is_subadmin_of(caller, gid):
        raise OcsError(403, "")
    return OcsResult({"users": [u.uid for u in directory.members(gid)]})


@controller(_OCS)
async def get_group_users_details(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}/users/details`` (``search``, ``limit``, ``offset``): each member's
    ``getUserData``, or only ``{"id"}`` where the caller may not see it (an admin in a sub-admin's group)."""
    caller, directory = require(ctx, "subadmin")
    gid = unquote_plus(request.path_params["groupId"])
    if not directory.exists(gid) or not (caller.is_admin or directory.is_subadmin_of(caller, gid)):
        raise OcsError(RESPOND_NOT_FOUND, _NO_GROUP)
    term = str(ctx.param("search", "")).lower()
    found = [u for u in directory.members(gid) if term in u.uid.lower() or term in u.display_name.lower()]
    users: dict[str, Any] = {}
    for user in page(ctx, found):
        visible = caller.uid == user.uid or directory.can_administer(caller, user)
        details = user_details(ctx.state, user, viewer=caller, include_scopes=False)
        users[user.uid] = details if visible else {"id": user.uid}
    return OcsResult({"users": users})


@controller(_OCS)
async def add_group(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /cloud/groups`` (``groupid``, ``displayname``)."""
    _, directory = require(ctx, "admin_setting")
    params = await php_params(ctx, request)
    gid, display_name = str_arg(params, "groupid"), str_arg(params, "displayname", "")
    if php_empty(gid):
        raise OcsError(101, "Invalid group name")
    if directory.exists(gid):
        raise OcsError(102, "group exists")
    directory.create(gid, display_name)
    return OcsResult([])


@controller(_OCS)
async def update_group(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/groups/{groupId}`` (``key``, ``value``)."""
    _, directory = require(ctx, "admin_setting")
    params = await php_params(ctx, request)
    key, value = str_arg(params, "key"), str_arg(params, "value")
    gid = unquote_plus(request.path_params["groupId"])
    if key != "displayname":
        raise OcsError(RESPOND_UNKNOWN_ERROR, "")
    if not directory.exists(gid):
        raise OcsError(RESPOND_NOT_FOUND, "Group does not exist")
    directory.display_names[gid] = value
    return OcsResult([])


@controller(_OCS)
async def delete_group(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /cloud/groups/{groupId}``: members leave it; the ``admin`` group cannot go."""
    _, directory = require(ctx, "admin_setting")
    gid = unquote_plus(request.path_params["groupId"])
    if not directory.exists(gid):
        raise OcsError(101, "")
    if gid == ADMIN_GROUP:
        raise OcsError(102, "")
    directory.delete(gid)
    return OcsResult([])


@controller(_OCS)
async def group_subadmins(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}/subadmins``: user ids with a ``group_admin`` row for the group."""
    _, directory = require(ctx, "admin_setting")
    gid = request.path_params["groupId"]
    if not directory.exists(gid):
        raise OcsError(101, "Group does not exist")
    return OcsResult(sorted(uid for uid, g in directory.subadmins if g == gid))


#: Routes relative to ``/ocs/v{1,2}.php`` (``appinfo/routes.php``, root ``/cloud``).
GROUP_ROUTES: list[BaseRoute] = [
    Route("/cloud/groups", get_groups, methods=["GET"]),
    Route("/cloud/groups", add_group, methods=["POST"]),
    Route("/cloud/groups/details", get_groups_details, methods=["GET"]),
    Route("/cloud/groups/{groupId}/users", get_group_users, methods=["GET"]),
    Route("/cloud/groups/{groupId}/users/details", get_group_users_details, methods=["GET"]),
    Route("/cloud/groups/{groupId}/subadmins", group_subadmins, methods=["GET"]),
    Route("/cloud/groups/{groupId}", get_group_users, methods=["GET"]),
    Route("/cloud/groups/{groupId}", update_group, methods=["PUT"]),
    Route("/cloud/groups/{groupId}", delete_group, methods=["DELETE"]),
]
