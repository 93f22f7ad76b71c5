"""Tables API v2 (OCS) at ``/ocs/v2.php/apps/tables/api/2/…``: tables, columns, row creation.

nextcloud/tables ed46be1f ``appinfo/routes.php`` (``ocs`` section), ``lib/Controller/ApiTablesController.php``,
``ApiColumnsController.php``, ``RowOCSController.php`` (OCS controllers, so Bearer tokens work without the patch).
v2 has no row listing, update or delete. Each handler declares its method's PHP signature (``@php_method``, bound
after ``PermissionMiddleware``: see ``middleware.py``, which also renders what the methods do not catch) and its
``catch`` clauses. Caught errors carry ``{"message": …}`` as data: the app message for 400 (``handleBadRequestError``,
``InvalidArgumentException``), generic translated messages for 403/404/500 (``AOCSController::handle*Error``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.tables.common import create_column, row_data, title_of
from fake_nextcloud.apps.tables.middleware import (
    CREATE,
    MANAGE,
    READ,
    TABLE,
    VIEW,
    RequirePermission,
    caught,
    message_of,
    node_of,
    tables_controller,
    uid_of,
)
from fake_nextcloud.apps.tables.models import TablesBackend, TablesError
from fake_nextcloud.apps.tables.values import TablesBadRequest
from fake_nextcloud.core.appframework import Annotations, Endpoint, OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.signature import php_method

__all__ = ["OCS_ROUTES"]

_OCS = Annotations(ocs=True)
_MORE = " More details can be found in the logs. Please reach out to your administration."
_OCS_MESSAGES = {
    403: "A permission error occurred." + _MORE,
    404: "A not found error occurred." + _MORE,
    500: "An unexpected error occurred." + _MORE,
}
_LOOKUP = ("PermissionError", "InternalError", "NotFoundError")
_ANY = ("InternalError", "Exception")


def _ocs(ctx: NcContext, catches: tuple[str, ...], work: Callable[[TablesBackend, str], Any]) -> OcsResult:
    """Run the method body; a caught error is its ``handle*Error`` answer, the others reach the middlewares."""
    try:
        return OcsResult(work(TablesBackend.of(ctx.state), uid_of(ctx)))
    except (TablesError, TablesBadRequest) as error:
        status = caught(error, catches)
        if status is None:
            raise
        return OcsResult({"message": message_of(error) if status == 400 else _OCS_MESSAGES[status]}, status)


# -- ApiTablesController ----------------------------------------------------------------------------------


@tables_controller(_OCS)
@php_method("ApiTablesController::index")
async def ocs_tables(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /api/2/tables``."""
    return _ocs(ctx, _ANY, lambda b, uid: [b.table_json(uid, t) for t in b.visible_tables(uid)])


