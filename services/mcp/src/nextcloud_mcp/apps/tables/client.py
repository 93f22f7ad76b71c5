"""Tables client: v2 OCS where a route exists, v1 REST otherwise (nextcloud/tables appinfo/routes.php).

Route choice: OCS works with a Bearer token on a stock Nextcloud; the v1 REST API is ``#[CORS]`` and needs the
Bearer patch (docs/authentication.md). v2 has table and column creation, column listing and row creation but no
row listing, update or delete (lib/Controller/RowOCSController.php has only ``createRow``), so those use v1 and,
in OAuth mode without the patch, fail with the error that names the patch. Each call logs its family at debug.

Errors: Tables answers ``{"message": …}`` (v1) or the same inside an OCS envelope (v2); 400 messages (e.g.
"Value for column X exceeds …") are passed on to the model.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, TypeVar

import httpx2
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp.apps.tables.values import Column
from nextcloud_mcp.core.errors import BadRequest, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["OCS_ONLY", "Column", "Row", "Table", "TablesClient", "View", "tables_client"]

logger = logging.getLogger(__name__)

V1 = "/index.php/apps/tables/api/1"
V2 = "/ocs/v2.php/apps/tables/api/2"
Node = Literal["table", "view"]
#: Operations that have an OCS route (keep working with Bearer tokens on an unpatched Nextcloud).
OCS_ONLY = frozenset({"list", "schema", "insert", "create_table", "add_column"})


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
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    table_id: int = Field(alias="tableId")
    data: list[Cell] = Field(default_factory=list)
    last_edit_at: str = Field(default="", alias="lastEditAt")


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], data: Any, path: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"Tables sent an unexpected {model.__name__}.", path=path) from exc


class TablesClient:
    """The Tables API for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def _call(self, family: str, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """One request; 400 keeps the app's message, 404 names ``what``."""
        logger.debug("tables: %s %s via %s", method, path, family)
        # on v1 too: the header passes the CSRF check that keeps a Bearer session alive on #[CORS] routes
        # (nextcloud/server Request::passesCSRFCheck, CORSMiddleware::beforeController)
        headers = {"OCS-APIRequest": "true"}
        params = {"format": "json"} if family == "ocs-v2" else None
        try:
            response = await self._http.request(
                method,
                path,
                auth=self._auth,
                headers=headers,
                params={**(params or {}), **kwargs.pop("query", {})},
                ok=(400,),
                **kwargs,
            )
        except NotFound as exc:
            exc.message = f"{what} does not exist (or is not visible to this user)."
            raise
        body = _json(response)
        data = body.get("ocs", {}).get("data") if family == "ocs-v2" and isinstance(body, dict) else body
        if response.status_code == 400:
            message = data.get("message") if isinstance(data, dict) else None
            raise BadRequest(
                f"Tables refused the request: {message or 'bad request'}",
                method=method,
                path=response.request.url.path,
                status=400,
            )
        return data

    # -- OCS (v2) ---------------------------------------------------------------------------------------

    async def list_tables(self) -> list[Table]:
        data = await self._call("ocs-v2", "GET", f"{V2}/tables", "The Tables app")
        return [_parse(Table, t, V2) for t in data or []]

    async def columns(self, node: Node, node_id: int) -> list[Column]:
        data = await self._call("ocs-v2", "GET", f"{V2}/columns/{node}/{node_id}", f"{node.title()} {node_id}")
        return [_parse(Column, c, V2) for c in data or []]

    async def create_row(self, node: Node, node_id: int, data: dict[int, Any]) -> Row:
        body = {"data": {str(k): v for k, v in data.items()}}
        path = f"{V2}/{node}s/{node_id}/rows"
        return _parse(Row, await self._call("ocs-v2", "POST", path, f"{node.title()} {node_id}", json=body), path)

    async def create_table(self, title: str, emoji: str | None, description: str | None) -> Table:
        body = {"title": title, "emoji": emoji, "description": description}
        return _parse(Table, await self._call("ocs-v2", "POST", f"{V2}/tables", "The Tables app", json=body), V2)

    async def create_column(self, endpoint: str, body: dict[str, Any]) -> Column:
        path = f"{V2}/columns/{endpoint}"
        data = await self._call("ocs-v2", "POST", path, f"Table {body.get('baseNodeId')}", json=body)
        return _parse(Column, data, path)

    # -- REST (v1, #[CORS]) -----------------------------------------------------------------------------

    async def rows(self, node: Node, node_id: int, limit: int, offset: int) -> list[Row]:
        path = f"{V1}/{node}s/{node_id}/rows"
        query = {"limit": limit, "offset": offset}
        data = await self._call("rest-v1", "GET", path, f"{node.title()} {node_id}", query=query)
        if not isinstance(data, list):
            raise ProtocolError("Tables row listing is not a JSON array.", path=path)
        return [_parse(Row, r, path) for r in data]

    async def get_row(self, row_id: int) -> Row:
        path = f"{V1}/rows/{row_id}"
        return _parse(Row, await self._call("rest-v1", "GET", path, f"Row {row_id}"), path)

    async def update_row(self, row_id: int, data: dict[int, Any], view_id: int | None) -> Row:
        path = f"{V1}/rows/{row_id}"
        body: dict[str, Any] = {"data": {str(k): v for k, v in data.items()}}
        if view_id is not None:
            body["viewId"] = view_id
        return _parse(Row, await self._call("rest-v1", "PUT", path, f"Row {row_id}", json=body), path)

    async def delete_row(self, row_id: int) -> None:
        await self._call("rest-v1", "DELETE", f"{V1}/rows/{row_id}", f"Row {row_id}")


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
