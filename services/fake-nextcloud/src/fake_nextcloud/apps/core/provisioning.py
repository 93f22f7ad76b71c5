"""What every provisioning_api controller method goes through before its body: the permission middlewares and
PHP's parameter parsing.

Permission checks, in the order the middlewares run (nextcloud/server ``lib/private/AppFramework/Middleware/
Security/SecurityMiddleware.php`` first, then the app's ``apps/provisioning_api/lib/Middleware/
ProvisioningApiMiddleware.php``); each failure ends as an OCS envelope with status 403 (``OCSMiddleware::
afterController`` for the security middleware's JSON 403, an ``OCSException(…, 403)`` for the app's):

* ``admin``: a method without ``#[NoAdminRequired]`` (``addSubAdmin``, ``removeSubAdmin``,
  ``getUserSubAdminGroups``): "Logged in account must be an admin".
* ``admin_setting``: ``#[AuthorizedAdminSetting(settings: Users::class)]`` (``addGroup``, ``deleteGroup``,
  ``updateGroup``, ``getSubAdminsOfGroup``): admins only, since no group is given delegated admin rights here:
  "Logged in account must be an admin, a sub admin or gotten special right to access this setting".
* ``subadmin``: ``#[NoAdminRequired]`` without ``@NoSubAdminRequired`` (``getUsers``, ``getUsersDetails``,
  ``addUser``, ``deleteUser``, ``enableUser``/``disableUser``, ``addToGroup``, ``removeFromGroup``,
  ``getGroups``, ``getGroupUsers``): admins and sub-admins (``SubAdmin::isSubAdmin``): "Logged in account must be at
  least a sub admin" (``NotSubAdminException``).
* ``user``: ``@NoSubAdminRequired`` (``getUser``, ``editUser``, ``getUsersGroups``): any logged-in account.

``#[PasswordConfirmationRequired]`` is not modelled: API logins (Basic, app password, Bearer) have no session
token, so ``PasswordConfirmationMiddleware::beforeController`` returns early for them; a browser session older
than 30 minutes would get 403 "Password confirmation is required".
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from fake_nextcloud.apps.core.directory import Directory
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.php import PhpTypeError, php_str
from fake_nextcloud.core.state import User

__all__ = ["Level", "array_arg", "php_params", "require", "str_arg"]

Level = str  # "admin" | "admin_setting" | "subadmin" | "user"

_MESSAGES = {
    "admin": "Logged in account must be an admin",
    "admin_setting": "Logged in account must be an admin, a sub admin or gotten special right to access this setting",
    "subadmin": "Logged in account must be at least a sub admin",
}


def require(ctx: NcContext, level: Level) -> tuple[User, Directory]:
    """The caller and the directory, once the middlewares let the call through."""
    assert ctx.user is not None  # SecurityMiddleware: not logged in -> 997 before this
    user, directory = ctx.user, Directory.of(ctx.state)
    allowed = {
        "admin": user.is_admin,
        "admin_setting": user.is_admin,
        "subadmin": directory.is_subadmin(user),
        "user": True,
    }[level]
    if not allowed:
        raise OcsError(403, _MESSAGES[level])
    return user, directory


def _php_set(out: dict[str, Any], key: str, value: str) -> None:
    """``parse_str`` for one pair: ``a[]=x`` appends, ``a[k]=x`` sets a key, ``a=x`` a scalar."""
    if "[" in key and key.endswith("]"):
        name, _, rest = key.partition("[")
        sub = rest[:-1]
        holder = out.get(name)
        if not isinstance(holder, dict):
            holder = {}
            out[name] = holder
        holder[str(len(holder)) if sub == "" else sub] = value
    else:
        out[key] = value


async def php_params(ctx: NcContext, request: Request) -> dict[str, Any]:
    """``Request::getParams`` with PHP's array syntax: the query string and a form body go through
    ``parse_str`` (``groups[]=a&groups[]=b`` is an array); a JSON body's fields come as they are."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(request.url.query, keep_blank_values=True):
        _php_set(out, key, value)
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type and ctx.method != "GET":
        for key, value in parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True):
            _php_set(out, key, value)
    elif "json" in content_type:
        try:
            decoded = json.loads(await request.body() or b"null")
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            out.update(decoded)
    out.update(request.path_params)
    return out


def str_arg(params: dict[str, Any], name: str, default: str | None = None) -> str:
    """A ``string`` controller argument: an absent one takes the default; without a default (or given an array)
    PHP throws a ``TypeError`` (the OCS entry point's 996 "Internal Server Error")."""
    value = params.get(name)
    if value is None:
        if default is None:
            raise PhpTypeError(f"Argument ${name} must be of type string, null given")
        return default
    return php_str(value)


def array_arg(params: dict[str, Any], name: str) -> list[str]:
    """An ``array`` argument defaulting to ``[]``; a scalar is a ``TypeError``."""
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, dict):
        return [php_str(v) for v in value.values()]
    if isinstance(value, list):
        return [php_str(v) for v in value]
    raise PhpTypeError(f"Argument ${name} must be of type array, string given")
