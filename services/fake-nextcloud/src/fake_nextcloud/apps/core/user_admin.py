"""Account administration of provisioning_api (``/cloud/users…``): create, edit, delete, enable/disable, group
membership and sub-admins. nextcloud/server ``apps/provisioning_api/lib/Controller/UsersController.php``
(``addUser``, ``editUser``, ``deleteUser``, ``enableUser``/``disableUser``/``setEnabled``, ``getUsersGroups``,
``addToGroup``, ``removeFromGroup``, ``addSubAdmin``, ``removeSubAdmin``, ``getUserSubAdminGroups``),
``appinfo/routes.php``; permission levels in ``provisioning.py``; account creation rules of
``lib/private/User/Manager.php::createUserFromBackend``/``validateUserId``.

OCS codes as the controller throws them (v2 answers HTTP 400 for codes below 200, 404 for 998):
``addUser`` 102 "User already exists", 104 "group <g> does not exist", 105 "insufficient privileges for group
<g>", 106 "no group specified (required for subadmins)", 102 "Subadmin group does not exist", 103 "Cannot create
subadmins for admin group", 403 "No permissions to promote subadmins", 101 "Invalid password value", 108 "To
send a password link to the user an email address is required.", 101 with the ``validateUserId`` message; the
quota/language given to ``addUser`` are set after the account exists, so a bad one answers 102 and leaves the
account (a bad display name deletes it again). No mail is sent (``newUser.sendEmail`` has no mailer here).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.directory import ADMIN_GROUP, Directory
from fake_nextcloud.apps.core.provisioning import array_arg, php_params, require, str_arg
from fake_nextcloud.apps.core.user_edit import MAX_PASSWORD_LENGTH, apply_edit, permitted_keys
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND
from fake_nextcloud.core.session import random_string
from fake_nextcloud.core.state import User

__all__ = ["USER_ADMIN_ROUTES"]

_OCS = Annotations(ocs=True)
_MAX_USERID_LENGTH = 64  # IUser::MAX_USERID_LENGTH
_RESERVED = (".htaccess", "files_external", "__groupfolders", ".ncdata", "owncloud.log", "nextcloud.log")


def _target(ctx: NcContext, uid: str) -> User | None:
    """``IUserManager::get`` (the Database backend looks user ids up case-insensitively)."""
    return next((u for u in ctx.state.users.values() if u.uid.lower() == uid.lower()), None)


def _validate_user_id(uid: str) -> None:
    """``Manager::validateUserId``: ``InvalidArgumentException`` messages (``addUser`` -> OCS 101)."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.@-'")
    if any(ch not in allowed for ch in uid):
        raise OcsError(
            101, 'Only the following characters are allowed in an Login: "a-z", "A-Z", "0-9", spaces and "_.@-\'"'
        )
    if uid.strip() == "":
        raise OcsError(101, "A valid Login must be provided")
    if uid.strip() != uid:
        raise OcsError(101, "Login contains whitespace at the beginning or at the end")
    if uid in (".", ".."):
        raise OcsError(101, "Login must not consist of dots only")
    if len(uid.encode("utf-8")) > _MAX_USERID_LENGTH:
        raise OcsError(101, "Username is too long")
    if uid in _RESERVED:
        raise OcsError(101, "Login is invalid because files already exist for this user")


def _check_new_user(ctx: NcContext, caller: User, directory: Directory, params: dict[str, Any]) -> None:
    """The checks of ``addUser`` before ``createUser``, in their order."""
    groups, subadmin = array_arg(params, "groups"), array_arg(params, "subadmin")
    if groups:
        for gid in groups:
            if not directory.exists(gid):
                raise OcsError(104, f"group {gid} does not exist")
            if not caller.is_admin and not directory.is_subadmin_of(caller, gid):
                raise OcsError(105, f"insufficient privileges for group {gid}")
    elif not caller.is_admin:
        raise OcsError(106, "no group specified (required for subadmins)")
    for gid in subadmin:
        if not directory.exists(gid):
            raise OcsError(102, "Subadmin group does not exist")
        if gid == ADMIN_GROUP:
            raise OcsError(103, "Cannot create subadmins for admin group")
        if not directory.is_subadmin_of(caller, gid) and not caller.is_admin:
            raise OcsError(403, "No permissions to promote subadmins")


