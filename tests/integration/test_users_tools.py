"""Every Users tool (provisioning_api) against the fake Nextcloud, through the official MCP client."""

from __future__ import annotations

import httpx2
import pytest

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


async def _add_user(control: httpx2.AsyncClient, login: str, **fields: object) -> None:
    response = await control.post("/__testbed__/users", json={"login": login, "password": f"{login}-secret", **fields})
    assert response.status_code == 201, response.text


async def test_me_and_own_account(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        me = structured(await client.call_tool("nc_users_get_me", {}))
        assert me["id"] == "alice" and me["language"] == "en" and me["email"] is None
        assert structured(await client.call_tool("nc_users_get_user", {"user_id": "alice"})) == me


async def test_other_account_is_not_allowed_not_missing(mcp_as: McpFactory) -> None:
    """UsersController::getUser: another existing user without admin rights is 998 (HTTP 404, empty message), an
    unknown one 404 "User does not exist": the tool tells "not allowed" from "not found"."""
    async with mcp_as("alice") as client:
        other = await client.call_tool("nc_users_get_user", {"user_id": "bob"})
        assert other.is_error
        assert "admins" in error_text(other) and "nc_users_get_me" in error_text(other)
        assert "does not exist" not in error_text(other)
        missing = await client.call_tool("nc_users_get_user", {"user_id": "nobody"})
        assert missing.is_error
        assert "User does not exist" in error_text(missing)  # Nextcloud's own message
        assert "nc_users_search_users" in error_text(missing)
        dots = await client.call_tool("nc_users_get_user", {"user_id": ".."})
        assert dots.is_error and "nc_users_search_users" in error_text(dots)


async def test_admin_finds_a_user_by_display_name(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _add_user(control, "dave", groups=["admin"])
    await _add_user(control, "erin", display_name="Erin Example", email="erin@example.com")
    await _add_user(control, "erin2", display_name="Erin Other")
    await _add_user(control, "erin3", display_name="Erin Other")
    async with mcp_as("dave") as client:
        erin = structured(await client.call_tool("nc_users_get_user", {"user_id": "erin example"}))
        assert erin["id"] == "erin" and erin["name"] == "Erin Example" and erin["email"] == "erin@example.com"
        twice = await client.call_tool("nc_users_get_user", {"user_id": "Erin Other"})
        assert twice.is_error
        assert "erin2 (Erin Other)" in error_text(twice) and "erin3 (Erin Other)" in error_text(twice)


async def test_search_pages_with_one_envelope(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _add_user(control, "dave", groups=["admin"])
    for i in range(3):
        await _add_user(control, f"erin{i}", display_name=f"Erin {i}")
    async with mcp_as("dave") as client:
        first = structured(await client.call_tool("nc_users_search_users", {"term": "erin", "limit": 2}))
        assert set(first) == {"items", "next_cursor", "total"} and first["total"] is None
        assert [u["id"] for u in first["items"]] == ["erin0", "erin1"] and first["next_cursor"] == "2"
        assert set(first["items"][0]) == {"id", "name", "email"}
        rest = structured(await client.call_tool("nc_users_search_users", {"term": "erin", "limit": 2, "cursor": "2"}))
        assert [u["id"] for u in rest["items"]] == ["erin2"] and rest["next_cursor"] is None
    async with mcp_as("alice") as client:
        # getUsersDetails has no @NoSubAdminRequired: ProvisioningApiMiddleware refuses an account that administers no
        # group with OCS 403 (it used to be read as "an empty result"); the tool says who may search
        refused = await client.call_tool("nc_users_search_users", {"term": "erin"})
        assert refused.is_error
        assert "only admins and group admins" in error_text(refused) and "nc_users_get_me" in error_text(refused)
        bad = await client.call_tool("nc_users_search_users", {"cursor": "x"})
        assert bad.is_error and "cursor" in error_text(bad)
