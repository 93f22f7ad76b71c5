"""Sharing, unified search and users tools against the fake Nextcloud."""

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
        assert "nc_shares_create" in {t.name for t in (await client.list_tools()).tools}
    assert (await control.post("/__testbed__/apps", json={"disable": ["files_sharing"]})).status_code < 300
    async with mcp_as("alice") as client:
        assert not any(t.name.startswith("nc_shares_") for t in (await client.list_tools()).tools)


async def test_share_lifecycle_with_named_permissions(shares_as: McpFactory) -> None:
    async with shares_as("alice") as client:
        structured(await client.call_tool("nc_files_write", {"path": "Shared/plan.md", "text": "p"}))
        created = structured(
            await client.call_tool(
                "nc_shares_create", {"path": "Shared", "type": "user", "to": "bob", "perms": ["read", "update"]}
            )
        )
        assert created["perms"] == ["read", "update"] and created["type"] == "user"
        link = structured(
            await client.call_tool(
                "nc_shares_create", {"path": "Shared/plan.md", "type": "link", "expires": "2099-01-01"}
            )
        )
        assert link["url"] and link["expires"].startswith("2099-01-01")
        mine = structured(await client.call_tool("nc_shares_list", {}))["result"]
        assert {s["id"] for s in mine} == {created["id"], link["id"]}
        for_path = structured(await client.call_tool("nc_shares_list", {"path": "Shared/plan.md"}))["result"]
        assert [s["id"] for s in for_path] == [link["id"]]
        updated = structured(
            await client.call_tool("nc_shares_update", {"share_id": created["id"], "perms": ["read", "share"]})
        )
        assert updated["perms"] == ["read", "share"]
        got = structured(await client.call_tool("nc_shares_get", {"share_id": created["id"]}))
        assert got["to"] in ("bob", "Bob")
        bad = await client.call_tool("nc_shares_update", {"share_id": created["id"], "perms": ["everything"]})
        assert bad.is_error
    async with shares_as("bob") as client:
        with_me = structured(await client.call_tool("nc_shares_list", {"which": "with_me"}))["result"]
        assert [s["id"] for s in with_me] == [created["id"]]
    async with shares_as("alice") as client:
        assert structured(await client.call_tool("nc_shares_delete", {"share_id": link["id"]}))["ok"]
        gone = await client.call_tool("nc_shares_get", {"share_id": link["id"]})
        assert gone.is_error, error_text(gone)


async def test_sharees(shares_as: McpFactory) -> None:
    async with shares_as("alice") as client:
        sharees = structured(await client.call_tool("nc_shares_search_sharees", {"term": "bo"}))["result"]
        assert any(s["id"] == "bob" and s["type"] == "user" for s in sharees)


async def test_users(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        me = structured(await client.call_tool("nc_users_me", {}))
        assert me["id"] == "alice"
        assert structured(await client.call_tool("nc_users_get", {"user_id": "alice"}))["id"] == "alice"
        # UsersController::getUserData returns null for another user unless admin/subadmin: 404, as in Nextcloud
        other = await client.call_tool("nc_users_get", {"user_id": "bob"})
        assert other.is_error and "Not found" in error_text(other)


async def test_unified_search(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_files_write", {"path": "report-2026.md", "text": "r"}))
        providers = structured(await client.call_tool("nc_search_providers", {}))["result"]
        assert "files" in {p["id"] for p in providers}
        page = structured(await client.call_tool("nc_search_query", {"term": "report", "provider": "files"}))
        assert any("report-2026.md" in h["title"] for h in page["hits"])
        everywhere = structured(await client.call_tool("nc_search_query", {"term": "report"}))
        assert any(h["provider"] == "files" and "report-2026.md" in h["title"] for h in everywhere["hits"])
        assert everywhere["cursor"] is None


async def test_alice_cannot_share_bobs_files(shares_as: McpFactory, control: httpx2.AsyncClient) -> None:
    response = await control.post(
        "/__testbed__/seed/files", json={"user": "bob", "files": [{"path": "private.txt", "content": "b"}]}
    )
    assert response.status_code == 201, response.text
    async with shares_as("alice") as client:
        result = await client.call_tool("nc_shares_create", {"path": "private.txt", "type": "link"})
        assert result.is_error
        assert structured(await client.call_tool("nc_shares_list", {"which": "with_me"}))["result"] == []
