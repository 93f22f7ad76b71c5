"""Run the server on the configured transport until stopped."""

from __future__ import annotations

import gc
import logging

import anyio

from nextcloud_mcp.config import Settings
from nextcloud_mcp.logging import configure_logging

__all__ = ["run"]

logger = logging.getLogger(__name__)


def run(settings: Settings) -> None:
    """Configure logging, build the server and serve stdio or streamable HTTP (blocking)."""
    secrets = [
        secret.get_secret_value()
        for secret in (settings.nextcloud_password, settings.mcp_oidc_client_secret, settings.redis_url)
        if secret is not None
    ]
    configure_logging(settings.mcp_log_level, settings.mcp_log_format, secrets)
    # Start-up allocates ~10^5 long-lived objects (SDK, pydantic models of every tool) and no garbage worth
    # collecting: no cyclic GC while building, then freeze it all so later collections skip it (docs/performance.md).
    gc.disable()
    try:
        from nextcloud_mcp.server.build import build_server

        server = build_server(settings)
    finally:
        gc.freeze()
        gc.enable()
    logger.info(
        "Nextcloud MCP server: %s mode, %s transport, Nextcloud at %s",
        settings.auth_mode,
        settings.mcp_transport,
        settings.nextcloud_base_url,
    )
    if settings.mcp_transport == "stdio":
        anyio.run(server.run_stdio_async)
    else:
        anyio.run(_serve_http, server, settings)


async def _serve_http(server: object, settings: Settings) -> None:
    import uvicorn

    from nextcloud_mcp.auth.resource_server import ResourceServer
    from nextcloud_mcp.server.build import build_http_app

    resource_server = await ResourceServer.start(settings) if settings.auth_mode == "oauth" else None
    try:
        app = build_http_app(server, settings, resource_server)  # type: ignore[arg-type]
        config = uvicorn.Config(
            app,
            host=settings.mcp_host,
            port=settings.mcp_port,
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,
        )
        await uvicorn.Server(config).serve()
    finally:
        if resource_server is not None:
            await resource_server.aclose()
