"""Run the server on the configured transport until stopped."""

from __future__ import annotations

import gc
import logging

import anyio
import httpx2

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.logging import configure_logging

__all__ = ["check_credentials", "run"]

logger = logging.getLogger(__name__)


def run(settings: Settings) -> None:
    """Configure logging, build the server and serve stdio or streamable HTTP (blocking)."""
    secrets = [
        secret.get_secret_value()
        for secret in (
            settings.nextcloud_password,
            settings.mcp_oidc_client_secret,
            settings.redis_url,
            settings.mcp_loginflow_key,
        )
        if secret is not None
    ]
    configure_logging(settings.mcp_log_level, settings.mcp_log_format, secrets)
    for level, message in settings.environment_notices:  # variables load_settings ignored (config.py)
        logger.log(level, message)
    check_credentials(settings)
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


def check_credentials(settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> None:
    """Refuse to start (ConfigError) on half a pair of BasicAuth credentials, or when Nextcloud rejects them
    (one `GET /ocs/v2.php/cloud/user`); an unreachable Nextcloud only logs a warning. `transport`: tests."""
    from nextcloud_mcp.server.credentials import check_at_start, missing_credential

    problem = missing_credential(settings)
    if problem is not None:
        raise ConfigError(problem)
    if settings.auth_mode != "basic" or not settings.nextcloud_username or settings.nextcloud_password is None:
        return  # OAuth mode, or BasicAuth without credentials: build_server names what is missing
    from nextcloud_mcp.auth.basic import BasicCredentials

    credentials = BasicCredentials(settings.nextcloud_username, settings.nextcloud_password)
    anyio.run(check_at_start, settings, credentials, transport)


async def _serve_http(server: object, settings: Settings) -> None:
    import uvicorn

    from nextcloud_mcp.auth.resource_server import ResourceServer
    from nextcloud_mcp.server.build import build_http_app

    resource_server = await ResourceServer.start(settings) if settings.auth_mode == "oauth" else None
    loginflow = None
    if settings.auth_mode == "loginflow":
        from nextcloud_mcp.auth.loginflow import LoginFlowServer

        loginflow = await LoginFlowServer.start(settings)
    try:
        app = build_http_app(server, settings, resource_server, loginflow)  # type: ignore[arg-type]
        config = uvicorn.Config(
            app,
            host=settings.mcp_host,
            port=settings.mcp_port,
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,
        )
        async with anyio.create_task_group() as tasks:
            if loginflow is not None:
                tasks.start_soon(loginflow.sweep_forever)
            await uvicorn.Server(config).serve()
            tasks.cancel_scope.cancel()
    finally:
        if resource_server is not None:
            await resource_server.aclose()
        if loginflow is not None:
            await loginflow.aclose()
