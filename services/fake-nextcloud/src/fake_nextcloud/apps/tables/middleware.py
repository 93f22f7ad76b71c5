"""Tables' own middlewares around its controller methods (nextcloud/tables ed46be1f).

``lib/AppInfo/Application.php::register`` adds ``PermissionMiddleware`` and then ``ShareControlMiddleware`` after the
server's middlewares, so a Tables route runs (``tables_controller`` below):

1. ``PermissionMiddleware::beforeController`` (``lib/Middleware/PermissionMiddleware.php::checkPermission``) for each
   ``#[RequirePermission]`` of the method, **before** the dispatcher binds the arguments; it reads the node id and
   type from the request itself (``IRequest::getParam``: URL parameters, then query string and body):
   the id must be ``is_numeric`` (else ``InternalError('Invalid node ID')``); the type is the attribute's ``type``
   ?? ``getParam(typeParam)`` ?? the *name* ``typeParam`` itself (so a request without ``baseNodeType`` asks for
   the node type ``'baseNodeType'``), and must be ``table(s)``/``view(s)`` (``ConversionHelper::
   stringNodeType2Const``), ``context``, or the number 0/1 (else ``InternalError('Invalid node type')``); a node the
   user cannot access is ``NotFoundError()`` (which is also the READ check); a missing MANAGE/CREATE/UPDATE/DELETE
   permission is ``PermissionError('User %s cannot … node %d (type %d)')``.
2. The arguments are bound (``core.signature.php_method``: a missing required one is a ``TypeError``) and the method
   runs, answering what its own ``catch`` clauses name (``caught``).
3. ``MiddlewareDispatcher::afterException`` asks, in reverse order, the middlewares whose ``beforeController`` ran:
   for an exception of the method itself ``ShareControlMiddleware::afterException`` first (``InvalidArgumentException``
   400, ``NotFoundError`` 404, ``PermissionError`` 403), then ``PermissionMiddleware::afterException``
   (``PermissionError``: ``OCSForbiddenException`` for an OCS controller, which ``OCSMiddleware`` renders with the
   message in ``meta``, else 403; ``NotFoundError`` 404). Anything else (``InternalError``, ``BadRequestError``, a
   ``TypeError``) is rethrown to the server's 500 (``ocs/v1.php``'s OCS 996, index.php's error page).
   These middleware answers are ``DataResponse``s that no controller formats (``Dispatcher::executeController`` only
   formats what the method returns): ``Dispatcher::dispatch`` sends ``Response::render()``, an **empty body**, with
   PHP's default ``text/html`` type. ``OCSMiddleware::afterController`` rewraps only a 401/403 of an OCS controller,
   with an empty message (a ``DataResponse`` is no ``JSONResponse``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.tables.common import is_numeric
from fake_nextcloud.apps.tables.models import Table, TablesBackend, TablesError, View
from fake_nextcloud.apps.tables.values import TablesBadRequest
from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError, html_error_page
from fake_nextcloud.core.php import PhpTypeError, php_int

__all__ = [
    "CREATE",
    "MANAGE",
    "READ",
    "TABLE",
    "VIEW",
    "RequirePermission",
    "Uncaught",
    "caught",
    "message_of",
    "node_of",
    "tables_controller",
    "uid_of",
]

READ, CREATE, MANAGE = "read", "create", "manage"  # Application::PERMISSION_*
TABLE, VIEW = 0, 1  # Application::NODE_TYPE_TABLE, NODE_TYPE_VIEW
_NODE_TYPES = {"table": TABLE, "tables": TABLE, "view": VIEW, "views": VIEW}  # ConversionHelper::stringNodeType2Const
#: the status a controller answers for an exception its ``catch`` names (``DoesNotExistException``: 404)
_STATUS = {
    "BadRequestError": 400,
    "InvalidArgumentException": 400,
    "ValueError": 400,
    "PermissionError": 403,
    "NotFoundError": 404,
    "DoesNotExistException": 404,
    "InternalError": 500,
}
TablesException = TablesError | TablesBadRequest


@dataclass(frozen=True)
class RequirePermission:
    """``#[RequirePermission(permission:, type:, typeParam:, idParam:)]`` (lib/Middleware/Attribute/
    RequirePermission.php; ``typeParam`` defaults to ``nodeType``, ``idParam`` to ``nodeId``)."""

    permission: str
    type: int | None = None
    type_param: str = "nodeType"
    id_param: str = "nodeId"


class Uncaught(PhpTypeError):
    """An exception no middleware answers (``PermissionMiddleware::afterException`` rethrows it): like a
    ``TypeError``, ``controller()`` turns it into the server's 500."""


def uid_of(ctx: NcContext) -> str:
    assert ctx.user is not None
    return ctx.user.uid


