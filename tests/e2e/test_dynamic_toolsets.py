"""Dynamic toolsets and read-only mode in real `nextcloud-mcp-server` processes (issue 21): over stdio, spawned by
the official client on both protocol eras, and over streamable HTTP, stateful and stateless."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ToolListChangedNotification

from e2e.conftest import server_argv, server_env
from support.mcp_helpers import error_text, structured
from support.processes import ManagedProcess, free_port, http_ready

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

META = {"nc_toolsets_list_toolsets", "nc_toolsets_get_toolset", "nc_toolsets_enable_toolsets"}
STATELESS_META = {"nc_toolsets_list_toolsets", "nc_toolsets_get_toolset", "nc_toolsets_call_tool"}


class Watcher:
    def __init__(self) -> None:
        self.changed = anyio.Event()

    async def __call__(self, message: Any) -> None:
        if isinstance(message, ToolListChangedNotification):
            self.changed.set()


def stdio(fake_url: str, *args: str) -> StdioServerParameters:
    argv = server_argv(*args)
    return StdioServerParameters(command=argv[0], args=argv[1:], env={**os.environ, **server_env(fake_url)})


async def names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def test_stdio_legacy_client_enables_a_toolset_and_hears_of_it(fake_url: str, fake: httpx2.Client) -> None:
    watcher = Watcher()
    params = stdio(fake_url, "--dynamic-toolsets")
    async with Client(params, mode="legacy", message_handler=watcher) as client:
        assert await names(client) == META
        structured(await client.call_tool("nc_toolsets_enable_toolsets", {"toolsets": ["notes"]}))
        with anyio.fail_after(10):
            await watcher.changed.wait()
        assert "nc_notes_create_note" in await names(client)
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "stdio", "content": "x"}))
        assert note["title"] == "stdio"


async def test_stdio_2026_client_hears_of_it_on_its_listen_stream(fake_url: str, fake: httpx2.Client) -> None:
    async with Client(stdio(fake_url, "--dynamic-toolsets")) as client:
        assert client.session.protocol_version == "2026-07-28"
        async with client.listen(tools_list_changed=True) as events:
            structured(await client.call_tool("nc_toolsets_enable_toolsets", {"toolsets": ["deck"]}))
            with anyio.fail_after(10):
                async for _ in events:
                    break
        assert "nc_deck_list_boards" in await names(client)


async def test_stdio_read_only_refuses_a_write_tool_by_name(fake_url: str, fake: httpx2.Client) -> None:
    async with Client(stdio(fake_url, "--read-only")) as client:
        assert "nc_notes_create_note" not in await names(client)
        refused = await client.call_tool("nc_notes_create_note", {"title": "no"})
        assert refused.is_error and "read-only mode (MCP_READ_ONLY)" in error_text(refused)


@pytest.fixture(params=["stateful", "stateless"])
def http_url(request: pytest.FixtureRequest, fake_url: str, run_dir: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    extra = {"MCP_DYNAMIC_TOOLSETS": "true"}
    if request.param == "stateless":
        extra |= {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"}
    with ManagedProcess(
        f"mcp-dynamic-{port}",
        server_argv("--transport", "streamable-http", "--port", str(port)),
        run_dir,
        env=server_env(fake_url, **extra),
        ready=http_ready(f"http://127.0.0.1:{port}/health/live"),
    ):
        yield request.param, f"http://127.0.0.1:{port}/mcp"


async def test_http_sessions_enable_their_own_toolsets(http_url: tuple[str, str], fake: httpx2.Client) -> None:
    kind, url = http_url
    first, second = Watcher(), Watcher()
    async with (
        Client(streamable_http_client(url), mode="legacy", message_handler=first) as one,
        Client(streamable_http_client(url), mode="legacy", message_handler=second) as two,
    ):
        if kind == "stateless":
            assert await names(one) == STATELESS_META
            call = {"name": "nc_notes_create_note", "arguments": {"title": "stateless"}}
            assert structured(await one.call_tool("nc_toolsets_call_tool", call))["title"] == "stateless"
            refused = await one.call_tool("nc_toolsets_enable_toolsets", {"toolsets": ["notes"]})
            assert refused.is_error and "no MCP session" in error_text(refused)
            return
        assert await names(one) == META
        structured(await one.call_tool("nc_toolsets_enable_toolsets", {"toolsets": ["notes"]}))
        with anyio.fail_after(10):
            await first.changed.wait()
        assert "nc_notes_list_notes" in await names(one)
        assert await names(two) == META
        assert not second.changed.is_set()
