"""Sharing, unified search and users tools against the fake Nextcloud."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud
from integration.conftest import USERS
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server import build_server
from nextcloud_mcp.tools import TOOLSETS, Toolset
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


@pytest.fixture
async def shares_as(fake: FakeNextcloud, control: httpx2.AsyncClient) -> McpFactory:
    """Like `mcp_as`, but the sharing toolset is forced on while the fake does not publish the files_sharing
    capability (apps/files_sharing/lib/Capabilities.php); once it does, the real gate is used."""
    response = await control.get(
        "/ocs/v2.php/cloud/capabilities?format=json", headers={"OCS-APIRequest": "true"}, auth=("alice", USERS["alice"])
    )
    published = "files_sharing" in response.json()["ocs"]["data"]["capabilities"]
    toolsets = [ts if ts.app != "shares" or published else Toolset(ts.app, ts.tools, lambda _: True) for ts in TOOLSETS]

    @asynccontextmanager
    async def connect(user: str = "alice") -> AsyncIterator[Client]:
        settings = load_settings(
            environ={
                "NEXTCLOUD_HOST": "http://nc.test",
                "NEXTCLOUD_USERNAME": user,
                "NEXTCLOUD_PASSWORD": USERS[user],
                "MCP_CAPABILITIES_TTL": "0",
            }
        )
        server = build_server(settings, transport=httpx2.ASGITransport(app=fake), toolsets=toolsets)
        async with Client(server) as client:
            yield client

    return connect


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
