"""Tables API v1 (REST) at ``/index.php/apps/tables/api/1/…``; the v2 OCS routes are in ``ocs.py``.

nextcloud/tables 2.2.2 (ed46be1f) ``appinfo/routes.php``, ``lib/Controller/Api1Controller.php``: every method is
``#[CORS]`` + ``#[NoCSRFRequired]``, so a Bearer token gets 401 "CORS requires basic auth" without the patch. Each
handler declares its method's PHP signature (``@php_method``, bound after ``PermissionMiddleware``, see
``middleware.py``) and the classes its ``catch`` clauses name: those answer ``{"message": $e->getMessage()}``
with 400/403/404/500; the others reach the middlewares (an empty 403/404/400, or the server's 500 page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.tables.common import COLUMN_TYPES, create_column, row_data, title_of
from fake_nextcloud.apps.tables.middleware import (
    CREATE,
    MANAGE,
    READ,
    TABLE,
    VIEW,
    RequirePermission,
    caught,
    message_of,
    tables_controller,
    uid_of,
)
from fake_nextcloud.apps.tables.models import Table, TablesBackend, TablesError, View
from fake_nextcloud.apps.tables.ocs import OCS_ROUTES
from fake_nextcloud.apps.tables.values import EnumValueError, TablesBadRequest
from fake_nextcloud.core.appframework import Annotations
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import html_error_page, json_response
from fake_nextcloud.core.php import PhpTypeError
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["OCS_ROUTES", "ROUTES", "TablesApp"]

_V1 = Annotations(cors=True, no_csrf=True)
_READ_TABLE = RequirePermission(READ, TABLE, id_param="tableId")
_READ_VIEW = RequirePermission(READ, VIEW, id_param="viewId")
#: ``catch`` clauses of the methods (``Exception`` = ``\\Exception``, which every Tables error extends)
_ANY = ("InternalError", "Exception")
_FIND = ("PermissionError", "NotFoundError", "InternalError", "Exception")
_LOOKUP = ("PermissionError", "InternalError", "NotFoundError")
_ROWS = ("PermissionError", "InternalError", "Exception")
_CREATE_ROW = ("BadRequestError", "PermissionError", "InternalError", "Exception")


def _v1(ctx: NcContext, catches: tuple[str, ...], work: Callable[[TablesBackend, str], Any]) -> Response:
    """Run the method body; an exception its ``catch`` names is ``DataResponse(['message' => …], status)``."""
    try:
        result = work(TablesBackend.of(ctx.state), uid_of(ctx))
    except (TablesError, TablesBadRequest) as error:
        status = caught(error, catches)
        if status is None:
            raise
        return json_response({"message": message_of(error)}, status)
    return result if isinstance(result, Response) else json_response(result)


def _rows(table: Table, view: View | None, limit: int | None, offset: int | None) -> list[dict[str, Any]]:
    """``RowService::findAllByTable/View``: ordered by id; ``setMaxResults($limit)``/``setFirstResult($offset)``
    when given (negative values, a database error in Nextcloud, are not modelled)."""
    rows = [r for r in table.rows.values() if view is None or view.shows(r)]
    start = max(offset or 0, 0)
    rows = rows[start:] if limit is None else rows[start : start + max(limit, 0)]
    return [r.to_json(view.columns if view is not None else None) for r in rows]


# -- tables ---------------------------------------------------------------------------------------------


@tables_controller(_V1)
@php_method("Api1Controller::index")
async def v1_tables(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables``."""
    return _v1(ctx, _ANY, lambda b, uid: [b.table_json(uid, t) for t in b.visible_tables(uid)])