@tables_controller(_OCS, RequirePermission(READ, TABLE, id_param="id"))
@php_method("ApiTablesController::show", "int $id")
async def ocs_table(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /api/2/tables/{id}``."""
    return _ocs(ctx, _LOOKUP, lambda b, uid: b.table_json(uid, b.table(uid, ctx.args["id"])))


@tables_controller(_OCS)
@php_method(
    "ApiTablesController::create", "string $title, ?string $emoji, ?string $description, string $template = 'custom'"
)
async def ocs_create_table(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /api/2/tables``: ``TableService::create($title, $template, $emoji, $description)`` (``Title``'s
    ``InvalidArgumentException`` -> 400 with its message; templates other than ``custom`` are not modelled)."""
    a = ctx.args

    def work(b: TablesBackend, uid: str) -> Any:
        return b.table_json(uid, b.create_table(uid, title_of(a["title"]), a["emoji"], a["description"] or ""))

    return _ocs(ctx, ("InvalidArgumentException", *_ANY), work)


# -- ApiColumnsController ---------------------------------------------------------------------------------


@tables_controller(_OCS, RequirePermission(READ))
@php_method("ApiColumnsController::index", "int $nodeId, string $nodeType")
async def ocs_columns(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /api/2/columns/{nodeType}/{nodeId}`` (``getColumnsFromTableOrView``: ``table`` or ``view``; ``tables``/
    ``views`` pass the middleware and are a ``BadRequestError`` here)."""
    a = ctx.args

    def work(b: TablesBackend, uid: str) -> Any:
        if a["nodeType"] == "view":
            table, view = b.view(uid, a["nodeId"])
            return [b.column_json(table.columns[c]) for c in view.columns if c in table.columns]
        if a["nodeType"] != "table":
            raise TablesBadRequest("Invalid node type provided")
        return [b.column_json(c) for c in b.table(uid, a["nodeId"]).columns.values()]

    return _ocs(ctx, (*_LOOKUP, "BadRequestError"), work)


_TAIL = (
    "?array $selectedViewIds = [], bool $mandatory = false, string $baseNodeType = 'table', array $customSettings = []"
)
#: the v2 column routes: ``ApiColumnsController::create<Type>Column`` and its parameters (``usergroup`` has no subtype)
_COLUMN_METHODS = {
    "number": (
        "createNumberColumn",
        "int $baseNodeId, string $title, ?string $technicalName, ?float $numberDefault, ?int $numberDecimals,"
        " ?string $numberPrefix, ?string $numberSuffix, ?float $numberMin, ?float $numberMax,"
        " ?string $subtype = null, ?string $description = null, " + _TAIL,
    ),
    "text": (
        "createTextColumn",
        "int $baseNodeId, string $title, ?string $technicalName, ?string $textDefault, ?string $textAllowedPattern,"
        " ?int $textMaxLength, ?bool $textUnique = false, ?string $subtype = null, ?string $description = null, "
        + _TAIL,
    ),
    "selection": (
        "createSelectionColumn",
        "int $baseNodeId, string $title, ?string $technicalName, string $selectionOptions, ?string $selectionDefault,"
        " ?string $subtype = null, ?string $description = null, " + _TAIL,
    ),
    "datetime": (
        "createDatetimeColumn",
        "int $baseNodeId, string $title, ?string $technicalName, ?string $datetimeDefault, ?string $subtype = null,"
        " ?string $description = null, " + _TAIL,
    ),
    "usergroup": (
        "createUsergroupColumn",
        "int $baseNodeId, string $title, ?string $technicalName, ?string $usergroupDefault,"
        " ?bool $usergroupMultipleItems = null, ?bool $usergroupSelectUsers = null,"
        " ?bool $usergroupSelectGroups = null, ?bool $usergroupSelectTeams = null, ?bool $showUserStatus = null,"
        " ?string $description = null, " + _TAIL,
    ),
}


def _ocs_create_column(type_: str) -> Endpoint:
    """``POST /api/2/columns/{type}``: ``#[RequirePermission(MANAGE, typeParam: 'baseNodeType', idParam:
    'baseNodeId')]`` - the middleware reads ``baseNodeType`` from the request, so a request without it fails there
    (node type ``'baseNodeType'``: ``InternalError``, a 500) although the method defaults it to ``'table'``. The body
    passes ``$tableId``/``$viewId`` by ``$baseNodeType === 'table'``/``'view'`` and catches only
    ``BadRequestError``."""
    method, parameters = _COLUMN_METHODS[type_]

    @tables_controller(_OCS, RequirePermission(MANAGE, type_param="baseNodeType", id_param="baseNodeId"))
    @php_method(f"ApiColumnsController::{method}", parameters)
    async def create(ctx: NcContext, request: Request) -> OcsResult:
        a = ctx.args

        def work(b: TablesBackend, uid: str) -> Any:
            node = {"table": TABLE, "view": VIEW}.get(a["baseNodeType"])
            table, view = node_of(b, uid, node, a["baseNodeId"]) if node is not None else (None, None)
            return create_column(b, uid, type_, table, view, a)

        return _ocs(ctx, ("BadRequestError",), work)

    create.__name__ = f"create_{type_}_column"
    return create


# -- RowOCSController -------------------------------------------------------------------------------------


class _NodeCollection(Convertor[str]):
    """The route requirement ``nodeCollection => (tables|views)``: other paths match no route (OCS 998)."""

    regex = "tables|views"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("tables_node_collection", _NodeCollection())


@tables_controller(_OCS, RequirePermission(CREATE, type_param="nodeCollection"))
@php_method("RowOCSController::createRow", "string $nodeCollection, int $nodeId, mixed $data")
async def ocs_create_row(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /api/2/{nodeCollection}/{nodeId}/rows``: ``$data`` (``mixed``) decoded if a string; not an array ->
    400 "Cannot create row: data input is invalid."."""
    a = ctx.args
    try:
        data = row_data(a["data"])
    except TablesError:
        return OcsResult({"message": "Cannot create row: data input is invalid."}, 400)

    def work(b: TablesBackend, uid: str) -> Any:
        table, view = node_of(b, uid, VIEW if a["nodeCollection"] == "views" else TABLE, a["nodeId"])
        return b.create_row(uid, table, data, view).to_json()

    return _ocs(ctx, ("BadRequestError", "NotFoundError", "PermissionError", *_ANY), work)


_O = "/apps/tables/api/2"
#: v2 OCS routes, mounted into the OCS router (``/ocs/v{1,2}.php``); each handler checks that the app is enabled.
OCS_ROUTES: list[BaseRoute] = [
    Route(f"{_O}/tables", ocs_tables, methods=["GET"]),
    Route(f"{_O}/tables", ocs_create_table, methods=["POST"]),
    Route(f"{_O}/tables/{{id:int}}", ocs_table, methods=["GET"]),
    Route(f"{_O}/columns/{{nodeType}}/{{nodeId:int}}", ocs_columns, methods=["GET"]),
    *(Route(f"{_O}/columns/{t}", _ocs_create_column(t), methods=["POST"]) for t in _COLUMN_METHODS),
    Route(f"{_O}/{{nodeCollection:tables_node_collection}}/{{nodeId:int}}/rows", ocs_create_row, methods=["POST"]),
]
