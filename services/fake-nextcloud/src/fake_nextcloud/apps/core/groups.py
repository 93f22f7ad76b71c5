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

Signatures (``@php_method``) as in ``GroupsController.php`` (stable31 to master; the same parameters as the v31.0.9
OpenAPI spec in ``openapi/provisioning_api.json``): ``addGroup`` needs ``groupid`` and ``updateGroup`` ``key`` and
``value`` (missing: a ``TypeError``, OCS 996); ``search``/``limit``/``offset`` are ``string $search = ''``,
``?int $limit = null``, ``int $offset = 0``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.directory import ADMIN_GROUP, Directory
from fake_nextcloud.apps.core.models import user_details
from fake_nextcloud.apps.core.provisioning import caller, provisioning_api
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND, RESPOND_UNKNOWN_ERROR
from fake_nextcloud.core.php import php_empty
from fake_nextcloud.core.signature import php_method

__all__ = ["GROUP_ROUTES", "SEARCH_PARAMETERS", "page"]

_OCS = Annotations(ocs=True)
_NO_GROUP = "The requested group could not be found"
#: The paging arguments of the list methods (``getUsers``, ``getGroups``, their ``…Details``).
SEARCH_PARAMETERS = "string $search = '', ?int $limit = null, int $offset = 0"


def page(ctx: NcContext, items: list[Any]) -> list[Any]:
    """The bound ``limit``/``offset`` applied to a list (no or a negative limit: everything)."""
    offset, limit = max(0, ctx.args["offset"]), ctx.args["limit"]
    return items[offset : offset + limit if limit is not None and limit >= 0 else None]


def _search(ctx: NcContext, directory: Directory) -> list[str]:
    """``IGroupManager::search``: group id or display name contains ``search`` (case-insensitive)."""
    term = ctx.args["search"].lower()
    names = directory.display_names
    return page(ctx, [g for g in directory.groups() if term in g.lower() or term in names.get(g, g).lower()])


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("GroupsController::getGroups", SEARCH_PARAMETERS)
async def get_groups(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups`` (``search``, ``limit``, ``offset``)."""
    return OcsResult({"groups": _search(ctx, Directory.of(ctx.state))})


@controller(_OCS)
@provisioning_api("admin_setting")
@php_method("GroupsController::getGroupsDetails", SEARCH_PARAMETERS)
async def get_groups_details(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/details``: ``#[AuthorizedAdminSetting]`` (admins; no delegation modelled)."""
    directory = Directory.of(ctx.state)
    details = []
    for gid in _search(ctx, directory):
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


def _group_users(ctx: NcContext) -> OcsResult:
    """``getGroupUsers``: unknown group -> 404, a sub-admin of other groups -> 403 ``''``."""
    user, directory = caller(ctx)
    gid = unquote_plus(ctx.args["groupId"])
    if not directory.exists(gid):
        raise OcsError(404, _NO_GROUP)
    if not user.is_admin and not directory.is_subadmin_of(user, gid):
        raise OcsError(403, "")
    return OcsResult({"users": [u.uid for u in directory.members(gid)]})


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("GroupsController::getGroup", "string $groupId")
async def get_group(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}`` (deprecated: ``return $this->getGroupUsers($groupId)``)."""
    return _group_users(ctx)


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("GroupsController::getGroupUsers", "string $groupId")
async def get_group_users(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}/users``."""
    return _group_users(ctx)


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("GroupsController::getGroupUsersDetails", "string $groupId, " + SEARCH_PARAMETERS)
async def get_group_users_details(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}/users/details`` (``search``, ``limit``, ``offset``): each member's
    ``getUserData``, or only ``{"id"}`` where the caller may not see it (an admin in a sub-admin's group)."""
    user, directory = caller(ctx)
    gid = unquote_plus(ctx.args["groupId"])
    if not directory.exists(gid) or not (user.is_admin or directory.is_subadmin_of(user, gid)):
        raise OcsError(RESPOND_NOT_FOUND, _NO_GROUP)
    term = ctx.args["search"].lower()
    found = [u for u in directory.members(gid) if term in u.uid.lower() or term in u.display_name.lower()]
    users: dict[str, Any] = {}
    for member in page(ctx, found):
        visible = user.uid == member.uid or directory.can_administer(user, member)
        details = user_details(ctx.state, member, viewer=user, include_scopes=False)
        users[member.uid] = details if visible else {"id": member.uid}
    return OcsResult({"users": users})


@controller(_OCS)
@provisioning_api("admin_setting")
@php_method("GroupsController::addGroup", "string $groupid, string $displayname = ''")
async def add_group(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /cloud/groups`` (``groupid``, ``displayname``)."""
    directory, gid = Directory.of(ctx.state), ctx.args["groupid"]
    if php_empty(gid):
        raise OcsError(101, "Invalid group name")
    if directory.exists(gid):
        raise OcsError(102, "group exists")
    directory.create(gid, ctx.args["displayname"])
    return OcsResult([])


@controller(_OCS)
@provisioning_api("admin_setting")
@php_method("GroupsController::updateGroup", "string $groupId, string $key, string $value")
async def update_group(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/groups/{groupId}`` (``key``, ``value``)."""
    directory = Directory.of(ctx.state)
    gid = unquote_plus(ctx.args["groupId"])
    if ctx.args["key"] != "displayname":
        raise OcsError(RESPOND_UNKNOWN_ERROR, "")
    if not directory.exists(gid):
        raise OcsError(RESPOND_NOT_FOUND, "Group does not exist")
    directory.display_names[gid] = ctx.args["value"]
    return OcsResult([])


@controller(_OCS)
@provisioning_api("admin_setting")
@php_method("GroupsController::deleteGroup", "string $groupId")
async def delete_group(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /cloud/groups/{groupId}``: members leave it; the ``admin`` group cannot go."""
    directory = Directory.of(ctx.state)
    gid = unquote_plus(ctx.args["groupId"])
    if not directory.exists(gid):
        raise OcsError(101, "")
    if gid == ADMIN_GROUP:
        raise OcsError(102, "")
    directory.delete(gid)
    return OcsResult([])


@controller(_OCS)
@provisioning_api("admin_setting")
@php_method("GroupsController::getSubAdminsOfGroup", "string $groupId")
async def group_subadmins(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/groups/{groupId}/subadmins``: user ids with a ``group_admin`` row for the group."""
    directory, gid = Directory.of(ctx.state), ctx.args["groupId"]
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
    Route("/cloud/groups/{groupId}", get_group, methods=["GET"]),
    Route("/cloud/groups/{groupId}", update_group, methods=["PUT"]),
    Route("/cloud/groups/{groupId}", delete_group, methods=["DELETE"]),
]
