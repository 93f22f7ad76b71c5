"""Tables API v2 (OCS) at ``/ocs/v2.php/apps/tables/api/2/…``: tables, columns, row creation.

nextcloud/tables ed46be1f ``appinfo/routes.php`` (``ocs`` section), ``lib/Controller/ApiTablesController.php``,
``ApiColumnsController.php``, ``RowOCSController.php`` (OCS controllers, so Bearer tokens work without the patch).
v2 has no row listing, update or delete. Errors carry ``{"message": …}`` as data: the app message for 400,
generic translated messages for 404/500 (``AOCSController::handle*Error``), ``""`` for nodes the
``PermissionMiddleware`` hides (404); a failed ``#[RequirePermission]`` check (403) is an ``OCSForbiddenException``
with the middleware's message in ``meta.message`` (``PermissionMiddleware::afterException``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.tables.common import SUBTYPES, create_column, int_or_none, row_data, uid_of
from fake_nextcloud.apps.tables.models import TablesBackend, TablesError
from fake_nextcloud.apps.tables.values import TablesBadRequest
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError

__all__ = ["OCS_ROUTES"]

_OCS = Annotations(ocs=True)
_MORE = " More details can be found in the logs. Please reach out to your administration."
_OCS_MESSAGES = {
    404: "A not found error occurred." + _MORE,
    500: "An unexpected error occurred." + _MORE,
}


def _ocs(ctx: NcContext, work: Callable[[TablesBackend, str], Any]) -> OcsResult:
    if not ctx.state.app_enabled("tables"):  # routes of disabled apps are not loaded: OCS 998 (HTTP 404)
        return OcsResult([], 998)
    try:
        return OcsResult(work(TablesBackend.of(ctx.state), uid_of(ctx)))
    except TablesBadRequest as error:
        return OcsResult({"message": str(error)}, 400)
    except TablesError as error:
        if error.status == 403:
            # every 403 of these routes is a #[RequirePermission] check (createRow: CREATE, column creation: MANAGE):
            # PermissionMiddleware::afterException turns the PermissionError of an OCSController into
            # OCSForbiddenException($message), which OCSMiddleware renders with the message in meta, data []
            raise OcsError(403, error.message) from None
        # PermissionMiddleware answers NotFoundError itself (message ""); the controllers' own handlers translate
        message = error.message if error.status == 404 and not error.message else _OCS_MESSAGES[error.status]
        return OcsResult({"message": message}, error.status)


@controller(_OCS)
async def ocs_tables(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /api/2/tables`` (``ApiTablesController::index``)."""
    return _ocs(ctx, lambda b, uid: [b.table_json(uid, t) for t in b.visible_tables(uid)])


@controller(_OCS)
async def ocs_table(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /api/2/tables/{id}``."""
    table_id = request.path_params["id"]
    return _ocs(ctx, lambda b, uid: b.table_json(uid, b.table(uid, table_id)))


@controller(_OCS)
async def ocs_create_table(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /api/2/tables`` (``title``, ``emoji``, ``description``, ``template``)."""
    title = ctx.param("title")
    emoji, description = ctx.param("emoji"), str(ctx.param("description") or "")

    def work(b: TablesBackend, uid: str) -> Any:
        if not isinstance(title, str) or not title.strip():
            raise TablesBadRequest("Title is missing")
        return b.table_json(uid, b.create_table(uid, title, emoji, description))

    return _ocs(ctx, work)


@controller(_OCS)
async def ocs_columns(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /api/2/columns/{nodeType}/{nodeId}`` (``ApiColumnsController::index``; ``table`` or ``view``)."""
    node_type, node_id = request.path_params["nodeType"], request.path_params["nodeId"]

    def work(b: TablesBackend, uid: str) -> Any:
        if node_type == "view":
            table, view = b.view(uid, node_id)
            return [b.column_json(table.columns[c]) for c in view.columns if c in table.columns]
        if node_type != "table":
            raise TablesError(500, "Invalid node type")
        return [b.column_json(c) for c in b.table(uid, node_id).columns.values()]

    return _ocs(ctx, work)


def _ocs_create_column(type_: str) -> Callable[[Request], Any]:
    @controller(_OCS)
    async def create(ctx: NcContext, request: Request) -> OcsResult:
        node, node_type = ctx.param("baseNodeId"), str(ctx.param("baseNodeType") or "table")
        if int_or_none(node) is None:
            return OcsResult({"message": "baseNodeId is required"}, 400)
        return _ocs(ctx, lambda b, uid: create_column(ctx, b, uid, type_, node, node_type))

    create.__name__ = f"create_{type_}_column"
    return create


@controller(_OCS)
async def ocs_create_row(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /api/2/{nodeCollection}/{nodeId}/rows`` (``RowOCSController::createRow``; ``data`` required)."""
    collection, node_id = request.path_params["nodeCollection"], request.path_params["nodeId"]
    if collection not in ("tables", "views"):  # route requirement `(tables|views)`: no route -> OCS 998 (404)
        return OcsResult([], 998)

    def work(b: TablesBackend, uid: str) -> Any:
        view = None
        if collection == "views":
            table, view = b.view(uid, node_id)
        else:
            table = b.table(uid, node_id)
        b.require(uid, table, "create", view)
        try:
            data = row_data(ctx.param("data"))
        except TablesError:
            raise TablesBadRequest("Cannot create row: data input is invalid.") from None
        return b.create_row(uid, table, data, view).to_json()

    return _ocs(ctx, work)


_O = "/apps/tables/api/2"
#: v2 OCS routes, mounted into the OCS router (``/ocs/v{1,2}.php``); each handler checks that the app is enabled.
OCS_ROUTES: list[BaseRoute] = [
    Route(f"{_O}/tables", ocs_tables, methods=["GET"]),
    Route(f"{_O}/tables", ocs_create_table, methods=["POST"]),
    Route(f"{_O}/tables/{{id:int}}", ocs_table, methods=["GET"]),
    Route(f"{_O}/columns/{{nodeType}}/{{nodeId:int}}", ocs_columns, methods=["GET"]),
    *(Route(f"{_O}/columns/{t}", _ocs_create_column(t), methods=["POST"]) for t in SUBTYPES),
    Route(f"{_O}/{{nodeCollection:str}}/{{nodeId:int}}/rows", ocs_create_row, methods=["POST"]),
]
