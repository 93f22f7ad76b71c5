"""Assembly: `build_server` (the MCP server with its tools) and `build_http_app` (streamable HTTP + health)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx2
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp

from nextcloud_mcp import __version__, metrics
from nextcloud_mcp.apps import APPS
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.server.catalogue import Catalogue, load_catalogue
from nextcloud_mcp.server.content import add_content
from nextcloud_mcp.server.health import add_health_routes
from nextcloud_mcp.server.offer import instructions, oauth_scopes, tool_offer
from nextcloud_mcp.server.policy import ToolGate
from nextcloud_mcp.server.sessions import SessionLimit
from nextcloud_mcp.server.state import AppState

if TYPE_CHECKING:  # OAuth-only modules (JWT, Redis) stay unimported in BasicAuth mode
    from nextcloud_mcp.auth.loginflow import LoginFlowServer
    from nextcloud_mcp.auth.resource_server import ResourceServer

__all__ = ["NextcloudServer", "build_http_app", "build_server"]

logger = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Tools for the user's Nextcloud. Read before you write: updates need the etag from the matching get tool, "
    "and a conflict error means the item changed; re-read, merge and retry."
)
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


def _credentials(settings: Settings) -> BasicCredentials | None:
    if settings.auth_mode == "loginflow":
        if settings.mcp_transport == "stdio":
            raise ConfigError(
                "Login Flow mode (MCP_AUTH_MODE=loginflow) needs --transport streamable-http: MCP clients sign in "
                "over HTTP. For stdio, use BasicAuth mode (NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD)."
            )
        if settings.mcp_loginflow_key is None:
            raise ConfigError(
                "MCP_AUTH_MODE=loginflow needs MCP_LOGINFLOW_KEY (a Fernet key encrypting the stored app passwords); "
                "docs/authentication.md shows how to make one."
            )
        if settings.redis_url is None:
            raise ConfigError("MCP_AUTH_MODE=loginflow needs REDIS_URL: grants live in Redis, shared by replicas.")
        return None
    if settings.auth_mode == "oauth":
        if settings.mcp_transport == "stdio":
            raise ConfigError(
                "OAuth mode needs --transport streamable-http (MCP clients authorize over HTTP). For stdio, set "
                "NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD (an app password) to use BasicAuth mode."
            )
        return None
    if not settings.nextcloud_username or settings.nextcloud_password is None:
        raise ConfigError("BasicAuth mode needs both NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD.")
    return BasicCredentials(settings.nextcloud_username, settings.nextcloud_password)


class NextcloudServer(MCPServer[AppState]):
    """The SDK's `MCPServer` with the catalogue it serves (the OAuth gate reads each tool's scope from it) and its
    `ToolGate` (OAuth mode tells it which token cache forgets tokens Nextcloud rejects)."""

    def __init__(self, catalogue: Catalogue, gate: ToolGate, app_state: AppState, **kwargs: Any) -> None:
        super().__init__(middleware=[gate], **kwargs)
        self.catalogue = catalogue
        self.gate = gate
        self.app_state = app_state


def build_server(
    settings: Settings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    catalogue: Catalogue | None = None,
) -> NextcloudServer:
    """Build the MCP server for `settings`. `transport` lets tests route Nextcloud calls in-process."""
    state = AppState(settings, _credentials(settings), transport=transport)
    catalogue = _catalogue(settings) if catalogue is None else catalogue
    policy, tools = tool_offer(settings, state, catalogue)  # MCP_TOOLS_ALLOW/DENY, MCP_READ_ONLY, dynamic toolsets

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        async with state.running(), state.background():
            if settings.mcp_semantic and settings.mcp_semantic_sync_interval > 0 and settings.auth_mode != "oauth":
                from nextcloud_mcp.semantic.schedule import run_schedule  # the `semantic` extra: only when on

                state.spawn(lambda: run_schedule(state))
            yield state

    server = NextcloudServer(
        catalogue,
        ToolGate(policy),
        state,
        name="nextcloud",
        title="Nextcloud",
        version=__version__,
        instructions=instructions(INSTRUCTIONS, settings),
        lifespan=lifespan,
        log_level=settings.mcp_log_level,
        tools=tools,
    )
    add_content(server, state, catalogue, policy)
    add_health_routes(server, state)
    return server


def _catalogue(settings: Settings) -> Catalogue:
    """The catalogue of `MCP_APPS` (all when unset); an unknown name is a configuration error."""
    known = {app.toolset for app in APPS}
    unknown = sorted(set(settings.mcp_apps) - known)
    if unknown:
        raise ConfigError(f"MCP_APPS names unknown apps {unknown}; known apps: {', '.join(sorted(known))}.")
    return load_catalogue(settings.mcp_apps, settings.mcp_cache_dir)


def build_http_app(
    server: NextcloudServer,
    settings: Settings,
    resource_server: ResourceServer | None = None,
    loginflow: LoginFlowServer | None = None,
) -> ASGIApp:
    """The streamable HTTP app at `MCP_PATH`, with DNS-rebinding protection always on.

    In OAuth mode (`resource_server` given) the MCP path is guarded by the token gate and the RFC 9728
    metadata is served next to it.
    """
    hosts = settings.mcp_allowed_hosts or LOOPBACK_HOSTS
    origins = settings.mcp_allowed_origins or LOOPBACK_ORIGINS
    if not settings.mcp_allowed_hosts and settings.mcp_host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning(
            "Listening on %s but MCP_ALLOWED_HOSTS is unset: only loopback Host headers are accepted",
            settings.mcp_host,
        )
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )
    app = server.streamable_http_app(
        streamable_http_path=settings.mcp_path,
        json_response=settings.mcp_json_response,
        stateless_http=settings.mcp_stateless_http,
        transport_security=security,
        host=settings.mcp_host,
        session_idle_timeout=settings.mcp_session_idle_timeout,
    )
    if not settings.mcp_stateless_http:  # per-user session cap in front of the SDK's (global-only) one
        app.add_middleware(
            SessionLimit,
            path=settings.mcp_path,
            max_per_user=settings.mcp_max_sessions_per_user,
            idle_timeout=settings.mcp_session_idle_timeout,
        )
    if settings.mcp_metrics:  # GET /metrics, no token, same Host/Origin checks (docs/observability.md)
        app.router.routes.append(metrics.route(security, resource_server.cache if resource_server else None))
    if loginflow is not None:
        # this server is the authorization server; tools call Nextcloud with the grant's app password
        lf_tool_scopes, lf_scopes = oauth_scopes(settings, server.catalogue)
        server.gate.on_token_rejected = loginflow.provider.revoke_by_access_token
        from nextcloud_mcp.auth.loginflow import REJECTED_MESSAGE

        provider = loginflow.provider

        async def semantic_logins() -> list[tuple[str, str, httpx2.Auth]]:  # the scheduled semantic sync's users
            return await provider.background_logins(frozenset({"semantic:read", "semantic:write"}))

        server.app_state.use_loginflow(provider.credentials_for, REJECTED_MESSAGE, semantic_logins)
        return loginflow.protect(app, lf_tool_scopes, lf_scopes)
    if resource_server is None:
        return app
    # a token Nextcloud rejects (401) is validated again on its next request, not trusted until the cache TTL
    server.gate.on_token_rejected = resource_server.cache.forget
    tool_scopes, scopes = oauth_scopes(settings, server.catalogue)  # tools the settings exclude need no scope
    if resource_server.auth_server.is_nextcloud:
        # H2CK/oidc always grants `openid` at consent but drops it from later requests of a client whose
        # allowed scopes lack it, so the consent page would repeat forever; asking for it avoids the loop
        # (lib/Controller/LoginRedirectorController.php, ConsentController.php).
        scopes = ["openid", *scopes]
    return resource_server.protect(app, tool_scopes, scopes)
