"""In-process integration: the real server, the fake Nextcloud as an ASGI app, the SDK's in-memory client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud, build_app
from fake_nextcloud.core.state import FakeState
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.mcp_helpers import McpFactory

USERS = {"alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture
def fake() -> FakeNextcloud:
    state = FakeState()
    for login, password in USERS.items():
        state.add_user(login, password)
    return build_app(state)


@pytest.fixture
def control(fake: FakeNextcloud) -> httpx2.AsyncClient:
    """HTTP client for the fake's `/__testbed__` control API (and raw Nextcloud requests)."""
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=fake), base_url="http://nc.test")


@pytest.fixture
def mcp_as(fake: FakeNextcloud) -> McpFactory:
    """`async with mcp_as("alice") as client:` an MCP client of a server acting as that user."""

    @asynccontextmanager
    async def connect(user: str = "alice", **env: Any) -> AsyncIterator[Client]:
        settings = load_settings(
            environ={
                "NEXTCLOUD_HOST": "http://nc.test",
                "NEXTCLOUD_USERNAME": user,
                "NEXTCLOUD_PASSWORD": USERS.get(user, "wrong"),
                "NEXTCLOUD_RETRIES": "2",
                "MCP_CAPABILITIES_TTL": "0",
                **{k.upper(): str(v) for k, v in env.items()},
            }
        )
        server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
        async with Client(server) as client:
            yield client

    return connect
