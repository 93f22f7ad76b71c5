"""Tables app: v1 REST (``#[CORS]``) and v2 OCS routes, validated against ``tables.json``."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.fake_support import ALICE, BOB, OCS_HEADERS
from support.openapi import validate

pytestmark = pytest.mark.anyio
V1 = "/index.php/apps/tables/api/1"
V2 = "/ocs/v2.php/apps/tables/api/2"
_OCS_ALICE: dict[str, Any] = {"headers": OCS_HEADERS, "auth": ALICE}
_ROW_SERVICE = "OCA\\Tables\\Service\\RowService - "
SEED = {
    "title": "Books",
    "columns": [
        {"title": "Title", "type": "text", "subtype": "line", "mandatory": True},
        {"title": "Pages", "type": "number", "min": 1, "max": 5000},
        {"title": "Genre", "type": "selection", "options": ["Novel", "Poetry"]},
        {"title": "Read", "type": "selection", "subtype": "check"},
        {"title": "Due", "type": "datetime", "subtype": "date"},
    ],
    "rows": [{"Title": "Dune", "Pages": 412.0, "Genre": "1"}, {"Title": "Odes", "Genre": "2"}],
    "views": [{"title": "Poetry", "columns": ["Title", "Genre"], "filter": [[{"column": "Genre", "value": "2"}]]}],
}


async def _seed(client: httpx2.AsyncClient, **extra: Any) -> dict[str, Any]:
    response = await client.post("/__testbed__/seed/tables", json={"user": "alice", "tables": [{**SEED, **extra}]})
    assert response.status_code == 201, response.text
    return dict(response.json()["tables"][0])


async def test_ocs_lists_tables_with_views_and_columns(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    listing = await client.get(f"{V2}/tables", headers=OCS_HEADERS, auth=ALICE)
    validate("tables.json", listing)
    table = listing.json()["ocs"]["data"][0]
    assert (table["title"], table["rowsCount"], table["columnsCount"]) == ("Books", 2, 5)
    assert [v["title"] for v in table["views"]] == ["Poetry"] and table["views"][0]["rowsCount"] == 1
    # not spec-validated: tables.json types Column.selectionOptions as a string and limits as non-null (models.py)
    columns = await client.get(f"{V2}/columns/table/{seeded['id']}", headers=OCS_HEADERS, auth=ALICE)
    kinds = [(c["title"], c["type"], c["subtype"]) for c in columns.json()["ocs"]["data"]]
    assert kinds[2:4] == [("Genre", "selection", ""), ("Read", "selection", "check")]
    view_cols = await client.get(f"{V2}/columns/view/{seeded['views']['Poetry']}", headers=OCS_HEADERS, auth=ALICE)
    assert [c["title"] for c in view_cols.json()["ocs"]["data"]] == ["Title", "Genre"]


async def test_v1_rows_are_paged_and_views_filter(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    page = await client.get(f"{V1}/tables/{seeded['id']}/rows", params={"limit": 1, "offset": 1}, auth=ALICE)
    assert [r["id"] for r in page.json()] == seeded["rows"][1:]
    view = await client.get(f"{V1}/views/{seeded['views']['Poetry']}/rows", auth=ALICE)
    cells = view.json()[0]["data"]
    assert {c["columnId"] for c in cells} == {seeded["columns"]["Title"], seeded["columns"]["Genre"]}


async def test_row_values_are_parsed_by_column_type(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    cols = seeded["columns"]
    data = {
        cols["Title"]: "Emma",
        cols["Pages"]: "300",
        cols["Genre"]: 2,
        cols["Read"]: True,
        cols["Due"]: "2024-02-30",
    }
    created = await client.post(
        f"{V2}/tables/{seeded['id']}/rows", json={"data": data}, headers=OCS_HEADERS, auth=ALICE
    )
    assert created.status_code == 200, created.text
    values = {c["columnId"]: c["value"] for c in created.json()["ocs"]["data"]["data"]}
    # number -> float, selection -> id as *string*, check -> "true", invalid date -> stored as null (silently)
    assert values == {
        cols["Title"]: "Emma",
        cols["Pages"]: 300.0,
        cols["Genre"]: "2",
        cols["Read"]: "true",
        cols["Due"]: None,
    }


async def test_limits_mandatory_and_unknown_columns_are_rejected(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    cols, url = seeded["columns"], f"{V1}/tables/{seeded['id']}/rows"
    too_big = await client.post(url, json={"data": {cols["Title"]: "x", cols["Pages"]: 9999}}, auth=ALICE)
    assert too_big.status_code == 400
    assert too_big.json() == {"message": "Value for column Pages exceeds maximum allowed value of 5000"}
    missing = await client.post(url, json={"data": {cols["Pages"]: 3}}, auth=ALICE)
    assert missing.json() == {"message": 'Mandatory column "Title" cannot be empty.'}
    unknown = await client.post(url, json={"data": {"999": "x"}}, auth=ALICE)
    assert unknown.status_code == 500 and "not part of table" in unknown.json()["message"]


async def test_update_changes_only_given_cells_and_delete_returns_the_row(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    row_id, cols = seeded["rows"][0], seeded["columns"]
    updated = await client.put(f"{V1}/rows/{row_id}", json={"data": {cols["Pages"]: 500}}, auth=ALICE)
    # not spec-validated: tables.json types Row.data as one object, the app sends a list of {columnId, value}
    values = {c["columnId"]: c["value"] for c in updated.json()["data"]}
    assert values[cols["Pages"]] == 500.0 and values[cols["Title"]] == "Dune"
    deleted = await client.delete(f"{V1}/rows/{row_id}", auth=ALICE)
    assert deleted.json()["id"] == row_id
    assert (await client.get(f"{V1}/rows/{row_id}", auth=ALICE)).status_code == 404


async def test_v1_create_row_in_view_accepts_only_the_views_columns(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    view, cols = seeded["views"]["Poetry"], seeded["columns"]
    created = await client.post(
        f"{V1}/views/{view}/rows", json={"data": {cols["Title"]: "Ode", cols["Genre"]: 2}}, auth=ALICE
    )
    assert created.status_code == 200 and created.json()["tableId"] == seeded["id"]
    outside = await client.post(
        f"{V1}/views/{view}/rows", json={"data": {cols["Title"]: "x", cols["Pages"]: 3}}, auth=ALICE
    )
    assert (
        outside.status_code == 500
        and outside.json()["message"] == f"Column with id {cols['Pages']} is not part of view with id {view}"
    )


async def test_other_users_neither_see_nor_change_tables(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    assert (await client.get(f"{V2}/tables", headers=OCS_HEADERS, auth=BOB)).json()["ocs"]["data"] == []
    rows = await client.get(f"{V1}/tables/{seeded['id']}/rows", auth=BOB)
    # PermissionMiddleware hides the node: its afterException DataResponse is never rendered (empty body)
    assert (rows.status_code, rows.content) == (404, b"")
    deleted = await client.delete(f"{V1}/rows/{seeded['rows'][0]}", auth=BOB)  # RowService::delete, caught
    assert (deleted.status_code, deleted.json()) == (404, {"message": _ROW_SERVICE + "delete: Row not found."})


async def test_read_only_share_can_read_but_not_write(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, shares=[{"user": "bob@corp", "read": True}])
    listing = (await client.get(f"{V2}/tables", headers=OCS_HEADERS, auth=BOB)).json()["ocs"]["data"]
    assert listing[0]["isShared"] is True and listing[0]["onSharePermissions"]["create"] is False
    assert len((await client.get(f"{V1}/tables/{seeded['id']}/rows", auth=BOB)).json()) == 2
    data = {"data": {seeded["columns"]["Title"]: "x"}}
    denied = await client.post(f"{V2}/tables/{seeded['id']}/rows", json=data, headers=OCS_HEADERS, auth=BOB)
    assert denied.status_code == 403
    # updateRow catches only BadRequestError/InternalError: ShareControlMiddleware answers the PermissionError
    update = await client.put(f"{V1}/rows/{seeded['rows'][0]}", json=data, auth=BOB)
    assert (update.status_code, update.content) == (403, b"")
    deleted = await client.delete(f"{V1}/rows/{seeded['rows'][0]}", auth=BOB)  # deleteRow catches it
    assert deleted.json() == {"message": _ROW_SERVICE + "delete: Update row is not allowed."}


async def test_ocs_creates_tables_and_typed_columns(client: httpx2.AsyncClient) -> None:
    created = await client.post(f"{V2}/tables", json={"title": "Tasks", "emoji": "✅"}, headers=OCS_HEADERS, auth=ALICE)
    validate("tables.json", created)
    table_id = created.json()["ocs"]["data"]["id"]
    options = '[{"id": 1, "label": "low"}, {"id": 2, "label": "high"}]'
    body = {"baseNodeId": table_id, "baseNodeType": "table", "title": "Prio", "selectionOptions": options}
    body["subtype"] = "multi"
    column = await client.post(f"{V2}/columns/selection", json=body, headers=OCS_HEADERS, auth=ALICE)
    assert column.status_code == 200, column.text
    assert column.json()["ocs"]["data"]["selectionOptions"][1] == {"id": 2, "label": "high"}
    stars = {"baseNodeId": table_id, "title": "Stars", "subtype": "stars", "numberMin": 0, "numberMax": 5}
    number = await client.post(f"{V2}/columns/number", json={**stars, "baseNodeType": "table"}, **_OCS_ALICE)
    assert (number.json()["ocs"]["data"]["subtype"], number.json()["ocs"]["data"]["numberMax"]) == ("stars", 5.0)
    bad = await client.post(
        f"{V2}/columns/number", json={**stars, "numberMin": 9, "baseNodeType": "table"}, **_OCS_ALICE
    )
    assert (bad.status_code, bad.json()["ocs"]["data"]) == (
        400,
        {"message": "Minimum number must be less than or equal to maximum number."},
    )


async def test_v1_needs_basic_auth_for_bearer_without_patch(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.bearer_patch = False
    response = await client.get(f"{V1}/tables", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert (await client.get(f"{V1}/tables", auth=ALICE)).status_code == 200


async def test_disabled_app_has_no_routes(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.disable_app("tables")
    assert (await client.get(f"{V1}/tables", auth=ALICE)).status_code == 404
    assert (await client.get(f"{V2}/tables", headers=OCS_HEADERS, auth=ALICE)).status_code == 404
    caps = (await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=ALICE)).json()
    assert "tables" not in caps["ocs"]["data"]["capabilities"]


async def test_v1_scheme(client: httpx2.AsyncClient) -> None:
    """``Api1Controller::showScheme`` / ``TableService::getScheme`` / ``TableScheme::jsonSerialize``."""
    seeded = await _seed(client, emoji="📚", shares=[{"user": "b0b", "read": True}])
    scheme = await client.get(f"{V1}/tables/{seeded['id']}/scheme", auth=ALICE)
    assert scheme.status_code == 200
    assert scheme.headers["Content-Disposition"] == 'attachment; filename="Books.json"'
    assert scheme.headers["Content-Type"] == "application/json"
    body = scheme.json()
    assert list(body) == ["title", "emoji", "columns", "views", "description", "tablesVersion", "columnOrder", "sort"]
    assert (body["title"], body["emoji"], body["tablesVersion"]) == ("Books", "📚", "2.2.2")
    assert [c["title"] for c in body["columns"]] == ["Title", "Pages", "Genre", "Read", "Due"]
    assert [v["title"] for v in body["views"]] == ["Poetry"]
    # tables.json declares a Table here; the code sends a TableScheme (no id, ownership, …): the spec is wrong
    shared = await client.get(f"{V1}/tables/{seeded['id']}/scheme", auth=BOB)
    assert shared.status_code == 200 and shared.json()["views"] == []  # views only for owner or manage share
    missing = await client.get(f"{V1}/tables/999/scheme", auth=ALICE)
    assert (missing.status_code, missing.content) == (404, b"")  # PermissionMiddleware, unrendered DataResponse


async def test_v1_scheme_of_a_table_without_emoji_is_a_server_error(client: httpx2.AsyncClient) -> None:
    """``TableService::create`` sets the emoji only ``if ($emoji)``; ``new TableScheme(…, string $emoji, …)`` then
    throws a ``TypeError`` that neither the controller nor a middleware catches."""
    created = await client.post(f"{V1}/tables", auth=ALICE, json={"title": "Plain", "emoji": ""})
    assert created.status_code == 200 and created.json()["emoji"] is None
    scheme = await client.get(f"{V1}/tables/{created.json()['id']}/scheme", auth=ALICE)
    assert scheme.status_code == 500 and "text/html" in scheme.headers["Content-Type"]
