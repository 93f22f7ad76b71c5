"""Tables API v1 (REST) at ``/index.php/apps/tables/api/1/…``; the v2 OCS routes are in ``ocs.py``.

nextcloud/tables 2.2.2 (ed46be1f) ``appinfo/routes.php``, ``lib/Controller/Api1Controller.php``: every method is
``#[CORS]`` + ``#[NoCSRFRequired]``, so a Bearer token gets 401 "CORS requires basic auth" without the patch.
Errors are ``{"message": …}`` with 400/403/404/500 (``PermissionMiddleware::afterException`` for the
``#[RequirePermission]`` checks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.tables.common import SUBTYPES, create_column, int_or_none, row_data, uid_of
from fake_nextcloud.apps.tables.models import Table, TablesBackend, TablesError, View
from fake_nextcloud.apps.tables.ocs import OCS_ROUTES
from fake_nextcloud.apps.tables.values import TablesBadRequest
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import html_error_page, json_response
from fake_nextcloud.core.php import PhpTypeError
from fake_nextcloud.core.state import FakeState

__all__ = ["OCS_ROUTES", "ROUTES", "TablesApp"]

_V1 = Annotations(cors=True, no_csrf=True)


def _v1(ctx: NcContext, work: Callable[[TablesBackend, str], Any]) -> Response:
    if not ctx.state.app_enabled("tables"):
        return html_error_page(404)
    try:
        return json_response(work(TablesBackend.of(ctx.state), uid_of(ctx)))
    except TablesBadRequest as error:
        return json_response({"message": str(error)}, 400)
    except TablesError as error:
        return json_response({"message": error.message}, error.status)


def _rows(backend: TablesBackend, table: Table, view: View | None, ctx: NcContext) -> list[dict[str, Any]]:
    """``RowService::findAllByTable/View`` with ``limit``/``offset`` (ordered by id)."""
    rows = [r for r in table.rows.values() if view is None or view.shows(r)]
    offset = int_or_none(ctx.param("offset")) or 0
    limit = int_or_none(ctx.param("limit"))
    rows = rows[offset:] if limit is None else rows[offset : offset + limit]
    return [r.to_json(view.columns if view is not None else None) for r in rows]


# -- v1 (REST, #[CORS]) ---------------------------------------------------------------------------------


@controller(_V1)
async def v1_tables(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables`` (``Api1Controller::index``)."""
    return _v1(ctx, lambda b, uid: [b.table_json(uid, t) for t in b.visible_tables(uid)])


