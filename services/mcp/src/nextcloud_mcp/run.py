"""Run the server on the configured transport until stopped."""

from __future__ import annotations

import logging

import anyio

from nextcloud_mcp.config import Settings
from nextcloud_mcp.logging import configure_logging

__all__ = ["run"]

logger = logging.getLogger(__name__)


def run(settings: Settings) -> None:
    """Configure logging, build the server and serve stdio or streamable HTTP (blocking)."""
    secrets = [settings.nextcloud_password.get_secret_value()] if settings.nextcloud_password else []
    configure_logging(settings.mcp_log_level, settings.mcp_log_format, secrets)
    from nextcloud_mcp.server import build_http_app, build_server

    server = build_server(settings)
    logger.info(
        "Nextcloud MCP server: %s mode, %s transport, Nextcloud at %s",
        settings.auth_mode,
        settings.mcp_transport,
        settings.nextcloud_base_url,
    )
    if settings.mcp_transport == "stdio":
        anyio.run(server.run_stdio_async)
        return
    import uvicorn

    app = build_http_app(server, settings)
    config = uvicorn.Config(
        app,
        host=settings.mcp_host,
        port=settings.mcp_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    uvicorn.Server(config).run()
