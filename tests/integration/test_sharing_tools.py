"""Sharing tools against the fake Nextcloud (unified search and users: test_search_tools.py, test_users_tools.py)."""

from __future__ import annotations

import httpx2
import pytest

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


@pytest.fixture
def shares_as(mcp_as: McpFactory) -> McpFactory:
    """The shares toolset is listed because the fake publishes the files_sharing capability."""
    return mcp_as


async def test_shares_tools_follow_the_files_sharing_capability(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as client:
        assert "nc_shares_create_share" in {t.name for t in (await client.list_tools()).tools}
    assert (await control.post("/__testbed__/apps", json={"disable": ["files_sharing"]})).status_code < 300
    async with mcp_as("alice") as client:
        assert not any(t.name.startswith("nc_shares_") for t in (await client.list_tools()).tools)


async def test_share_lifecycle_with_named_permissions(shares_as: McpFactory) -> None:
    async with shares_as("alice") as client:
        structured(await client.call_tool("nc_files_write_file", {"path": "Shared/plan.md", "text": "p"}))
        created = structured(
            await client.call_tool(
                "nc_shares_create_share",
                {"path": "Shared", "type": "user", "to": "bob", "permissions": ["read", "update"]},
            )
        )
        assert created["permissions"] == ["read", "update"] and created["type"] == "user" and created["to"] == "bob"
        assert created["path"] == "/Shared" and created["etag"]
        link = structured(
            await client.call_tool(
                "nc_shares_create_share", {"path": "/Shared/plan.md", "type": "link", "expires": "2099-01-01"}
            )
        )
        assert link["url"] and link["expires"] == "2099-01-01" and link["to"] is None
        mine = structured(await client.call_tool("nc_shares_list_shares", {}))
        assert set(mine) == {"items", "next_cursor", "total"} and mine["total"] == 2
        assert {s["id"] for s in mine["items"]} == {created["id"], link["id"]}
        first = structured(await client.call_tool("nc_shares_list_shares", {"limit": 1}))
        assert len(first["items"]) == 1 and first["next_cursor"]
        for_path = structured(await client.call_tool("nc_shares_list_shares", {"path": "Shared/plan.md"}))["items"]
        assert [s["id"] for s in for_path] == [link["id"]]
        got = structured(await client.call_tool("nc_shares_get_share", {"share_id": created["id"]}))
        assert got == created
        updated = structured(
            await client.call_tool(
                "nc_shares_update_share",
                {"share_id": created["id"], "permissions": ["read", "share"], "etag": got["etag"]},
            )
        )
        assert updated["permissions"] == ["read", "share"] and updated["etag"] != got["etag"]
        assert structured(await client.call_tool("nc_shares_get_share", {"share_id": created["id"]})) == updated
        bad = await client.call_tool(
            "nc_shares_update_share", {"share_id": created["id"], "permissions": ["everything"], "force": True}
        )
        assert bad.is_error and "permissions" in error_text(bad)
    async with shares_as("bob") as client:
        with_me = structured(await client.call_tool("nc_shares_list_shares", {"which": "with_me"}))["items"]
        assert [s["id"] for s in with_me] == [created["id"]]
    async with shares_as("alice") as client:
        assert structured(await client.call_tool("nc_shares_delete_share", {"share_id": link["id"]}))["ok"]
        gone = await client.call_tool("nc_shares_get_share", {"share_id": link["id"]})
        assert gone.is_error and 'Nextcloud refused: "Wrong share ID, share does not exist"' in error_text(gone)
        assert "nc_shares_list_shares" in error_text(gone)


async def test_update_needs_the_etag_read_or_force(shares_as: McpFactory) -> None:
    async with shares_as("alice") as client:
        structured(await client.call_tool("nc_files_write_file", {"path": "e.md", "text": "e"}))
        share = structured(await client.call_tool("nc_shares_create_share", {"path": "e.md", "type": "link"}))
        blind = await client.call_tool("nc_shares_update_share", {"share_id": share["id"], "note": "hi"})
        assert blind.is_error and "etag" in error_text(blind) and "nc_shares_get_share" in error_text(blind)
        changed = structured(
            await client.call_tool(
                "nc_shares_update_share", {"share_id": share["id"], "note": "first", "etag": share["etag"]}
            )
        )
        assert changed["note"] == "first"
        stale = await client.call_tool(
            "nc_shares_update_share", {"share_id": share["id"], "note": "second", "etag": share["etag"]}
        )
        assert stale.is_error and "changed since you read it" in error_text(stale)
        assert "nc_shares_get_share" in error_text(stale)
        assert structured(await client.call_tool("nc_shares_get_share", {"share_id": share["id"]}))["note"] == "first"
        forced = structured(
            await client.call_tool(
                "nc_shares_update_share",
                {"share_id": share["id"], "note": "second", "expires": "2099-02-03", "force": True},
            )
        )
        assert forced["note"] == "second" and forced["expires"] == "2099-02-03"
        cleared = structured(
            await client.call_tool(
                "nc_shares_update_share", {"share_id": share["id"], "expires": "", "etag": forced["etag"]}
            )
        )
        assert cleared["expires"] is None


async def test_share_with_a_display_name_or_an_email(shares_as: McpFactory, control: httpx2.AsyncClient) -> None:
    for login, name, email in (
        ("erin", "Erin Example", "erin@example.com"),
        ("sam1", "Sam", "s1@x"),
        ("sam2", "Sam", "s2@x"),
    ):
        user = {"login": login, "password": "pw", "display_name": name, "email": email}
        assert (await control.post("/__testbed__/users", json=user)).status_code == 201
    async with shares_as("alice") as client:
        structured(await client.call_tool("nc_files_write_file", {"path": "r.md", "text": "r"}))
        by_name = structured(
            await client.call_tool("nc_shares_create_share", {"path": "r.md", "type": "user", "to": "Erin Example"})
        )
        assert by_name["to"] == "erin"
        structured(await client.call_tool("nc_files_write_file", {"path": "s.md", "text": "s"}))
        by_mail = structured(
            await client.call_tool("nc_shares_create_share", {"path": "s.md", "to": "erin@example.com"})
        )
        assert by_mail["to"] == "erin" and by_mail["type"] == "user"
        ambiguous = await client.call_tool("nc_shares_create_share", {"path": "r.md", "to": "Sam"})
        text = error_text(ambiguous)
        assert ambiguous.is_error and "(id sam1)" in text and "(id sam2)" in text
        unknown = await client.call_tool("nc_shares_create_share", {"path": "r.md", "to": "Nobody Here"})
        text = error_text(unknown)
        assert unknown.is_error and 'Nextcloud refused: "Please specify a valid account to share with"' in text
        assert "nc_shares_search_sharees" in text
        no_one = await client.call_tool("nc_shares_create_share", {"path": "r.md", "type": "user"})
        assert no_one.is_error and "nc_shares_search_sharees" in error_text(no_one)


async def test_sharees(shares_as: McpFactory) -> None:
    async with shares_as("alice") as client:
        sharees = structured(await client.call_tool("nc_shares_search_sharees", {"term": "bo"}))
        assert set(sharees) == {"items", "next_cursor", "total"}
        assert any(s["id"] == "bob" and s["type"] == "user" for s in sharees["items"])
        everyone = structured(await client.call_tool("nc_shares_search_sharees", {"term": "", "limit": 1}))
        assert len(everyone["items"]) == 1 and everyone["next_cursor"] == "1"
        rest = structured(
            await client.call_tool("nc_shares_search_sharees", {"term": "", "cursor": everyone["next_cursor"]})
        )
        assert everyone["items"][0] not in rest["items"]


async def test_alice_cannot_share_bobs_files(shares_as: McpFactory, control: httpx2.AsyncClient) -> None:
    response = await control.post(
        "/__testbed__/seed/files", json={"user": "bob", "files": [{"path": "private.txt", "content": "b"}]}
    )
    assert response.status_code == 201, response.text
    async with shares_as("alice") as client:
        result = await client.call_tool("nc_shares_create_share", {"path": "private.txt", "type": "link"})
        assert result.is_error and "Wrong path, file/folder does not exist" in error_text(result)
        assert structured(await client.call_tool("nc_shares_list_shares", {"which": "with_me"}))["items"] == []
