"""The MCP server in OAuth resource-server mode over real HTTP, in front of a fake Nextcloud served on loopback:
its own introspection client registered in the fake's oidc app (the client secret registered with the log guard)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx2

from nextcloud_mcp.auth.resource_server import ResourceServer
from nextcloud_mcp.config import Settings, load_settings
from nextcloud_mcp.server.build import build_http_app, build_server
from security.log_guard import register_secret
from support.asgi_server import serve
from support.processes import free_port

__all__ = ["OAuthServer", "oauth_server"]


@dataclass(frozen=True)
class OAuthServer:
    mcp: str  # where the MCP endpoint listens
    public: str  # MCP_PUBLIC_URL (the resource tokens are issued for)
    settings: Settings
    resource_server: ResourceServer


@asynccontextmanager
async def oauth_server(nextcloud: str, **env: str) -> AsyncIterator[OAuthServer]:
    """A server at `127.0.0.1:<free port>/mcp` validating tokens by introspection with the fake at `nextcloud`;
    `env` adds or overrides settings."""
    port = free_port()
    public = f"http://127.0.0.1:{port}/mcp"
    async with httpx2.AsyncClient(base_url=nextcloud, trust_env=False) as control:
        created = await control.post(
            "/__testbed__/oidc/clients",
            json={"name": "mcp", "redirect_uris": ["http://127.0.0.1:1/x"], "resource_url": public},
        )
    client = created.json()
    register_secret(client["client_secret"])
    settings = load_settings(
        environ={
            "NEXTCLOUD_HOST": nextcloud,
            "MCP_TRANSPORT": "streamable-http",
            "MCP_PORT": str(port),
            "MCP_PUBLIC_URL": public,
            "MCP_OIDC_CLIENT_ID": client["client_id"],
            "MCP_OIDC_CLIENT_SECRET": client["client_secret"],
            **env,
        }
    )
    assert settings.auth_mode == "oauth"
    resource_server = await ResourceServer.start(settings)
    try:
        async with serve(build_http_app(build_server(settings), settings, resource_server), port) as base:
            yield OAuthServer(f"{base}/mcp", public, settings, resource_server)
    finally:
        await resource_server.aclose()