@controller(_OCS)
async def add_user(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /cloud/users`` (``userid``, ``password``, ``displayName``, ``email``, ``groups[]``,
    ``subadmin[]``, ``quota``, ``language``, ``manager``) -> ``{"id": userid}``."""
    caller, directory = require(ctx, "subadmin")
    params = await php_params(ctx, request)
    userid = str_arg(params, "userid")
    password, email = str_arg(params, "password", ""), str_arg(params, "email", "")
    if _target(ctx, userid) is not None:
        raise OcsError(102, "User already exists")
    _check_new_user(ctx, caller, directory, params)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise OcsError(101, "Invalid password value")
    if password == "":
        if email == "":
            raise OcsError(108, "To send a password link to the user an email address is required.")
        password = random_string(14)  # GenerateSecurePasswordEvent fallback; the user gets a reset link
    _validate_user_id(userid)
    if password.strip() == "":
        raise OcsError(101, "A valid password must be provided")
    if any(u.login.lower() == userid.lower() for u in ctx.state.users.values()):
        raise OcsError(101, "The Login is already being used")
    new = ctx.state.add_user(userid, password, persistent=False)
    for gid in array_arg(params, "groups"):
        directory.add_member(new, gid)
    for gid in array_arg(params, "subadmin"):
        directory.subadmins.add((new.uid, gid))
    display_name = str_arg(params, "displayName", "")
    if display_name != "":
        try:
            apply_edit(directory, new, "displayname", display_name)
        except OcsError:
            directory.forget_user(new.uid)
            raise
    for key in ("quota", "language"):
        if str_arg(params, key, "") != "":
            apply_edit(directory, new, key, str_arg(params, key))
    if params.get("manager") is not None:
        apply_edit(directory, new, "manager", str_arg(params, "manager"))
    if email != "":
        new.email = email.strip().lower()
    return OcsResult({"id": userid})


@controller(_OCS)
async def edit_user(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/users/{userId}`` (``key``, ``value``; see ``user_edit``)."""
    caller, directory = require(ctx, "user")
    params = await php_params(ctx, request)
    key, value = str_arg(params, "key"), str_arg(params, "value")
    target = _target(ctx, request.path_params["userId"])
    if target is None:
        raise OcsError(RESPOND_NOT_FOUND, "")
    if key not in permitted_keys(directory, caller, target):
        raise OcsError(113, "")
    apply_edit(directory, target, key, value)
    return OcsResult([])


def _administered(ctx: NcContext, caller: User, directory: Directory, uid: str, *, missing: int) -> User:
    """Target lookup of ``deleteUser``/``setEnabled``: unknown -> ``missing``; oneself -> 101; someone the
    caller may not administer -> 998."""
    target = _target(ctx, uid)
    if target is None:
        raise OcsError(missing, "")
    if target.uid == caller.uid:
        raise OcsError(101, "")
    if not directory.can_administer(caller, target):
        raise OcsError(RESPOND_NOT_FOUND, "")
    return target


@controller(_OCS)
async def delete_user(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /cloud/users/{userId}`` (the account's files and app data are not removed here)."""
    caller, directory = require(ctx, "subadmin")
    target = _administered(ctx, caller, directory, request.path_params["userId"], missing=RESPOND_NOT_FOUND)
    directory.forget_user(target.uid)
    return OcsResult([])


@controller(_OCS)
async def set_enabled(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/users/{userId}/enable|disable`` (``setEnabled``: unknown or oneself -> 101)."""
    caller, directory = require(ctx, "subadmin")
    target = _administered(ctx, caller, directory, request.path_params["userId"], missing=101)
    target.enabled = request.url.path.endswith("/enable")
    return OcsResult([])


@controller(_OCS)
async def user_groups(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/users/{userId}/groups``: all groups for oneself and admins; a sub-admin sees the account's
    groups they administer (``array_intersect`` keeps the keys: not starting at 0, PHP sends an object)."""
    caller, directory = require(ctx, "user")
    target = _target(ctx, request.path_params["userId"])
    if target is None:
        raise OcsError(RESPOND_NOT_FOUND, "")
    if target.uid == caller.uid or caller.is_admin:
        return OcsResult({"groups": list(target.groups)})
    if not directory.user_accessible(caller, target):
        raise OcsError(RESPOND_NOT_FOUND, "")
    kept = {i: gid for i, gid in enumerate(directory.subadmin_groups(caller)) if gid in target.groups}
    groups: Any = list(kept.values()) if list(kept) == list(range(len(kept))) else {str(k): v for k, v in kept.items()}
    return OcsResult({"groups": groups})


@controller(_OCS)
async def membership(ctx: NcContext, request: Request) -> OcsResult:
    """``POST``/``DELETE /cloud/users/{userId}/groups`` (``groupid``): ``addToGroup``/``removeFromGroup``."""
    caller, directory = require(ctx, "subadmin")
    params = await php_params(ctx, request)
    adding = request.method == "POST"
    gid = str_arg(params, "groupid", "" if adding else None)  # removeFromGroup: ``string $groupid``, no default
    blank = gid == "" if adding else gid.strip() == ""
    if blank:
        raise OcsError(101, "")
    if not directory.exists(gid):
        raise OcsError(102, "")
    target = _target(ctx, request.path_params["userId"])
    if target is None:
        raise OcsError(103, "")
    if not caller.is_admin and not directory.is_subadmin_of(caller, gid):
        raise OcsError(104, "")
    if adding:
        directory.add_member(target, gid)
        return OcsResult([])
    if target.uid == caller.uid:
        if not caller.is_admin:
            raise OcsError(105, "Cannot remove yourself from this group as you are a SubAdmin")
        if gid == ADMIN_GROUP:
            raise OcsError(105, "Cannot remove yourself from the admin group")
    elif not caller.is_admin:
        shared = set(directory.subadmin_groups(caller)) & set(target.groups)
        if len(shared) <= 1:
            raise OcsError(105, "Not viable to remove user from the last group you are SubAdmin of")
    directory.remove_member(target, gid)
    return OcsResult([])


@controller(_OCS)
async def subadmins(ctx: NcContext, request: Request) -> OcsResult:
    """``GET``/``POST``/``DELETE /cloud/users/{userId}/subadmins`` (admins only; ``groupid``)."""
    _, directory = require(ctx, "admin")
    target = _target(ctx, request.path_params["userId"])
    if request.method == "GET":  # AUserData::getUserSubAdminGroupsData
        if target is None:
            raise OcsError(404, "User does not exist")
        return OcsResult(directory.subadmin_groups(target))
    gid = str_arg(await php_params(ctx, request), "groupid")
    if target is None:
        raise OcsError(101, "User does not exist")
    if request.method == "POST":
        if not directory.exists(gid):
            raise OcsError(102, "Group does not exist")
        if gid == ADMIN_GROUP:
            raise OcsError(103, "Cannot create subadmins for admin group")
        directory.subadmins.add((target.uid, gid))  # already one: nothing changes
        return OcsResult([])
    if not directory.exists(gid):
        raise OcsError(101, "Group does not exist")
    if (target.uid, gid) not in directory.subadmins:
        raise OcsError(102, "User is not a subadmin of this group")
    directory.subadmins.discard((target.uid, gid))
    return OcsResult([])


#: Routes relative to ``/ocs/v{1,2}.php`` (``appinfo/routes.php``, root ``/cloud``).
USER_ADMIN_ROUTES: list[BaseRoute] = [
    Route("/cloud/users", add_user, methods=["POST"]),
    Route("/cloud/users/{userId}", edit_user, methods=["PUT"]),
    Route("/cloud/users/{userId}", delete_user, methods=["DELETE"]),
    Route("/cloud/users/{userId}/enable", set_enabled, methods=["PUT"]),
    Route("/cloud/users/{userId}/disable", set_enabled, methods=["PUT"]),
    Route("/cloud/users/{userId}/groups", user_groups, methods=["GET"]),
    Route("/cloud/users/{userId}/groups", membership, methods=["POST", "DELETE"]),
    Route("/cloud/users/{userId}/subadmins", subadmins, methods=["GET", "POST", "DELETE"]),
]
