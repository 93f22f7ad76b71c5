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

Every route names its ``UsersController`` method with the parameter list of nextcloud/server
``apps/provisioning_api/lib/Controller/UsersController.php`` (read at 90fe35df; the same parameters as the
v31.0.9 OpenAPI spec vendored in ``openapi/provisioning_api.json``): a missing ``userid`` (``addUser``),
``key``/``value`` (``editUser``) or ``groupid`` (``removeFromGroup``, ``addSubAdmin``, ``removeSubAdmin``) is a
``TypeError`` - OCS 996 (HTTP 500 on v2) - while ``addToGroup``'s ``groupid`` defaults to ``''`` (OCS 101).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.directory import ADMIN_GROUP, Directory
from fake_nextcloud.apps.core.provisioning import caller, php_array_syntax, php_list, provisioning_api
from fake_nextcloud.apps.core.user_edit import MAX_PASSWORD_LENGTH, apply_edit, permitted_keys
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND
from fake_nextcloud.core.session import random_string
from fake_nextcloud.core.signature import php_method
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


def _check_new_user(caller_: User, directory: Directory, groups: list[str], subadmin: list[str]) -> None:
    """The checks of ``addUser`` before ``createUser``, in their order."""
    if groups:
        for gid in groups:
            if not directory.exists(gid):
                raise OcsError(104, f"group {gid} does not exist")
            if not caller_.is_admin and not directory.is_subadmin_of(caller_, gid):
                raise OcsError(105, f"insufficient privileges for group {gid}")
    elif not caller_.is_admin:
        raise OcsError(106, "no group specified (required for subadmins)")
    for gid in subadmin:
        if not directory.exists(gid):
            raise OcsError(102, "Subadmin group does not exist")
        if gid == ADMIN_GROUP:
            raise OcsError(103, "Cannot create subadmins for admin group")
        if not directory.is_subadmin_of(caller_, gid) and not caller_.is_admin:
            raise OcsError(403, "No permissions to promote subadmins")


