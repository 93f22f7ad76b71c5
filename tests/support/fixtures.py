"""Fixtures shared by the integration, security and reliability suites (imported by their conftest.py files).

`fake` is the fake Nextcloud as an in-process ASGI app with users alice, bob, carol and dave; `mcp_as`
connects the official MCP client in memory to a server acting as one of them (BasicAuth mode).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.session import ElicitationFnT

from fake_nextcloud.app import FakeNextcloud, build_app
from fake_nextcloud.core.state import FakeState
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.app import always
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.catalogue import Catalogue, build_catalogue
from support.mcp_helpers import McpFactory

__all__ = ["USERS", "control", "every_tool_available", "fake", "mcp_as", "server_env"]

USERS = {"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret", "dave": "dave-secret"}


def server_env(user: str, host: str = "http://nc.test", **env: Any) -> dict[str, str]:
    return {
        "NEXTCLOUD_HOST": host,
        "NEXTCLOUD_USERNAME": user,
        "NEXTCLOUD_PASSWORD": USERS.get(user, "wrong-password"),
        "NEXTCLOUD_RETRIES": "2",
        "MCP_CAPABILITIES_TTL": "0",
        **{k.upper(): str(v) for k, v in env.items()},
    }


def every_tool_available() -> Catalogue:
    """The whole catalogue, each app offered whatever the capabilities say."""
    catalogue, _ = build_catalogue()
    apps = {name: replace(app, available=always) for name, app in catalogue.apps.items()}
    return Catalogue(catalogue.tools, apps, catalogue.read_only)


@pytest.fixture
def fake() -> FakeNextcloud:
    state = FakeState()
    for login, password in USERS.items():
        state.add_user(login, password)
    return build_app(state)


@pytest.fixture
async def control(fake: FakeNextcloud) -> AsyncIterator[httpx2.AsyncClient]:
    """HTTP client for the fake's `/__testbed__` control API (and raw Nextcloud requests)."""
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=fake), base_url="http://nc.test") as client:
        yield client


@pytest.fixture
def mcp_as(fake: FakeNextcloud) -> McpFactory:
    """`async with mcp_as("alice") as client:` an MCP client of a server acting as that user."""

    @asynccontextmanager
    async def connect(
        user: str = "alice",
        *,
        all_tools: bool = False,
        elicitation: ElicitationFnT | None = None,
        mode: str = "auto",
        **env: Any,
    ) -> AsyncIterator[Client]:
        """`all_tools`: list every toolset whatever the fake's capabilities say (for fuzzing); `elicitation`: the
        client declares the elicitation capability and answers with it; `mode`: "legacy" for a 2025-11-25-era
        session (the default negotiates 2026-07-28)."""
        settings = load_settings(environ=server_env(user, **env))
        catalogue = every_tool_available() if all_tools else None
        server = build_server(settings, transport=httpx2.ASGITransport(app=fake), catalogue=catalogue)
        async with Client(server, elicitation_callback=elicitation, mode=mode) as client:
            yield client

    return connect
