"""What every provisioning_api controller method goes through before its body: the permission middlewares, PHP's
request parsing and the controller's arguments.

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

Both middlewares run in ``beforeController``, before ``Dispatcher::executeController`` binds the arguments, so
:func:`provisioning_api` sits between ``@controller`` and ``@php_method``: a caller without the rights gets the 403
even when a required argument is missing (which would be a ``TypeError``, OCS 996, for an allowed caller).

``#[PasswordConfirmationRequired]`` is not modelled: API logins (Basic, app password, Bearer) have no session
token, so ``PasswordConfirmationMiddleware::beforeController`` returns early for them; a browser session older
than 30 minutes would get 403 "Password confirmation is required".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.core.directory import Directory
from fake_nextcloud.core.context import NcContext, get_context
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.php import php_str
from fake_nextcloud.core.state import User

__all__ = ["Level", "caller", "php_array_syntax", "php_list", "provisioning_api", "require"]

Level = str  # "admin" | "admin_setting" | "subadmin" | "user"
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])
E = TypeVar("E", bound=Callable[[Request], Awaitable[Response]])

_MESSAGES = {
    "admin": "Logged in account must be an admin",
    "admin_setting": "Logged in account must be an admin, a sub admin or gotten special right to access this setting",
    "subadmin": "Logged in account must be at least a sub admin",
}


def require(ctx: NcContext, level: Level) -> tuple[User, Directory]:
    """The caller and the directory, once the middlewares let the call through."""
    user, directory = caller(ctx)
    allowed = {
        "admin": user.is_admin,
        "admin_setting": user.is_admin,
        "subadmin": directory.is_subadmin(user),
        "user": True,
    }[level]
    if not allowed:
        raise OcsError(403, _MESSAGES[level])
    return user, directory


def caller(ctx: NcContext) -> tuple[User, Directory]:
    """The logged-in account (``IUserSession::getUser``) and the instance's directory."""
    assert ctx.user is not None  # SecurityMiddleware: not logged in -> 997 before this
    return ctx.user, Directory.of(ctx.state)


def provisioning_api(level: Level) -> Callable[[H], H]:
    """The permission checks of the middlewares (``beforeController``), before the arguments are bound."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def wrapped(ctx: NcContext, request: Request) -> Any:
            require(ctx, level)
            return await handler(ctx, request)

        return wrapped  # type: ignore[return-value]

    return decorate


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


def php_array_syntax(endpoint: E) -> E:
    """PHP fills ``$_GET``/``$_POST`` through ``parse_str``: ``groups[]=a&groups[]=b`` is one array ``groups``
    (``Request::getParams`` merges them with a JSON body's fields as they are). The front controller of the fake
    keeps the flat keys, so an endpoint with ``array`` parameters re-reads the query and a form body this way."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        ctx = get_context(request)
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        content_type = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in content_type and ctx.method != "GET":
            pairs += parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        params: dict[str, Any] = {}
        for key, value in pairs:
            _php_set(params, key, value)
        if "json" in content_type:  # the JSON body's fields win (Request::decodeContent)
            params.update(_json_fields(await request.body()))
        ctx.params = params
        return await endpoint(request)

    return wrapped  # type: ignore[return-value]


def _json_fields(body: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(body or b"null")
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def php_list(value: Any) -> list[str]:
    """The values of a bound ``array`` argument (``foreach``), as the strings they are compared as."""
    items = value.values() if isinstance(value, dict) else value
    return [php_str(v) for v in items]