@php_array_syntax
@controller(_OCS)
@provisioning_api("subadmin")
@php_method(
    "UsersController::addUser",
    "string $userid, string $password = '', string $displayName = '', string $email = '', array $groups = [],"
    " array $subadmin = [], string $quota = '', string $language = '', ?string $manager = null",
)
async def add_user(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /cloud/users`` (``userid``, ``password``, ``displayName``, ``email``, ``groups[]``,
    ``subadmin[]``, ``quota``, ``language``, ``manager``) -> ``{"id": userid}``."""
    user, directory = caller(ctx)
    a = ctx.args
    userid, password, email = a["userid"], a["password"], a["email"]
    groups, subadmin = php_list(a["groups"]), php_list(a["subadmin"])
    if _target(ctx, userid) is not None:
        raise OcsError(102, "User already exists")
    _check_new_user(user, directory, groups, subadmin)
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
    for gid in groups:
        directory.add_member(new, gid)
    for gid in subadmin:
        directory.subadmins.add((new.uid, gid))
    if a["displayName"] != "":
        try:
            apply_edit(directory, new, "displayname", a["displayName"])
        except OcsError:
            directory.forget_user(new.uid)
            raise
    for key in ("quota", "language"):
        if a[key] != "":
            apply_edit(directory, new, key, a[key])
    if a["manager"] is not None:  # null: nothing sent; '': unset the manager
        apply_edit(directory, new, "manager", a["manager"])
    if email != "":
        new.email = email.strip().lower()
    return OcsResult({"id": userid})


@controller(_OCS)
@provisioning_api("user")
@php_method("UsersController::editUser", "string $userId, string $key, string $value")
async def edit_user(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/users/{userId}`` (``key``, ``value``; see ``user_edit``)."""
    user, directory = caller(ctx)
    key, value = ctx.args["key"], ctx.args["value"]
    target = _target(ctx, ctx.args["userId"])
    if target is None:
        raise OcsError(RESPOND_NOT_FOUND, "")
    if key not in permitted_keys(directory, user, target):
        raise OcsError(113, "")
    apply_edit(directory, target, key, value)
    return OcsResult([])


def _administered(ctx: NcContext, uid: str, *, missing: int) -> User:
    """Target lookup of ``deleteUser``/``setEnabled``: unknown -> ``missing``; oneself -> 101; someone the
    caller may not administer -> 998."""
    user, directory = caller(ctx)
    target = _target(ctx, uid)
    if target is None:
        raise OcsError(missing, "")
    if target.uid == user.uid:
        raise OcsError(101, "")
    if not directory.can_administer(user, target):
        raise OcsError(RESPOND_NOT_FOUND, "")
    return target


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("UsersController::deleteUser", "string $userId")
async def delete_user(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /cloud/users/{userId}`` (the account's files and app data are not removed here)."""
    target = _administered(ctx, ctx.args["userId"], missing=RESPOND_NOT_FOUND)
    Directory.of(ctx.state).forget_user(target.uid)
    return OcsResult([])


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("UsersController::enableUser", "string $userId")
async def enable_user(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/users/{userId}/enable`` (``setEnabled``: unknown or oneself -> 101)."""
    _administered(ctx, ctx.args["userId"], missing=101).enabled = True
    return OcsResult([])


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("UsersController::disableUser", "string $userId")
async def disable_user(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /cloud/users/{userId}/disable`` (``setEnabled``: unknown or oneself -> 101)."""
    _administered(ctx, ctx.args["userId"], missing=101).enabled = False
    return OcsResult([])


@controller(_OCS)
@provisioning_api("user")
@php_method("UsersController::getUsersGroups", "string $userId")
async def user_groups(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/users/{userId}/groups``: all groups for oneself and admins; a sub-admin sees the account's
    groups they administer (``array_intersect`` keeps the keys: not starting at 0, PHP sends an object)."""
    user, directory = caller(ctx)
    target = _target(ctx, ctx.args["userId"])
    if target is None:
        raise OcsError(RESPOND_NOT_FOUND, "")
    if target.uid == user.uid or user.is_admin:
        return OcsResult({"groups": list(target.groups)})
    if not directory.user_accessible(user, target):
        raise OcsError(RESPOND_NOT_FOUND, "")
    kept = {i: gid for i, gid in enumerate(directory.subadmin_groups(user)) if gid in target.groups}
    groups: Any = list(kept.values()) if list(kept) == list(range(len(kept))) else {str(k): v for k, v in kept.items()}
    return OcsResult({"groups": groups})


def _membership_target(ctx: NcContext, gid: str) -> User:
    """The checks ``addToGroup`` and ``removeFromGroup`` share, after their blank-``groupid`` test."""
    user, directory = caller(ctx)
    if not directory.exists(gid):
        raise OcsError(102, "")
    target = _target(ctx, ctx.args["userId"])
    if target is None:
        raise OcsError(103, "")
    if not user.is_admin and not directory.is_subadmin_of(user, gid):
        raise OcsError(104, "")
    return target


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("UsersController::addToGroup", "string $userId, string $groupid = ''")
async def add_to_group(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /cloud/users/{userId}/groups`` (``groupid``; ``''`` -> 101)."""
    gid = ctx.args["groupid"]
    if gid == "":
        raise OcsError(101, "")
    Directory.of(ctx.state).add_member(_membership_target(ctx, gid), gid)
    return OcsResult([])


@controller(_OCS)
@provisioning_api("subadmin")
@php_method("UsersController::removeFromGroup", "string $userId, string $groupid")
async def remove_from_group(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /cloud/users/{userId}/groups`` (``groupid``: required, blank -> 101)."""
    user, directory = caller(ctx)
    gid = ctx.args["groupid"]
    if gid.strip() == "":
        raise OcsError(101, "")
    target = _membership_target(ctx, gid)
    if target.uid == user.uid:
        if not user.is_admin:
            raise OcsError(105, "Cannot remove yourself from this group as you are a SubAdmin")
        if gid == ADMIN_GROUP:
            raise OcsError(105, "Cannot remove yourself from the admin group")
    elif not user.is_admin:
        shared = set(directory.subadmin_groups(user)) & set(target.groups)
        if len(shared) <= 1:
            raise OcsError(105, "Not viable to remove user from the last group you are SubAdmin of")
    directory.remove_member(target, gid)
    return OcsResult([])


@controller(_OCS)
@provisioning_api("admin")
@php_method("UsersController::getUserSubAdminGroups", "string $userId")
async def user_subadmin_groups(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/users/{userId}/subadmins`` (``AUserDataOCSController::getUserSubAdminGroupsData``)."""
    target = _target(ctx, ctx.args["userId"])
    if target is None:
        raise OcsError(404, "User does not exist")
    return OcsResult(Directory.of(ctx.state).subadmin_groups(target))


@controller(_OCS)
@provisioning_api("admin")
@php_method("UsersController::addSubAdmin", "string $userId, string $groupid")
async def add_subadmin(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /cloud/users/{userId}/subadmins`` (``groupid``; already one: nothing changes)."""
    directory, gid = Directory.of(ctx.state), ctx.args["groupid"]
    target = _target(ctx, ctx.args["userId"])
    if target is None:
        raise OcsError(101, "User does not exist")
    if not directory.exists(gid):
        raise OcsError(102, "Group does not exist")
    if gid == ADMIN_GROUP:
        raise OcsError(103, "Cannot create subadmins for admin group")
    directory.subadmins.add((target.uid, gid))
    return OcsResult([])


@controller(_OCS)
@provisioning_api("admin")
@php_method("UsersController::removeSubAdmin", "string $userId, string $groupid")
async def remove_subadmin(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /cloud/users/{userId}/subadmins`` (``groupid``)."""
    directory, gid = Directory.of(ctx.state), ctx.args["groupid"]
    target = _target(ctx, ctx.args["userId"])
    if target is None:
        raise OcsError(101, "User does not exist")
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
    Route("/cloud/users/{userId}/enable", enable_user, methods=["PUT"]),
    Route("/cloud/users/{userId}/disable", disable_user, methods=["PUT"]),
    Route("/cloud/users/{userId}/groups", user_groups, methods=["GET"]),
    Route("/cloud/users/{userId}/groups", add_to_group, methods=["POST"]),
    Route("/cloud/users/{userId}/groups", remove_from_group, methods=["DELETE"]),
    Route("/cloud/users/{userId}/subadmins", user_subadmin_groups, methods=["GET"]),
    Route("/cloud/users/{userId}/subadmins", add_subadmin, methods=["POST"]),
    Route("/cloud/users/{userId}/subadmins", remove_subadmin, methods=["DELETE"]),
]
