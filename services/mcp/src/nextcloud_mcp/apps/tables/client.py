"""Tables client: v2 OCS where a route exists, v1 REST otherwise (nextcloud/tables appinfo/routes.php).

Route choice: OCS works with a Bearer token on a stock Nextcloud; the v1 REST API is ``#[CORS]`` and needs the
Bearer patch (docs/authentication.md). v2 has table and column creation, column listing and row creation but no
row listing, update or delete (lib/Controller/RowOCSController.php has only ``createRow``), so those use v1 and,
in OAuth mode without the patch, fail with the error that names the patch. Each call logs its family at debug.

Errors: Tables answers ``{"message": …}`` (v1) or the same inside an OCS envelope (v2, or ``meta.message`` for
``OCSForbiddenException``) for what the controller catches; what its middlewares answer (``PermissionMiddleware``,
``ShareControlMiddleware``: an inaccessible node, a missing permission on the v1 row update) comes with an empty
body, as nextcloud/server renders such a ``DataResponse`` (``Dispatcher::dispatch`` → ``Response::render``). The
message is passed on to the model for 400, 403, 404 and 500 (Tables raises ``InternalError`` → 500 for caller
mistakes such as a row outside the given view, lib/Service/RowService.php::updateSet; an unknown row in a delete or
update is a 500 too, reported as not found), without the ``OCA\\Tables\\Service\\RowService - find: `` prefixes
the services add, and followed by what to do next (``fix``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal, TypeVar

import httpx2
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp.apps.tables.values import Column
from nextcloud_mcp.core.errors import BadRequest, Forbidden, NotFound, ProtocolError, Unavailable
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["OCS_ONLY", "Column", "Node", "Row", "Table", "TablesClient", "View", "tables_client"]

logger = logging.getLogger(__name__)

V1 = "/index.php/apps/tables/api/1"
V2 = "/ocs/v2.php/apps/tables/api/2"
Node = Literal["table", "view"]
#: Operations that have an OCS route (keep working with Bearer tokens on an unpatched Nextcloud).
OCS_ONLY = frozenset({"list_tables", "get_table", "create_row", "create_table", "add_column"})
#: The service-name prefixes Tables puts in front of its messages ("OCA\\Tables\\Service\\RowService - find: ").
_PREFIX = re.compile(r"^(?:OCA\\[\w\\]+ - \w+: )+")
_KEEP_MESSAGE = (400, 403, 404, 500)  # statuses whose Tables message is passed on
#: QBMapper::findOneQuery's DoesNotExistException message (nextcloud/server lib/public/AppFramework/Db/QBMapper.php)
_NOT_FOUND_QUERY = "Did expect one result but found none"


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    title: str
    table_id: int = Field(alias="tableId")
    rows: int = Field(default=0, alias="rowsCount")


class Table(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    title: str
    emoji: str | None = None
    description: str | None = ""
    owner: str = Field(default="", alias="ownership")
    shared: bool = Field(default=False, alias="isShared")
    rows: int = Field(default=0, alias="rowsCount")
    views: list[View] = Field(default_factory=list)


class Cell(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    column_id: int = Field(alias="columnId")
    value: Any = None


class Row(BaseModel):
    """``Row2::jsonSerialize`` (lib/Db/Row2.php). ``lastEditAt`` is ``Y-m-d H:i:s`` in UTC (Row2Mapper::updateMetaData,
    ``new DateTime()`` under nextcloud/server lib/base.php's ``date_default_timezone_set('UTC')``)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    table_id: int = Field(alias="tableId")
    data: list[Cell] = Field(default_factory=list)
    last_edit_at: str | None = Field(default=None, alias="lastEditAt")
    last_edit_by: str | None = Field(default=None, alias="lastEditBy")


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], data: Any, path: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"Tables sent an unexpected {model.__name__}.", path=path) from exc