def php_class(error: TablesException) -> str:
    """The PHP class of a Tables error (``lib/Errors/*``, or the PHP exception the fake class stands for)."""
    if isinstance(error, TablesBadRequest):
        return error.php_class
    return {403: "PermissionError", 404: "NotFoundError"}.get(error.status, "InternalError")


def message_of(error: TablesException) -> str:
    return error.message if isinstance(error, TablesError) else str(error)


def caught(error: TablesException, catches: tuple[str, ...]) -> int | None:
    """The status the method answers if one of its ``catch`` clauses (class names, ``Exception`` = ``\\Exception``)
    matches ``error``; ``None`` when it escapes to the middlewares. Every Tables error extends ``\\Exception``; PHP's
    ``\\ValueError`` is an ``\\Error`` and escapes ``catch (Exception)``."""
    kind = php_class(error)
    if kind in catches:
        return _STATUS[kind]
    if "Exception" in catches and kind != "ValueError":
        return 500
    return None


def _param(ctx: NcContext, request: Request, name: str) -> Any:
    value = request.path_params.get(name)
    return ctx.param(name) if value is None else value


def _node_type(ctx: NcContext, request: Request, requirement: RequirePermission) -> int | str:
    if requirement.type is not None:
        return requirement.type
    value = _param(ctx, request, requirement.type_param)
    if value is None:
        value = requirement.type_param
    if not is_numeric(value):
        if value == "context":
            return "context"
        if not isinstance(value, str) or value not in _NODE_TYPES:
            raise TablesError(500, "Invalid node type")
        return _NODE_TYPES[value]
    if php_int(value) not in (TABLE, VIEW):
        raise TablesError(500, "Invalid node type")
    return php_int(value)


def node_of(backend: TablesBackend, uid: str, node_type: int, node_id: int) -> tuple[Table, View | None]:
    """The table (and view) of a node the user can access (``PermissionsService::canAccessNodeById``), else
    ``NotFoundError()`` without message."""
    if node_type == VIEW:
        return backend.view(uid, node_id)
    return backend.table(uid, node_id), None


def _check(ctx: NcContext, request: Request, requirement: RequirePermission, b: TablesBackend, uid: str) -> None:
    """``PermissionMiddleware::checkPermission``."""
    raw_id = _param(ctx, request, requirement.id_param)
    if not is_numeric(raw_id):
        raise TablesError(500, "Invalid node ID")
    node_type = _node_type(ctx, request, requirement)
    if node_type == "context":  # contexts are not modelled: none is accessible (canAccessContextById)
        raise TablesError(404, "")
    assert isinstance(node_type, int)
    table, view = node_of(b, uid, node_type, php_int(raw_id))
    if requirement.permission != READ:  # READ is the access pre-test itself
        b.require(uid, table, requirement.permission, view)


def _unrendered(status: int) -> Response:
    """A ``DataResponse`` returned by ``afterException``: nothing renders it, the body is empty."""
    return Response(b"", status_code=status, headers={"Content-Type": "text/html; charset=UTF-8"})


def _after_exception(ann: Annotations, error: TablesException, *, in_method: bool) -> Response:
    kind = php_class(error)
    share_control = {"InvalidArgumentException": 400, "NotFoundError": 404, "PermissionError": 403}
    if in_method and kind in share_control:  # ShareControlMiddleware::afterException
        if ann.ocs and kind == "PermissionError":  # OCSMiddleware::afterController: 403 with message ''
            raise OcsError(403, "")
        return _unrendered(share_control[kind])
    if kind == "PermissionError":  # PermissionMiddleware::afterException
        if ann.ocs:
            raise OcsError(403, message_of(error))  # OCSForbiddenException
        return _unrendered(403)
    if kind == "NotFoundError":
        return _unrendered(404)
    raise Uncaught(f"{kind}: {message_of(error)}")


def tables_controller(ann: Annotations, *requirements: RequirePermission) -> Callable[[Handler], Endpoint]:
    """``controller(ann)`` for a Tables controller method with its ``#[RequirePermission]`` attributes; put
    ``@php_method`` under it. Routes of a disabled app do not exist (index.php 404 page, OCS 998)."""

    def decorate(handler: Handler) -> Endpoint:
        async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
            if not ctx.state.app_enabled("tables"):
                if ann.ocs:
                    raise OcsError(998, "")
                return html_error_page(404)
            backend, uid = TablesBackend.of(ctx.state), uid_of(ctx)
            try:
                for requirement in requirements:
                    _check(ctx, request, requirement, backend, uid)
            except (TablesError, TablesBadRequest) as error:
                return _after_exception(ann, error, in_method=False)
            try:
                return await handler(ctx, request)
            except (TablesError, TablesBadRequest) as error:
                return _after_exception(ann, error, in_method=True)

        return controller(ann)(functools.wraps(handler)(wrapped))

    return decorate