@controller(_V1)
async def v1_create_table(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/tables`` (``createTable``: ``title``, ``emoji``, ``template``)."""
    title, emoji = str(ctx.param("title") or ""), ctx.param("emoji")
    return _v1(ctx, lambda b, uid: b.table_json(uid, b.create_table(uid, title, emoji)))


@controller(_V1)
async def v1_table(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}``."""
    table_id = request.path_params["tableId"]
    return _v1(ctx, lambda b, uid: b.table_json(uid, b.table(uid, table_id)))


@controller(_V1)
async def v1_views(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/views`` (``indexViews``)."""
    table_id = request.path_params["tableId"]
    return _v1(ctx, lambda b, uid: [b.view_json(uid, b.views[v]) for v in b.table(uid, table_id).views])


@controller(_V1)
async def v1_table_columns(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/columns`` (``indexTableColumns``)."""
    table_id = request.path_params["tableId"]
    return _v1(ctx, lambda b, uid: [b.column_json(c) for c in b.table(uid, table_id).columns.values()])


@controller(_V1)
async def v1_create_table_column(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/tables/{tableId}/columns`` (``createTableColumn``: ``type`` + the type's fields)."""
    table_id = request.path_params["tableId"]
    type_ = str(ctx.param("type") or "")

    def work(b: TablesBackend, uid: str) -> Any:
        if type_ not in SUBTYPES:
            raise TablesBadRequest(f"Column type {type_} is not supported")
        return create_column(ctx, b, uid, type_, table_id, "table")

    return _v1(ctx, work)


@controller(_V1)
async def v1_view_columns(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/views/{viewId}/columns``."""
    view_id = request.path_params["viewId"]

    def work(b: TablesBackend, uid: str) -> Any:
        table, view = b.view(uid, view_id)
        return [b.column_json(table.columns[c]) for c in view.columns if c in table.columns]

    return _v1(ctx, work)


@controller(_V1)
async def v1_table_rows(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/rows`` (``indexTableRows``: ``limit``, ``offset``)."""
    table_id = request.path_params["tableId"]
    return _v1(ctx, lambda b, uid: _rows(b, b.table(uid, table_id), None, ctx))


@controller(_V1)
async def v1_view_rows(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/views/{viewId}/rows`` (rows matching the view's filter, its columns only)."""
    view_id = request.path_params["viewId"]
    return _v1(ctx, lambda b, uid: _rows(b, *b.view(uid, view_id), ctx))


@controller(_V1)
async def v1_create_row_in_table(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/tables/{tableId}/rows`` (``createRowInTable``: ``data`` = ``{columnId: value}``)."""
    table_id = request.path_params["tableId"]

    def work(b: TablesBackend, uid: str) -> Any:
        table = b.table(uid, table_id)
        b.require(uid, table, "create")
        return b.create_row(uid, table, row_data(ctx.param("data")), None).to_json()

    return _v1(ctx, work)


@controller(_V1)
async def v1_create_row_in_view(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/views/{viewId}/rows`` (``createRowInView``: only the view's columns may be given)."""
    view_id = request.path_params["viewId"]

    def work(b: TablesBackend, uid: str) -> Any:
        table, view = b.view(uid, view_id)
        b.require(uid, table, "create", view)
        return b.create_row(uid, table, row_data(ctx.param("data")), view).to_json()

    return _v1(ctx, work)


@controller(_V1)
async def v1_row(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/rows/{rowId}``."""
    row_id = request.path_params["rowId"]
    return _v1(ctx, lambda b, uid: b.row(uid, row_id)[1].to_json())


@controller(_V1)
async def v1_update_row(ctx: NcContext, request: Request) -> Response:
    """``PUT /api/1/rows/{rowId}`` (``updateRow``: ``data``, optional ``viewId``; "Could not update row." 500 for
    a ``data`` that is not an array)."""
    row_id = request.path_params["rowId"]
    view_id = int_or_none(ctx.param("viewId"))

    def work(b: TablesBackend, uid: str) -> Any:
        try:
            data = row_data(ctx.param("data"))
        except TablesError:
            raise TablesError(500, "Could not update row.") from None
        return b.update_row(uid, row_id, data, view_id).to_json()

    return _v1(ctx, work)


@controller(_V1)
async def v1_delete_row(ctx: NcContext, request: Request) -> Response:
    """``DELETE /api/1/rows/{rowId}``: answers the deleted row."""
    row_id = request.path_params["rowId"]
    return _v1(ctx, lambda b, uid: b.delete_row(uid, row_id).to_json())


def _scheme_response(state: FakeState, b: TablesBackend, uid: str, table_id: int) -> Response:
    """``TableService::getScheme`` + ``TableScheme::jsonSerialize`` (``title``, ``emoji``, ``columns``, ``views``
    (only for the owner or a manage share: ``enhanceTable``), ``description``, ``tablesVersion`` =
    ``IAppManager::getAppVersion('tables')``, ``columnOrder``, ``sort``), sent as a ``JSONResponse`` with
    ``Content-Disposition: attachment; filename="<title>.json"`` and ``Content-Type: application/json``.
    ``new TableScheme(string $title, string $emoji, …)``: a table without emoji (``TableService::create`` sets
    it only ``if ($emoji)``) makes PHP throw a ``TypeError``, which the controller's ``catch (InternalError|
    Exception)`` does not catch and no middleware handles (``PermissionMiddleware::afterException`` rethrows):
    the server's 500 error page."""
    table = b.table(uid, table_id)
    if table.emoji is None:
        raise PhpTypeError("TableScheme::__construct(): Argument #2 ($emoji) must be of type string, null given")
    perms = b.perms(uid, table)
    views = [b.view_json(uid, b.views[v]) for v in table.views] if perms and perms["manage"] else []
    scheme = {
        "title": table.title,
        "emoji": table.emoji,
        "columns": [b.column_json(c) for c in table.columns.values()],
        "views": views,
        "description": table.description,
        "tablesVersion": state.apps["tables"],
        "columnOrder": [],
        "sort": [],
    }
    response = json_response(scheme, headers={"Content-Disposition": f'attachment; filename="{table.title}.json"'})
    response.headers["Content-Type"] = "application/json"
    return response


@controller(_V1)
async def v1_scheme(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/scheme`` (``Api1Controller::showScheme``, ``#[RequirePermission(READ)]``:
    an inaccessible table is 404 ``{"message": ""}``). The vendored ``tables.json`` declares the answer a
    ``Table``; the code sends a ``TableScheme`` (no ``id``, ``ownership``, …)."""
    table_id = request.path_params["tableId"]
    if not ctx.state.app_enabled("tables"):
        return html_error_page(404)
    try:
        return _scheme_response(ctx.state, TablesBackend.of(ctx.state), uid_of(ctx), table_id)
    except TablesError as error:
        return json_response({"message": error.message}, error.status)


_B = "/api/1"
ROUTES: list[BaseRoute] = [
    Route(f"{_B}/tables", v1_tables, methods=["GET"]),
    Route(f"{_B}/tables", v1_create_table, methods=["POST"]),
    Route(f"{_B}/tables/{{tableId:int}}", v1_table, methods=["GET"]),
    Route(f"{_B}/tables/{{tableId:int}}/scheme", v1_scheme, methods=["GET"]),
    Route(f"{_B}/tables/{{tableId:int}}/views", v1_views, methods=["GET"]),
    Route(f"{_B}/tables/{{tableId:int}}/columns", v1_table_columns, methods=["GET"]),
    Route(f"{_B}/tables/{{tableId:int}}/columns", v1_create_table_column, methods=["POST"]),
    Route(f"{_B}/views/{{viewId:int}}/columns", v1_view_columns, methods=["GET"]),
    Route(f"{_B}/tables/{{tableId:int}}/rows", v1_table_rows, methods=["GET"]),
    Route(f"{_B}/tables/{{tableId:int}}/rows", v1_create_row_in_table, methods=["POST"]),
    Route(f"{_B}/views/{{viewId:int}}/rows", v1_view_rows, methods=["GET"]),
    Route(f"{_B}/views/{{viewId:int}}/rows", v1_create_row_in_view, methods=["POST"]),
    Route(f"{_B}/rows/{{rowId:int}}", v1_row, methods=["GET"]),
    Route(f"{_B}/rows/{{rowId:int}}", v1_update_row, methods=["PUT"]),
    Route(f"{_B}/rows/{{rowId:int}}", v1_delete_row, methods=["DELETE"]),
]


class TablesApp:
    """The v1 route group; absent (404 page) while the app is disabled."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("tables"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
