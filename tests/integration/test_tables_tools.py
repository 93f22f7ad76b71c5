"""Tables tools against the fake Nextcloud: typed values by column name, failure paths, isolation, OAuth."""

from __future__ import annotations

import json
import re
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


async def _clock(control: httpx2.AsyncClient, seconds: int = 5) -> None:
    """Move the fake's clock on: a row's etag is its lastEditAt, to the second."""
    assert (await control.post("/__testbed__/clock", json={"advance": seconds})).status_code == 200


async def test_list_tables_and_get_table(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    await _seed(control, title="Films", emoji=None)
    async with mcp_as("alice") as client:
        listed = structured(await client.call_tool("nc_tables_list_tables", {}))
        assert listed["next_cursor"] is None and listed["total"] == 2
        assert listed["items"][0] == {
            "id": seeded["id"],
            "title": "📚 Books",
            "rows": 3,
            "shared": False,
            "views": [{"id": seeded["views"]["Poetry"], "title": "Poetry", "rows": 1}],
        }
        first = structured(await client.call_tool("nc_tables_list_tables", {"limit": 1}))
        assert [t["title"] for t in first["items"]] == ["📚 Books"] and first["next_cursor"] == "1"
        rest = structured(await client.call_tool("nc_tables_list_tables", {"limit": 1, "cursor": "1"}))
        assert [t["title"] for t in rest["items"]] == ["Films"] and rest["next_cursor"] is None
        table = structured(await client.call_tool("nc_tables_get_table", {"table_id": seeded["id"]}))
    assert {k: table[k] for k in listed["items"][0]} == listed["items"][0] and table["description"] is None
    kinds = {c["name"]: (c["type"], c["required"], c["options"]) for c in table["columns"]}
    assert kinds["Title"] == ("text-line", True, [])
    assert kinds["Rating"][0] == "number-stars" and kinds["Read"][0] == "selection-check"
    assert kinds["Genre"] == ("selection", False, ["Novel", "Poetry", "Essay"])
    assert kinds["Bought"][0] == "datetime-date" and kinds["Owner"][0] == "usergroup"


async def test_rows_come_back_typed_by_column_name(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    async with mcp_as("alice") as client:
        page = structured(await client.call_tool("nc_tables_list_rows", {"table_id": seeded["id"], "limit": 2}))
        assert page["next_cursor"] == "2" and page["total"] is None
        dune, odes = page["items"]
        assert dune["values"] == {
            "Title": "Dune",
            "Pages": 412,
            "Genre": "Novel",
            "Tags": ["old", "gift"],
            "Read": True,
            "Bought": "2024-01-31",
        }
        assert dune["table_id"] == seeded["id"] and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", dune["etag"])
        assert odes["values"]["Started"] == "2024-02-01T09:30" and odes["values"]["Read"] is False
        args = {"table_id": seeded["id"], "limit": 2, "cursor": page["next_cursor"]}
        rest = structured(await client.call_tool("nc_tables_list_rows", args))
        assert rest["next_cursor"] is None and rest["items"][0]["values"]["Owner"] == ["alice"]
        where = {"table_id": seeded["id"], "where": {"genre": "poetry"}}  # names and text: any case
        rows = structured(await client.call_tool("nc_tables_list_rows", where))["items"]
        assert [r["values"]["Title"] for r in rows] == ["Odes"]
        tagged = {"table_id": seeded["id"], "where": {"Tags": "gift"}}
        assert len(structured(await client.call_tool("nc_tables_list_rows", tagged))["items"]) == 1
        paged = {"table_id": seeded["id"], "where": {"Read": False}, "limit": 1}
        one = structured(await client.call_tool("nc_tables_list_rows", paged))
        after = structured(await client.call_tool("nc_tables_list_rows", {**paged, "cursor": one["next_cursor"]}))
        assert [r["values"]["Title"] for r in one["items"] + after["items"]] == ["Odes", "Essays"]
        assert after["next_cursor"] is None
        view = {"table_id": seeded["id"], "view_id": seeded["views"]["Poetry"]}
        assert structured(await client.call_tool("nc_tables_list_rows", view))["items"][0]["values"] == {
            "Title": "Odes",
            "Genre": "Poetry",
        }
        one_row = structured(await client.call_tool("nc_tables_get_row", {"row_id": dune["id"]}))
        assert one_row == dune
        unknown = await client.call_tool("nc_tables_list_rows", {"table_id": seeded["id"], "where": {"Colour": 1}})
        assert unknown.is_error and "Unknown column(s) in where: 'Colour'; the columns are: 'Title'" in error_text(
            unknown
        )
        bad_cursor = await client.call_tool("nc_tables_list_rows", {"table_id": seeded["id"], "cursor": "x"})
        assert bad_cursor.is_error and "not a next_cursor" in error_text(bad_cursor)


async def test_create_update_delete_round_trip(
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
        row = structured(await client.call_tool("nc_tables_create_row", {"table_id": seeded["id"], "values": values}))
        assert row["values"] == {**values, "Started": "2024-03-02T08:15"}
        # Tables answers a create without lastEditAt: the tool reads the row again, so it returns what get returns
        assert row == structured(await client.call_tool("nc_tables_get_row", {"row_id": row["id"]}))
        assert row["etag"] is not None
        stored = TablesBackend.of(fake.fake_state).tables[seeded["id"]].rows[row["id"]].data
        assert stored[seeded["columns"]["Genre"]] == "1" and stored[seeded["columns"]["Read"]] == "false"
        assert stored[seeded["columns"]["Started"]] == "2024-03-02 08:15"
        await _clock(control)
        update = {"row_id": row["id"], "values": {"Pages": 480}, "etag": row["etag"]}
        changed = structured(await client.call_tool("nc_tables_update_row", update))
        assert changed["values"] == {**values, "Pages": 480, "Started": "2024-03-02T08:15"}
        # Tables answers an update with the lastEditAt from before it: the tool's etag is the new one
        assert changed["etag"] != row["etag"]
        assert changed == structured(await client.call_tool("nc_tables_get_row", {"row_id": row["id"]}))
        await _clock(control)
        again = {"row_id": row["id"], "values": {"Pages": 481}, "etag": changed["etag"]}
        assert structured(await client.call_tool("nc_tables_update_row", again))["values"]["Pages"] == 481
        deleted = structured(await client.call_tool("nc_tables_delete_row", {"row_id": row["id"]}))
        assert deleted == {"id": row["id"], "deleted": True}
        gone = await client.call_tool("nc_tables_delete_row", {"row_id": row["id"]})
        assert gone.is_error and f"Row {row['id']} does not exist" in error_text(gone)
        # Tables answers an unknown row's delete with 500 and the database query (RowService::getRowById): not passed on
        assert "found none" not in error_text(gone) and "try again later" not in error_text(gone)
        assert "nc_tables_list_rows" in error_text(gone) and "OCA\\" not in error_text(gone)


async def test_update_needs_the_etag_read_and_refuses_a_changed_row(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    seeded = await _seed(control, shares=[{"user": "bob", "read": True, "update": True}])
    row_id = seeded["rows"][0]
    async with mcp_as("alice") as alice, mcp_as("bob") as bob:
        read = structured(await alice.call_tool("nc_tables_get_row", {"row_id": row_id}))
        missing = await alice.call_tool("nc_tables_update_row", {"row_id": row_id, "values": {"Pages": 1}})
        assert missing.is_error and "Pass the etag of the row" in error_text(missing)
        assert "nc_tables_get_row" in error_text(missing) and "force=true" in error_text(missing)
        await _clock(control)
        bobs = {"row_id": row_id, "values": {"Pages": 2}, "etag": read["etag"]}
        assert structured(await bob.call_tool("nc_tables_update_row", bobs))["values"]["Pages"] == 2
        stale = await alice.call_tool(
            "nc_tables_update_row", {"row_id": row_id, "values": {"Pages": 1}, "etag": read["etag"]}
        )
        text = error_text(stale)
        assert stale.is_error and f"Row {row_id} changed since you read it" in text and "edited by bob" in text
        assert "nc_tables_get_row" in text and "force=true" in text
        stored = TablesBackend.of(fake.fake_state).tables[seeded["id"]].rows[row_id]
        assert stored.data[seeded["columns"]["Pages"]] == 2.0  # nothing was written
        junk = await alice.call_tool("nc_tables_update_row", {"row_id": row_id, "values": {"Pages": 1}, "etag": "abc"})
        assert junk.is_error and "is not a row etag" in error_text(junk)
        forced = {"row_id": row_id, "values": {"Pages": 1}, "force": True}
        assert structured(await alice.call_tool("nc_tables_update_row", forced))["values"]["Pages"] == 1


async def test_an_update_that_changes_nothing_keeps_the_etag(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """Row2Mapper::update returns at once when no cell changed: lastEditAt, so the etag, stays."""
    seeded = await _seed(control)
    row_id = seeded["rows"][0]
    async with mcp_as("alice") as client:
        read = structured(await client.call_tool("nc_tables_get_row", {"row_id": row_id}))
        await _clock(control)
        same = {"row_id": row_id, "values": {"Title": "Dune"}, "etag": read["etag"]}
        assert structured(await client.call_tool("nc_tables_update_row", same))["etag"] == read["etag"]
        assert structured(await client.call_tool("nc_tables_update_row", same))["etag"] == read["etag"]


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
        ({"title": "x", "GENRE": "novel", "Colour": 1}, "Unknown column(s) 'Colour'"),  # other names: any case
    ],
)
async def test_type_mismatches_are_refused_before_sending(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud, values: dict[str, Any], message: str
) -> None:
    seeded = await _seed(control)
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_tables_create_row", {"table_id": seeded["id"], "values": values})
    assert result.is_error and message in error_text(result), error_text(result)
    assert len(TablesBackend.of(fake.fake_state).tables[seeded["id"]].rows) == 3  # nothing was written


async def test_missing_table_and_permission_denied(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control, shares=[{"user": "bob", "read": True}])
    async with mcp_as("alice") as client:
        missing = await client.call_tool("nc_tables_get_table", {"table_id": 999})
        text = error_text(missing)
        assert missing.is_error and "Table 999 does not exist" in text and "nc_tables_list_tables" in text
        rows = await client.call_tool("nc_tables_list_rows", {"table_id": 999})
        assert rows.is_error and "does not exist" in error_text(rows)
    async with mcp_as("bob") as client:
        shared = structured(await client.call_tool("nc_tables_list_tables", {}))["items"]
        assert [(t["title"], t["shared"]) for t in shared] == [("📚 Books", True)]
        listed = structured(await client.call_tool("nc_tables_list_rows", {"table_id": seeded["id"]}))["items"]
        assert len(listed) == 3
        insert = await client.call_tool("nc_tables_create_row", {"table_id": seeded["id"], "values": {"Title": "x"}})
        # Tables' own message is kept (PermissionMiddleware's, in the OCS meta of an OCSForbiddenException)
        assert insert.is_error and "refused this action" in error_text(insert)
        assert "(Tables: User bob cannot create rows on node" in error_text(insert)
        update = {"row_id": seeded["rows"][0], "values": {"Title": "y"}, "etag": listed[0]["etag"]}
        refused = await client.call_tool("nc_tables_update_row", update)
        # updateRow does not catch the PermissionError: ShareControlMiddleware answers 403 with an empty body
        assert (
            refused.is_error and "refused this action" in error_text(refused) and "(Tables: " not in error_text(refused)
        )
        assert "nc_tables_list_tables" in error_text(refused)


async def test_users_are_isolated(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    await _seed(control, user="bob", title="Bob's")
    async with mcp_as("bob") as client:
        titles = [t["title"] for t in structured(await client.call_tool("nc_tables_list_tables", {}))["items"]]
        assert titles == ["📚 Bob's"]
        foreign = await client.call_tool("nc_tables_list_rows", {"table_id": seeded["id"]})
        assert foreign.is_error and "does not exist" in error_text(foreign)
        delete = await client.call_tool("nc_tables_delete_row", {"row_id": seeded["rows"][0]})
        assert delete.is_error
        peek = await client.call_tool("nc_tables_get_row", {"row_id": seeded["rows"][0]})
        assert peek.is_error and "Dune" not in error_text(peek)
    async with mcp_as("alice") as client:
        assert structured(await client.call_tool("nc_tables_list_tables", {}))["items"][0]["rows"] == 3


async def test_create_table_and_columns_of_each_type(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        args = {"title": "Chores", "emoji": "🧹", "description": "Who does what"}
        table = structured(await client.call_tool("nc_tables_create_table", args))
        assert table == structured(await client.call_tool("nc_tables_get_table", {"table_id": table["id"]}))
        assert (table["title"], table["description"], table["columns"]) == ("🧹 Chores", "Who does what", [])
        kinds = ["text-line", "text-long", "text-rich", "text-link", "number", "number-stars", "number-progress"]
        kinds += ["selection", "selection-multi", "selection-check", "datetime", "datetime-date", "datetime-time"]
        kinds += ["usergroup"]
        for kind in kinds:
            column_args: dict[str, Any] = {
                "table_id": table["id"],
                "name": kind,
                "type": kind,
                "required": kind == "text-line",
            }
            if kind in ("selection", "selection-multi"):
                column_args["options"] = ["low", "high"]
            column = structured(await client.call_tool("nc_tables_add_column", column_args))
            assert (column["name"], column["type"]) == (kind, kind)
        schema = structured(await client.call_tool("nc_tables_get_table", {"table_id": table["id"]}))
        assert [c["type"] for c in schema["columns"]] == kinds
        for bad, message in (
            ({"type": "selection"}, "needs options"),
            ({"type": "text-line", "options": ["a"]}, "options are for selection and selection-multi columns only"),
            ({"type": "text-line", "max": 3}, "min and max are for number columns only"),
        ):
            refused = await client.call_tool("nc_tables_add_column", {"table_id": table["id"], "name": "x", **bad})
            assert refused.is_error and message in error_text(refused), error_text(refused)
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
        row = structured(await client.call_tool("nc_tables_create_row", {"table_id": table["id"], "values": values}))
        assert row["values"] == values


async def test_tables_messages_are_kept(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    async with mcp_as("alice") as client:
        blank = await client.call_tool("nc_tables_create_table", {"title": " "})
        assert blank.is_error and "Tables refused the request: Title is missing." in error_text(blank)
        # a row outside the view: Tables answers 500 (InternalError) with its message, passed on
        view = {"row_id": seeded["rows"][0], "view_id": seeded["views"]["Poetry"], "values": {"Title": "x"}}
        outside = await client.call_tool("nc_tables_update_row", {**view, "force": True})
        text = error_text(outside)
        assert outside.is_error and "Tables failed (Tables: Update row is not allowed)" in text
        assert "OCA\\" not in text and "try again later" not in text


async def test_oauth_without_bearer_patch_keeps_every_tool(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    scope = "tables:read tables:write"
    async with oauth_gate(fake, patched=False) as gate:
        assert {"nc_tables_list_tables", "nc_tables_list_rows"} <= await gate.tool_names(scope=scope)
        listed = await gate.call("nc_tables_list_tables", {}, scope=scope)
        assert not listed.error, listed.text
        assert listed.data["items"][0]["id"] == seeded["id"]
        assert not (await gate.call("nc_tables_get_table", {"table_id": seeded["id"]}, scope=scope)).error
        inserted = await gate.call(
            "nc_tables_create_row", {"table_id": seeded["id"], "values": {"Title": "T"}}, scope=scope
        )
        assert not inserted.error, inserted.text
        created = await gate.call("nc_tables_create_table", {"title": "OAuth"}, scope=scope)
        assert not created.error, created.text
        column = {"table_id": created.data["id"], "name": "N", "type": "number"}
        assert not (await gate.call("nc_tables_add_column", column, scope=scope)).error
        for name, args in (
            ("nc_tables_list_rows", {"table_id": seeded["id"]}),
            ("nc_tables_get_row", {"row_id": inserted.data["id"]}),
            ("nc_tables_update_row", {"row_id": inserted.data["id"], "values": {"Title": "U"}, "force": True}),
            ("nc_tables_delete_row", {"row_id": inserted.data["id"]}),
        ):
            # REST v1 (#[CORS]): works unpatched because the client sends OCS-APIRequest
            result = await gate.call(name, args, scope=scope)
            assert not result.error, (name, result.text)


async def test_oauth_with_bearer_patch_has_every_tool(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control)
    await _seed(control, user="bob", title="Bob's")
    scope = "tables:read tables:write"
    async with oauth_gate(fake, patched=True) as gate:
        rows = await gate.call("nc_tables_list_rows", {"table_id": seeded["id"]}, scope=scope)
        assert not rows.error and len(rows.data["items"]) == 3, rows.text
        row_id, etag = seeded["rows"][0], rows.data["items"][0]["etag"]
        update = {"row_id": row_id, "values": {"Pages": 1}, "etag": etag}
        assert not (await gate.call("nc_tables_update_row", update, scope=scope)).error
        assert not (await gate.call("nc_tables_delete_row", {"row_id": row_id}, scope=scope)).error
        bobs = await gate.call("nc_tables_list_tables", {}, user="bob", scope=scope)
        assert [t["title"] for t in bobs.data["items"]] == ["📚 Bob's"]
        foreign = await gate.call("nc_tables_list_rows", {"table_id": seeded["id"]}, user="bob", scope=scope)
        assert foreign.error and "does not exist" in foreign.text
        read_only = await gate.call("nc_tables_delete_row", {"row_id": seeded["rows"][1]}, scope="tables:read")
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
            ("nc_tables_list_tables", {}),
            ("nc_tables_get_table", {"table_id": seeded["id"]}),
            ("nc_tables_list_rows", {"table_id": seeded["id"], "limit": 5, "cursor": "1"}),
            ("nc_tables_get_row", {"row_id": seeded["rows"][0]}),
            ("nc_tables_update_row", {"row_id": seeded["rows"][0], "values": {"Title": "Dune II"}, "force": True}),
            ("nc_tables_create_table", {"title": "Spec", "description": "checked"}),
            ("nc_tables_add_column", {"table_id": seeded["id"], "name": "N", "type": "number-progress", "max": 100}),
            ("nc_tables_add_column", {"table_id": seeded["id"], "name": "S", "type": "selection", "options": ["a"]}),
            ("nc_tables_add_column", {"table_id": seeded["id"], "name": "D", "type": "datetime-date"}),
            ("nc_tables_delete_row", {"row_id": seeded["rows"][1]}),
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
    assert len(checked) >= 12, checked
    columns = [
        json.loads(r.content) for r in recorder.requests if "/api/2/columns/" in r.url.path and r.method == "POST"
    ]
    # PermissionMiddleware reads baseNodeType from the request: without it, InternalError (a 500)
    assert len(columns) == 3 and all(c["baseNodeType"] == "table" for c in columns), columns