@tables_controller(_V1)
@php_method("Api1Controller::createTable", "string $title, ?string $emoji, string $template = 'custom'")
async def v1_create_table(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/tables``: ``TableService::create($title, $template, $emoji)`` (the ``Title`` value object's
    ``InvalidArgumentException`` is a 400; templates other than ``custom`` are not modelled)."""
    a = ctx.args
    catches = ("InvalidArgumentException", *_ANY)
    return _v1(ctx, catches, lambda b, uid: b.table_json(uid, b.create_table(uid, title_of(a["title"]), a["emoji"])))


@tables_controller(_V1, _READ_TABLE)
@php_method("Api1Controller::getTable", "int $tableId")
async def v1_table(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}``."""
    return _v1(ctx, _FIND, lambda b, uid: b.table_json(uid, b.table(uid, ctx.args["tableId"])))


@tables_controller(_V1, _READ_TABLE)
@php_method("Api1Controller::indexViews", "int $tableId")
async def v1_views(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/views``."""
    return _v1(
        ctx, _FIND, lambda b, uid: [b.view_json(uid, b.views[v]) for v in b.table(uid, ctx.args["tableId"]).views]
    )


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


@tables_controller(_V1, _READ_TABLE)
@php_method("Api1Controller::showScheme", "int $tableId")
async def v1_scheme(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/scheme``. The vendored ``tables.json`` declares the answer a ``Table``; the
    code sends a ``TableScheme`` (no ``id``, ``ownership``, …)."""
    return _v1(ctx, _FIND, lambda b, uid: _scheme_response(ctx.state, b, uid, ctx.args["tableId"]))


# -- columns --------------------------------------------------------------------------------------------


def _table_columns(b: TablesBackend, uid: str, table_id: int, view_id: int | None) -> list[dict[str, Any]]:
    """``indexTableColumns`` (no ``#[RequirePermission]``): with a ``viewId``, ``ViewService::find`` (404 for an
    unknown view - message abbreviated -, 403 without access), the view must belong to the table and be managed by
    the user (``ColumnService::findAllByManagedView``); else ``ColumnService::findAllByTable``: read or create
    permission on the table, else 403 "no read access to table id = N"."""
    if view_id:  # `if ($viewId)`
        view = b.views.get(view_id)
        if view is None:
            raise TablesError(404, f"OCA\\Tables\\Service\\ViewService - find: view {view_id} not found")
        table = b.tables[view.table_id]
        perms = b.perms(uid, table, view)
        if perms is None:
            raise TablesError(403, f"PermissionError: can not read view with id {view_id}")
        if table_id != view.table_id:
            raise TablesError(403, "Given table is not a parent of the given view.")
        if not perms["manage"]:
            raise TablesError(403, f"no manage access to view id = {view_id}")
        return [b.column_json(c) for c in table.columns.values()]
    found = b.tables.get(table_id)
    perms = b.perms(uid, found) if found is not None else None
    if found is None or not perms or not (perms["read"] or perms["create"]):
        raise TablesError(403, f"no read access to table id = {table_id}")
    return [b.column_json(c) for c in found.columns.values()]


@tables_controller(_V1)
@php_method("Api1Controller::indexTableColumns", "int $tableId, ?int $viewId")
async def v1_table_columns(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/columns``."""
    a = ctx.args
    return _v1(ctx, _LOOKUP, lambda b, uid: _table_columns(b, uid, a["tableId"], a["viewId"]))


@tables_controller(_V1, RequirePermission(MANAGE, TABLE, id_param="tableId"))
@php_method(
    "Api1Controller::createTableColumn",
    "int $tableId, string $title, ?string $technicalName, string $type, ?string $subtype, bool $mandatory,"
    " ?string $description,"
    " ?string $numberPrefix, ?string $numberSuffix, ?float $numberDefault, ?float $numberMin, ?float $numberMax,"
    " ?int $numberDecimals,"
    " ?string $textDefault, ?string $textAllowedPattern, ?int $textMaxLength, ?bool $textUnique,"
    " ?string $selectionOptions = '', ?string $selectionDefault = '',"
    " ?string $datetimeDefault = '',"
    " ?string $usergroupDefault = '', ?bool $usergroupMultipleItems = null, ?bool $usergroupSelectUsers = null,"
    " ?bool $usergroupSelectGroups = null, ?bool $usergroupSelectTeams = null, ?bool $usergroupShowUserStatus = null,"
    " ?array $selectedViewIds = [], array $customSettings = [],",
)
async def v1_create_table_column(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/tables/{tableId}/columns``: ``ColumnType::from($type)`` (an unknown type is PHP's
    ``ValueError``, caught: 400 with PHP ≥ 8.2's message), then ``ColumnService::create``. Note ``bool
    $mandatory`` has no default here (unlike v2): a request without it is a ``TypeError``."""
    a = ctx.args

    def work(b: TablesBackend, uid: str) -> Any:
        if a["type"] not in COLUMN_TYPES:
            raise EnumValueError(
                f'"{a["type"]}" is not a valid backing value for enum OCA\\Tables\\Constants\\ColumnType'
            )
        return create_column(b, uid, a["type"], b.table(uid, a["tableId"]), None, a)

    catches = ("PermissionError", "BadRequestError", "InternalError", "DoesNotExistException", "ValueError")
    return _v1(ctx, catches, work)


@tables_controller(_V1, _READ_VIEW)
@php_method("Api1Controller::indexViewColumns", "int $viewId")
async def v1_view_columns(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/views/{viewId}/columns`` (``ColumnService::findAllByView``: the view's columns)."""

    def work(b: TablesBackend, uid: str) -> Any:
        table, view = b.view(uid, ctx.args["viewId"])
        return [b.column_json(table.columns[c]) for c in view.columns if c in table.columns]

    return _v1(ctx, _LOOKUP, work)


# -- rows -----------------------------------------------------------------------------------------------


@tables_controller(_V1, _READ_TABLE)
@php_method("Api1Controller::indexTableRows", "int $tableId, ?int $limit, ?int $offset")
async def v1_table_rows(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/tables/{tableId}/rows``."""
    a = ctx.args
    return _v1(ctx, _ROWS, lambda b, uid: _rows(b.table(uid, a["tableId"]), None, a["limit"], a["offset"]))


@tables_controller(_V1, _READ_VIEW)
@php_method("Api1Controller::indexViewRows", "int $viewId, ?int $limit, ?int $offset")
async def v1_view_rows(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/views/{viewId}/rows`` (rows matching the view's filter, its columns only)."""
    a = ctx.args
    return _v1(ctx, _ROWS, lambda b, uid: _rows(*b.view(uid, a["viewId"]), a["limit"], a["offset"]))


def _create_row(ctx: NcContext, table: Table, view: View | None) -> Response:
    """``createRowIn{Table,View}``: ``$data`` (untyped) decoded if a string; not an array -> 500 "Could not create
    row." before the ``try``."""
    try:
        data = row_data(ctx.args["data"])
    except TablesError:
        return json_response({"message": "Could not create row."}, 500)
    return _v1(ctx, _CREATE_ROW, lambda b, uid: b.create_row(uid, table, data, view).to_json())


@tables_controller(_V1, RequirePermission(CREATE, TABLE, id_param="tableId"))
@php_method("Api1Controller::createRowInTable", "int $tableId, $data")
async def v1_create_row_in_table(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/tables/{tableId}/rows`` (``data`` = ``{columnId: value}``)."""
    return _create_row(ctx, TablesBackend.of(ctx.state).table(uid_of(ctx), ctx.args["tableId"]), None)


@tables_controller(_V1, RequirePermission(CREATE, VIEW, id_param="viewId"))
@php_method("Api1Controller::createRowInView", "int $viewId, $data")
async def v1_create_row_in_view(ctx: NcContext, request: Request) -> Response:
    """``POST /api/1/views/{viewId}/rows`` (only the view's columns may be given)."""
    return _create_row(ctx, *TablesBackend.of(ctx.state).view(uid_of(ctx), ctx.args["viewId"]))


@tables_controller(_V1)
@php_method("Api1Controller::getRow", "int $rowId")
async def v1_row(ctx: NcContext, request: Request) -> Response:
    """``GET /api/1/rows/{rowId}``."""
    return _v1(ctx, _LOOKUP, lambda b, uid: b.row(uid, ctx.args["rowId"])[1].to_json())


@tables_controller(_V1)
@php_method("Api1Controller::updateRow", "int $rowId, ?int $viewId, $data")
async def v1_update_row(ctx: NcContext, request: Request) -> Response:
    """``PUT /api/1/rows/{rowId}``: ``data`` not an array -> 500 "Could not update row."; ``RowService::updateSet``
    (only ``BadRequestError`` and ``InternalError`` are caught: a missing row or permission reaches
    ``ShareControlMiddleware``, an empty 404/403)."""
    a = ctx.args
    try:
        data = row_data(a["data"])
    except TablesError:
        return json_response({"message": "Could not update row."}, 500)
    catches = ("BadRequestError", "InternalError")
    return _v1(ctx, catches, lambda b, uid: b.update_row(uid, a["rowId"], data, a["viewId"] or None).to_json())


@tables_controller(_V1)
@php_method("Api1Controller::deleteRow", "int $rowId")
async def v1_delete_row(ctx: NcContext, request: Request) -> Response:
    """``DELETE /api/1/rows/{rowId}``: answers the deleted row."""
    return _v1(ctx, _LOOKUP, lambda b, uid: b.delete_row(uid, ctx.args["rowId"]).to_json())


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
