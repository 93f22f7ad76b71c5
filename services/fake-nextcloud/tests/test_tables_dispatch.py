"""Tables: controller arguments bound from the real signatures, ``PermissionMiddleware`` before them, and what the
methods do not catch (nextcloud/tables ed46be1f ``lib/Controller/*``, ``lib/Middleware/*``; see
``apps/tables/middleware.py``)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from support.fake_support import ALICE, BOB, OCS_HEADERS

pytestmark = pytest.mark.anyio
V1 = "/index.php/apps/tables/api/1"
V2 = "/ocs/v2.php/apps/tables/api/2"
_ENUM = "OCA\\Tables\\Constants\\ColumnType"


async def _table(client: httpx2.AsyncClient, shares: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec = {"title": "T", "columns": [{"title": "A", "type": "text"}], "rows": [{"A": "x"}], "views": [{"title": "V"}]}
    response = await client.post(
        "/__testbed__/seed/tables", json={"user": "alice", "tables": [{**spec, "shares": shares or []}]}
    )
    return dict(response.json()["tables"][0])


def _is_ocs_server_error(response: httpx2.Response) -> bool:
    """``ocs/v1.php`` catching an exception: OCS 996, HTTP 500 on v2 (XML: ``OC_API::requestedFormat`` reads only
    the ``format`` parameter)."""
    return response.status_code == 500 and "<statuscode>996</statuscode>" in response.text


async def test_a_missing_required_argument_is_a_type_error(client: httpx2.AsyncClient) -> None:
    """``Api1Controller::createTable(string $title, …)`` and ``ApiTablesController::create(string $title, …)``: no
    default, so the dispatcher's ``null`` is a ``TypeError`` no middleware handles."""
    v1 = await client.post(f"{V1}/tables", json={"emoji": "📚"}, auth=ALICE)
    assert v1.status_code == 500 and "text/html" in v1.headers["Content-Type"]
    assert _is_ocs_server_error(
        await client.post(f"{V2}/tables", json={"emoji": "📚"}, headers=OCS_HEADERS, auth=ALICE)
    )
    # a blank title reaches the Title value object: InvalidArgumentException, caught (400, its message)
    blank = await client.post(f"{V2}/tables", json={"title": " \u00a0"}, headers=OCS_HEADERS, auth=ALICE)
    assert (blank.status_code, blank.json()["ocs"]["data"]) == (400, {"message": "Title is missing."})
    trimmed = await client.post(f"{V1}/tables", json={"title": "  Books\n"}, auth=ALICE)
    assert trimmed.json()["title"] == "Books"


async def test_v1_column_needs_mandatory_v2_defaults_it(client: httpx2.AsyncClient) -> None:
    """``createTableColumn(…, bool $mandatory, …)`` has no default; ``create*Column(…, bool $mandatory = false, …)``
    has one. ``'false'`` is ``false`` for a ``bool`` parameter."""
    table = await _table(client)
    url = f"{V1}/tables/{table['id']}/columns"
    missing = await client.post(url, json={"title": "B", "type": "text"}, auth=ALICE)
    assert missing.status_code == 500 and "text/html" in missing.headers["Content-Type"]
    given = await client.post(url, json={"title": "B", "type": "text", "mandatory": "false"}, auth=ALICE)
    assert (given.status_code, given.json()["mandatory"]) == (200, False)
    again = await client.post(url, json={"title": "B", "type": "text", "mandatory": True}, auth=ALICE)
    assert (again.json()["title"], again.json()["mandatory"]) == ("B (1)", True)  # ColumnService: no duplicate titles
    unknown = await client.post(url, json={"title": "C", "type": "list", "mandatory": False}, auth=ALICE)
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"message": f'"list" is not a valid backing value for enum {_ENUM}'},  # ColumnType::from: ValueError
    )
    body = {"baseNodeId": table["id"], "baseNodeType": "table", "title": "D"}
    v2 = await client.post(f"{V2}/columns/text", json=body, headers=OCS_HEADERS, auth=ALICE)
    assert (v2.status_code, v2.json()["ocs"]["data"]["mandatory"]) == (200, False)


