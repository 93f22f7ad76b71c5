"""A real `nextcloud-mcp-server` over stdio, spawned by the official MCP client."""

from __future__ import annotations

import os

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from e2e.conftest import server_argv, server_env
from support.mcp_helpers import structured

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


async def test_stdio_lists_tools_and_manages_notes(fake_url: str, fake: httpx2.Client) -> None:
    argv = server_argv()
    params = StdioServerParameters(command=argv[0], args=argv[1:], env={**os.environ, **server_env(fake_url, "bob")})
    async with Client(stdio_client(params)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"nc_notes_list_notes", "nc_notes_create_note"} <= names
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "From stdio", "content": "hi"}))
        listed = structured(await client.call_tool("nc_notes_list_notes", {}))
    assert [n["id"] for n in listed["items"]] == [note["id"]]