def _message(response: httpx2.Response) -> str:
    """Tables' own message of an error answer (v1 ``message``; v2 ``ocs.data.message`` or ``ocs.meta.message``)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    ocs = body.get("ocs")
    if isinstance(ocs, dict):
        data, meta = ocs.get("data"), ocs.get("meta")
        text = data.get("message") if isinstance(data, dict) else None
        text = text or (meta.get("message") if isinstance(meta, dict) else None)
    else:
        text = body.get("message")
    return _PREFIX.sub("", str(text or "")).strip().rstrip(".")[:300]


def _error(response: httpx2.Response, what: str, fix: str) -> Exception:
    """The error for a 400/403/404/500 answer: what happened (with Tables' message), then ``fix``."""
    status, message = response.status_code, _message(response)
    said = f" (Tables: {message})" if message else ""
    where: dict[str, Any] = {"method": response.request.method, "path": response.request.url.path, "status": status}
    if status == 400:
        return BadRequest(f"Tables refused the request: {message or 'bad request'}. {fix}", **where)
    if status == 403:
        return Forbidden(
            f"Tables refused this action for the current user{said}: the table's share does not allow it. "
            "Ask its owner for the permission, or work on a table of your own (nc_tables_list_tables).",
            **where,
        )
    if status == 404:
        return NotFound(f"{what} does not exist or is not visible to this user{said}. {fix}", **where)
    if status == 500 and _NOT_FOUND_QUERY in message:
        # RowService::getRowById rethrows the row sleeve's DoesNotExistException as InternalError (delete, update of
        # an unknown row: 500); its message is the database query, of no use to the model
        return NotFound(f"{what} does not exist. {fix}", **where)
    if message:
        return Unavailable(f"Tables failed{said}. Check the ids and values given. {fix}", **where)
    return Unavailable("Nextcloud failed with HTTP 500; try again later.", **where)


class TablesClient:
    """The Tables API for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def _call(self, family: str, method: str, path: str, what: str, fix: str, **kwargs: Any) -> Any:
        """One request; an error keeps Tables' message, names ``what`` (404) and ends with ``fix`` (what next)."""
        logger.debug("tables: %s %s via %s", method, path, family)
        # on v1 too: the header passes the CSRF check that keeps a Bearer session alive on #[CORS] routes
        # (nextcloud/server Request::passesCSRFCheck, CORSMiddleware::beforeController)
        headers = {"OCS-APIRequest": "true"}
        params = {"format": "json"} if family == "ocs-v2" else None
        response = await self._http.request(
            method,
            path,
            auth=self._auth,
            headers=headers,
            params={**(params or {}), **kwargs.pop("query", {})},
            ok=_KEEP_MESSAGE,
            **kwargs,
        )
        if response.status_code >= 400:
            raise _error(response, what, fix)
        body = _json(response)
        return body.get("ocs", {}).get("data") if family == "ocs-v2" and isinstance(body, dict) else body

    # -- OCS (v2) ---------------------------------------------------------------------------------------

    async def list_tables(self) -> list[Table]:
        data = await self._call("ocs-v2", "GET", f"{V2}/tables", "The Tables app", "Check that Tables is enabled.")
        return [_parse(Table, t, V2) for t in data or []]

    async def get_table(self, table_id: int) -> Table:
        path = f"{V2}/tables/{table_id}"
        return _parse(Table, await self._call("ocs-v2", "GET", path, f"Table {table_id}", _TABLES), path)

    async def columns(self, node: Node, node_id: int) -> list[Column]:
        path = f"{V2}/columns/{node}/{node_id}"
        data = await self._call("ocs-v2", "GET", path, f"{node.title()} {node_id}", _TABLES)
        return [_parse(Column, c, V2) for c in data or []]

    async def create_row(self, node: Node, node_id: int, data: dict[int, Any]) -> Row:
        body = {"data": {str(k): v for k, v in data.items()}}
        path = f"{V2}/{node}s/{node_id}/rows"
        answer = await self._call("ocs-v2", "POST", path, f"{node.title()} {node_id}", _VALUES, json=body)
        return _parse(Row, answer, path)

    async def create_table(self, title: str, emoji: str | None, description: str | None) -> Table:
        body = {"title": title, "emoji": emoji, "description": description}
        fix = "Check the title and emoji."
        return _parse(Table, await self._call("ocs-v2", "POST", f"{V2}/tables", "The Tables app", fix, json=body), V2)

    async def create_column(self, endpoint: str, body: dict[str, Any]) -> Column:
        path = f"{V2}/columns/{endpoint}"
        fix = "Check the name, type and options; nc_tables_get_table shows the existing columns."
        data = await self._call("ocs-v2", "POST", path, f"Table {body.get('baseNodeId')}", fix, json=body)
        return _parse(Column, data, path)

    # -- REST (v1, #[CORS]) -----------------------------------------------------------------------------

    async def rows(self, node: Node, node_id: int, limit: int, offset: int) -> list[Row]:
        path = f"{V1}/{node}s/{node_id}/rows"
        query = {"limit": limit, "offset": offset}
        data = await self._call("rest-v1", "GET", path, f"{node.title()} {node_id}", _TABLES, query=query)
        if not isinstance(data, list):
            raise ProtocolError("Tables row listing is not a JSON array.", path=path)
        return [_parse(Row, r, path) for r in data]

    async def get_row(self, row_id: int) -> Row:
        path = f"{V1}/rows/{row_id}"
        return _parse(Row, await self._call("rest-v1", "GET", path, f"Row {row_id}", _ROWS), path)

    async def update_row(self, row_id: int, data: dict[int, Any], view_id: int | None) -> Row:
        path = f"{V1}/rows/{row_id}"
        body: dict[str, Any] = {"data": {str(k): v for k, v in data.items()}}
        if view_id is not None:
            body["viewId"] = view_id
        return _parse(Row, await self._call("rest-v1", "PUT", path, f"Row {row_id}", _VALUES, json=body), path)

    async def delete_row(self, row_id: int) -> None:
        await self._call("rest-v1", "DELETE", f"{V1}/rows/{row_id}", f"Row {row_id}", _ROWS)


_TABLES = "List the tables and their views with nc_tables_list_tables."
_ROWS = "List the rows with nc_tables_list_rows."
_VALUES = "Fix the values (nc_tables_get_table shows each column's type and options)."


def _json(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ProtocolError(
            "Tables sent an answer that is not JSON.", path=response.request.url.path, status=response.status_code
        ) from exc


def tables_client(session: NextcloudSession) -> TablesClient:
    """The session's TablesClient."""
    return session.client(TablesClient, lambda: TablesClient(session.http, session.auth))