async def test_permission_middleware_reads_the_request_before_binding(client: httpx2.AsyncClient) -> None:
    """``#[RequirePermission(MANAGE, typeParam: 'baseNodeType', idParam: 'baseNodeId')]``: the middleware reads
    both from the request; without ``baseNodeType`` the node type is the string ``'baseNodeType'`` -> InternalError
    (500) although the method defaults it to ``'table'``; without ``baseNodeId``: "Invalid node ID" (500)."""
    table = await _table(client)
    post: dict[str, Any] = {"headers": OCS_HEADERS, "auth": ALICE}
    no_type = await client.post(f"{V2}/columns/text", json={"baseNodeId": table["id"], "title": "B"}, **post)
    assert _is_ocs_server_error(no_type)
    assert _is_ocs_server_error(await client.post(f"{V2}/columns/text", json={"title": "B"}, **post))
    plural = {"baseNodeId": table["id"], "baseNodeType": "tables", "title": "B"}  # passes the middleware only
    assert _is_ocs_server_error(await client.post(f"{V2}/columns/text", json=plural, **post))
    no_title = {"baseNodeId": table["id"], "baseNodeType": "table"}
    assert _is_ocs_server_error(await client.post(f"{V2}/columns/text", json=no_title, **post))
    # an inaccessible node is answered before the arguments are bound: no TypeError for the missing title
    hidden = await client.post(f"{V2}/columns/text", json={**no_title, "baseNodeId": 999}, **post)
    assert (hidden.status_code, hidden.content) == (404, b"")  # unrendered DataResponse
    foreign = await client.post(f"{V1}/tables/{table['id']}/columns", json={}, auth=BOB)
    assert (foreign.status_code, foreign.content) == (404, b"")


async def test_missing_permission_before_binding(client: httpx2.AsyncClient) -> None:
    table = await _table(client, shares=[{"user": "bob@corp", "read": True}])
    v1 = await client.post(f"{V1}/tables/{table['id']}/columns", json={}, auth=BOB)
    assert (v1.status_code, v1.content) == (403, b"")
    body = {"baseNodeId": table["id"], "baseNodeType": "table"}
    v2 = await client.post(f"{V2}/columns/text", json=body, headers=OCS_HEADERS, auth=BOB)
    meta = v2.json()["ocs"]["meta"]  # OCSForbiddenException: the message in meta
    assert (v2.status_code, meta["message"]) == (403, f"User b0b cannot manage node {table['id']} (type 0)")


async def test_node_types_of_the_column_listing(client: httpx2.AsyncClient) -> None:
    table = await _table(client)
    get: dict[str, Any] = {"headers": OCS_HEADERS, "auth": ALICE}
    assert _is_ocs_server_error(await client.get(f"{V2}/columns/foo/{table['id']}", **get))  # PermissionMiddleware
    plural = await client.get(f"{V2}/columns/tables/{table['id']}", **get)  # the method's BadRequestError
    assert (plural.status_code, plural.json()["ocs"]["data"]) == (400, {"message": "Invalid node type provided"})
    hidden = await client.get(f"{V2}/tables/{table['id']}", headers=OCS_HEADERS, auth=BOB)
    assert (hidden.status_code, hidden.content) == (404, b"")


async def test_v1_column_listing_checks_in_the_service(client: httpx2.AsyncClient) -> None:
    """``indexTableColumns(int $tableId, ?int $viewId)`` has no ``#[RequirePermission]``: ``ColumnService``'s
    ``PermissionError`` is caught (403 with its message)."""
    table = await _table(client)
    foreign = await client.get(f"{V1}/tables/{table['id']}/columns", auth=BOB)
    assert (foreign.status_code, foreign.json()) == (403, {"message": f"no read access to table id = {table['id']}"})
    in_view = await client.get(f"{V1}/tables/{table['id']}/columns", params={"viewId": table["views"]["V"]}, auth=ALICE)
    assert [c["title"] for c in in_view.json()] == ["A"]
    other = await client.get(f"{V1}/tables/999/columns", params={"viewId": table["views"]["V"]}, auth=ALICE)
    assert other.json() == {"message": "Given table is not a parent of the given view."}


async def test_rows_of_unknown_ids(client: httpx2.AsyncClient) -> None:
    """``RowService::getRowById`` rethrows the row sleeve's ``DoesNotExistException`` as ``InternalError``: deleting
    or updating an unknown row is a 500 (caught, with the message); reading it is a 404 (``RowService::find``)."""
    gone = await client.delete(f"{V1}/rows/999", auth=ALICE)
    assert gone.status_code == 500 and "RowService - delete: " in gone.json()["message"]
    update = await client.put(f"{V1}/rows/999", json={"data": {}}, auth=ALICE)
    assert update.status_code == 500 and "found none" in update.json()["message"]
    assert (await client.get(f"{V1}/rows/999", auth=ALICE)).status_code == 404
    rows = await client.post(f"{V2}/tables/1/rows", json={"data": {}}, headers=OCS_HEADERS, auth=ALICE)
    assert (rows.status_code, rows.content) == (404, b"")  # no table 1: PermissionMiddleware
    bad = await client.post(f"{V2}/things/1/rows", json={"data": {}}, headers=OCS_HEADERS, auth=ALICE)
    assert bad.status_code == 404  # route requirement (tables|views): no route
