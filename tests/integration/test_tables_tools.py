"""Tables tools against the fake Nextcloud: typed values by column name, failure paths, isolation, OAuth."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud
from fake_nextcloud.apps.tables.models import TablesBackend
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import RecordingTransport, oauth_gate
from support.openapi import HttpxOpenAPIRequest, load_spec

pytestmark = pytest.mark.anyio
BOOKS = {
    "title": "Books",
    "emoji": "📚",
    "columns": [
        {"title": "Title", "type": "text", "subtype": "line", "mandatory": True},
        {"title": "Pages", "type": "number", "min": 1, "max": 5000},
        {"title": "Rating", "type": "number", "subtype": "stars"},
        {"title": "Genre", "type": "selection", "options": ["Novel", "Poetry", "Essay"]},
        {"title": "Tags", "type": "selection", "subtype": "multi", "options": ["old", "new", "gift"]},
        {"title": "Read", "type": "selection", "subtype": "check"},
        {"title": "Bought", "type": "datetime", "subtype": "date"},
        {"title": "Started", "type": "datetime"},
        {"title": "Owner", "type": "usergroup"},
    ],
    "rows": [
        {"Title": "Dune", "Pages": 412.0, "Genre": "1", "Tags": [1, 3], "Read": "true", "Bought": "2024-01-31"},
        {"Title": "Odes", "Pages": 80.0, "Genre": "2", "Read": "false", "Started": "2024-02-01 09:30"},
        {"Title": "Essays", "Genre": "3", "Owner": [{"id": "alice", "type": 0}]},
    ],
    "views": [{"title": "Poetry", "columns": ["Title", "Genre"], "filter": [[{"column": "Genre", "value": "2"}]]}],
}


async def _seed(control: httpx2.AsyncClient, user: str = "alice", **extra: Any) -> dict[str, Any]:
    response = await control.post("/__testbed__/seed/tables", json={"user": user, "tables": [{**BOOKS, **extra}]})
    assert response.status_code == 201, response.text
    return dict(response.json()["tables"][0])


async def test_list_and_schema(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    async with mcp_as("alice") as client:
        tables = structured(await client.call_tool("nc_tables_list", {}))["tables"]
        assert tables == [
            {
                "id": seeded["id"],
                "title": "📚 Books",
                "rows": 3,
                "shared": False,
                "views": [{"id": seeded["views"]["Poetry"], "title": "Poetry", "rows": 1}],
            }
        ]
        schema = structured(await client.call_tool("nc_tables_schema", {"table_id": seeded["id"]}))["columns"]
    kinds = {c["name"]: (c["type"], c["required"], c["options"]) for c in schema}
    assert kinds["Title"] == ("text-line", True, [])
    assert kinds["Rating"][0] == "number-stars" and kinds["Read"][0] == "selection-check"
    assert kinds["Genre"] == ("selection", False, ["Novel", "Poetry", "Essay"])
    assert kinds["Bought"][0] == "datetime-date" and kinds["Owner"][0] == "usergroup"


async def test_rows_come_back_typed_by_column_name(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    async with mcp_as("alice") as client:
        page = structured(await client.call_tool("nc_tables_rows", {"table_id": seeded["id"], "limit": 2}))
        assert page["next_offset"] == 2
        dune, odes = page["rows"]
        assert dune["values"] == {
            "Title": "Dune",
            "Pages": 412,
            "Genre": "Novel",
            "Tags": ["old", "gift"],
            "Read": True,
            "Bought": "2024-01-31",
        }
        assert odes["values"]["Started"] == "2024-02-01T09:30" and odes["values"]["Read"] is False
        rest = structured(await client.call_tool("nc_tables_rows", {"table_id": seeded["id"], "offset": 2}))
        assert rest["next_offset"] is None and rest["rows"][0]["values"]["Owner"] == ["alice"]
        where = {"table_id": seeded["id"], "where": {"Genre": "poetry"}}
        assert [r["values"]["Title"] for r in structured(await client.call_tool("nc_tables_rows", where))["rows"]] == [
            "Odes"
        ]
        tagged = {"table_id": seeded["id"], "where": {"Tags": "gift"}}
        assert len(structured(await client.call_tool("nc_tables_rows", tagged))["rows"]) == 1
        view = {"table_id": seeded["id"], "view_id": seeded["views"]["Poetry"]}
        assert structured(await client.call_tool("nc_tables_rows", view))["rows"][0]["values"] == {
            "Title": "Odes",
            "Genre": "Poetry",
        }


async def test_insert_update_delete_round_trip(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    seeded = await _seed(control)
    values = {
        "Title": "Emma",
        "Pages": 474,
        "Rating": 4.5,
        "Genre": "Novel",
        "Tags": ["new"],
        "Read": False,
        "Bought": "2024-03-01",
        "Started": "2024-03-02T08:15:00",
        "Owner": ["alice", "bob"],
    }
    async with mcp_as("alice") as client:
        row = structured(await client.call_tool("nc_tables_insert", {"table_id": seeded["id"], "values": values}))
        assert row["values"] == {**values, "Started": "2024-03-02T08:15"}
        stored = TablesBackend.of(fake.fake_state).tables[seeded["id"]].rows[row["id"]].data
        assert stored[seeded["columns"]["Genre"]] == "1" and stored[seeded["columns"]["Read"]] == "false"
        assert stored[seeded["columns"]["Started"]] == "2024-03-02 08:15"
        changed = await client.call_tool("nc_tables_update", {"row_id": row["id"], "values": {"Pages": 480}})
        assert structured(changed)["values"] == {**values, "Pages": 480, "Started": "2024-03-02T08:15"}
        deleted = structured(await client.call_tool("nc_tables_delete", {"row_id": row["id"]}))
        assert deleted == {"id": row["id"], "deleted": True}
        again = await client.call_tool("nc_tables_delete", {"row_id": row["id"]})
        assert again.is_error and f"Row {row['id']} does not exist" in error_text(again)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Title": "x", "Pages": "many"}, "Column 'Pages' (number) expects a number; got 'many'"),
        ({"Title": "x", "Pages": 9000}, "Column 'Pages' (number) expects a number between 1 and 5000"),
        ({"Title": "x", "Rating": 6}, "between 0 and 5"),
        ({"Title": "x", "Genre": "Drama"}, "expects one option label (options: 'Novel', 'Poetry', 'Essay')"),
        ({"Title": "x", "Read": "yes"}, "Column 'Read' (selection-check) expects true or false"),
        ({"Title": "x", "Bought": "31.01.2024"}, "Column 'Bought' (datetime-date) expects an ISO date"),
        ({"Title": "x", "Colour": "red"}, "Unknown column(s) 'Colour'; the columns are: 'Title', 'Pages'"),
        ({"Pages": 3}, "Required column(s) missing: 'Title'"),
        ({"Title": 42}, "Column 'Title' (text-line) expects text; got 42"),
    ],
)
async def test_type_mismatches_are_refused_before_sending(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud, values: dict[str, Any], message: str
) -> None:
    seeded = await _seed(control)
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_tables_insert", {"table_id": seeded["id"], "values": values})
    assert result.is_error and message in error_text(result), error_text(result)
    assert len(TablesBackend.of(fake.fake_state).tables[seeded["id"]].rows) == 3  # nothing was written


async def test_missing_table_and_permission_denied(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control, shares=[{"user": "bob", "read": True}])
    async with mcp_as("alice") as client:
        missing = await client.call_tool("nc_tables_schema", {"table_id": 999})
        assert missing.is_error and "Table 999 does not exist" in error_text(missing)
        rows = await client.call_tool("nc_tables_rows", {"table_id": 999})
        assert rows.is_error and "does not exist" in error_text(rows)
    async with mcp_as("bob") as client:
        shared = structured(await client.call_tool("nc_tables_list", {}))["tables"]
        assert [(t["title"], t["shared"]) for t in shared] == [("📚 Books", True)]
        assert len(structured(await client.call_tool("nc_tables_rows", {"table_id": seeded["id"]}))["rows"]) == 3
        insert = await client.call_tool("nc_tables_insert", {"table_id": seeded["id"], "values": {"Title": "x"}})
        assert insert.is_error and "refused this action" in error_text(insert)
        update = await client.call_tool("nc_tables_update", {"row_id": seeded["rows"][0], "values": {"Title": "y"}})
        assert update.is_error and "refused this action" in error_text(update)


async def test_users_are_isolated(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    await _seed(control, user="bob", title="Bob's")
    async with mcp_as("bob") as client:
        assert [t["title"] for t in structured(await client.call_tool("nc_tables_list", {}))["tables"]] == ["📚 Bob's"]
        foreign = await client.call_tool("nc_tables_rows", {"table_id": seeded["id"]})
        assert foreign.is_error and "does not exist" in error_text(foreign)
        delete = await client.call_tool("nc_tables_delete", {"row_id": seeded["rows"][0]})
        assert delete.is_error
    async with mcp_as("alice") as client:
        assert structured(await client.call_tool("nc_tables_list", {}))["tables"][0]["rows"] == 3


async def test_create_table_and_columns_of_each_type(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        table = structured(await client.call_tool("nc_tables_create", {"title": "Chores", "emoji": "🧹"}))
        kinds = ["text-line", "text-long", "text-rich", "text-link", "number", "number-stars", "number-progress"]
        kinds += ["selection", "selection-multi", "selection-check", "datetime", "datetime-date", "datetime-time"]
        kinds += ["usergroup"]
        for kind in kinds:
            args: dict[str, Any] = {
                "table_id": table["id"],
                "name": kind,
                "type": kind,
                "required": kind == "text-line",
            }
            if kind in ("selection", "selection-multi"):
                args["options"] = ["low", "high"]
            column = structured(await client.call_tool("nc_tables_add_column", args))
            assert (column["name"], column["type"]) == (kind, kind)
        no_options = await client.call_tool(
            "nc_tables_add_column", {"table_id": table["id"], "name": "x", "type": "selection"}
        )
        assert no_options.is_error and "needs options" in error_text(no_options)
        values = {
            "text-line": "Dishes",
            "text-link": "https://example.org",
            "number-progress": 50,
            "selection": "high",
            "selection-multi": ["low", "high"],
            "selection-check": True,
            "datetime-time": "18:30",
            "usergroup": ["bob"],
        }
        row = structured(await client.call_tool("nc_tables_insert", {"table_id": table["id"], "values": values}))
        assert row["values"] == values


async def test_oauth_without_bearer_patch_keeps_every_tool(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    scope = "tables:read tables:write"
    async with oauth_gate(fake, patched=False) as gate:
        assert {"nc_tables_list", "nc_tables_rows"} <= await gate.tool_names(scope=scope)
        listed = await gate.call("nc_tables_list", {}, scope=scope)
        assert not listed.error, listed.text
        assert listed.data["tables"][0]["id"] == seeded["id"]
        assert not (await gate.call("nc_tables_schema", {"table_id": seeded["id"]}, scope=scope)).error
        inserted = await gate.call(
            "nc_tables_insert", {"table_id": seeded["id"], "values": {"Title": "T"}}, scope=scope
        )
        assert not inserted.error, inserted.text
        created = await gate.call("nc_tables_create", {"title": "OAuth"}, scope=scope)
        assert not created.error, created.text
        column = {"table_id": created.data["id"], "name": "N", "type": "number"}
        assert not (await gate.call("nc_tables_add_column", column, scope=scope)).error
        for name, args in (
            ("nc_tables_rows", {"table_id": seeded["id"]}),
            ("nc_tables_update", {"row_id": inserted.data["id"], "values": {"Title": "U"}}),
            ("nc_tables_delete", {"row_id": inserted.data["id"]}),
        ):
            # REST v1 (#[CORS]): works unpatched because the client sends OCS-APIRequest
            result = await gate.call(name, args, scope=scope)
            assert not result.error, (name, result.text)


async def test_oauth_with_bearer_patch_has_every_tool(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    await _seed(control, user="bob", title="Bob's")
    scope = "tables:read tables:write"
    async with oauth_gate(fake, patched=True) as gate:
        rows = await gate.call("nc_tables_rows", {"table_id": seeded["id"]}, scope=scope)
        assert not rows.error and len(rows.data["rows"]) == 3, rows.text
        row_id = seeded["rows"][0]
        assert not (await gate.call("nc_tables_update", {"row_id": row_id, "values": {"Pages": 1}}, scope=scope)).error
        assert not (await gate.call("nc_tables_delete", {"row_id": row_id}, scope=scope)).error
        bobs = await gate.call("nc_tables_list", {}, user="bob", scope=scope)
        assert [t["title"] for t in bobs.data["tables"]] == ["📚 Bob's"]
        foreign = await gate.call("nc_tables_rows", {"table_id": seeded["id"]}, user="bob", scope=scope)
        assert foreign.error and "does not exist" in foreign.text
        read_only = await gate.call("nc_tables_delete", {"row_id": seeded["rows"][1]}, scope="tables:read")
        assert read_only.error and "insufficient_scope" in read_only.text


async def test_requests_match_the_tables_spec(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    """The client's requests, validated against tables.json, except where the spec is wrong: row values are typed as
    objects, and every column type's ``subtype`` enum lists only the number subtypes (progress, stars)."""
    seeded = await _seed(control)
    recorder = RecordingTransport(httpx2.ASGITransport(app=fake))
    environ = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "alice-secret"}
    server = build_server(load_settings(environ={**environ, "MCP_CAPABILITIES_TTL": "0"}), transport=recorder)
    async with Client(server) as client:
        for name, args in (
            ("nc_tables_list", {}),
            ("nc_tables_schema", {"table_id": seeded["id"], "view_id": seeded["views"]["Poetry"]}),
            ("nc_tables_rows", {"table_id": seeded["id"], "limit": 5, "offset": 1}),
            ("nc_tables_update", {"row_id": seeded["rows"][0], "values": {"Title": "Dune II"}}),
            ("nc_tables_create", {"title": "Spec", "description": "checked"}),
            ("nc_tables_add_column", {"table_id": seeded["id"], "name": "N", "type": "number-progress", "max": 100}),
            ("nc_tables_add_column", {"table_id": seeded["id"], "name": "S", "type": "selection", "options": ["a"]}),
            ("nc_tables_add_column", {"table_id": seeded["id"], "name": "D", "type": "datetime-date"}),
            ("nc_tables_delete", {"row_id": seeded["rows"][1]}),
        ):
            structured(await client.call_tool(name, args))
    spec, _ = load_spec("tables.json")
    checked = []
    for request in recorder.requests:
        path = request.url.path
        row_write = request.method == "PUT" or (request.method == "POST" and path.endswith("/rows"))
        if "/apps/tables/" not in path or row_write:
            continue  # row writes: `data` values typed as objects in the spec
        body = json.loads(request.content) if request.content else {}
        if "/columns/" in path and body.get("subtype") not in (None, "progress", "stars"):
            continue  # the spec copies the number subtypes into every column type's `subtype` enum
        spec.validate_request(HttpxOpenAPIRequest(request, "http://nc.test"))
        checked.append(f"{request.method} {path}")
    assert len(checked) >= 9, checked
