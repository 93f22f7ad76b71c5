"""`ResourceServer`: OAuth mode assembled: discovery, validator, token cache, metadata and the gate."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx2
from starlette.applications import Starlette
from starlette.types import ASGIApp

from nextcloud_mcp.auth.cache import TokenCache, connect_redis
from nextcloud_mcp.auth.metadata import metadata_routes
from nextcloud_mcp.auth.middleware import OAuthMiddleware
from nextcloud_mcp.auth.oidc import AuthServer, discover
from nextcloud_mcp.auth.token_verifier import CachedTokenVerifier
from nextcloud_mcp.auth.verifier import TokenValidator
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.cookies import cookieless_jar
from nextcloud_mcp.core.network import tls_verify

__all__ = ["ResourceServer"]

logger = logging.getLogger(__name__)


class ResourceServer:
    """Everything OAuth mode needs, built once per process by `start()`."""

    def __init__(
        self, settings: Settings, auth_server: AuthServer, http: httpx2.AsyncClient, cache: TokenCache
    ) -> None:
        self.settings = settings
        self.auth_server = auth_server
        self.http = http
        self.cache = cache
        self.validator = TokenValidator(settings, auth_server, http)
        self.verifier = CachedTokenVerifier(cache, self.validator)

    @classmethod
    async def start(cls, settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> ResourceServer:
        """Read discovery (refusing to start on gaps), connect Redis, warn about weakened settings."""
        http = httpx2.AsyncClient(
            timeout=httpx2.Timeout(settings.nextcloud_timeout, connect=settings.nextcloud_connect_timeout),
            # NEXTCLOUD_CA_BUNDLE on top of the system's trust store: MCP_OIDC_ISSUER may be a public IdP
            verify=tls_verify(settings, keep_system_store=True),
            transport=transport,
            follow_redirects=False,
            cookies=cookieless_jar(),  # discovery/introspection/userinfo answers may set session cookies
            trust_env=False,
        )
        try:
            auth_server = await discover(settings, http)
        except BaseException:
            await http.aclose()
            raise
        redis = connect_redis(settings.redis_url.get_secret_value()) if settings.redis_url is not None else None
        if not settings.mcp_require_audience:
            logger.warning("MCP_REQUIRE_AUDIENCE=false: tokens issued for other services are accepted here")
        if not settings.mcp_require_scopes:
            logger.warning("MCP_REQUIRE_SCOPES=false: any valid token may use every tool")
        logger.info("OAuth resource server for %s; token issuer %s", settings.resource_url, auth_server.issuer)
        return cls(settings, auth_server, http, TokenCache(settings.mcp_token_cache_ttl, redis))

    async def aclose(self) -> None:
        await self.cache.aclose()
        await self.http.aclose()

    def protect(self, app: Starlette, tool_scopes: Mapping[str, str], scopes: list[str]) -> ASGIApp:
        """Add the metadata routes to `app` and wrap it in the token gate."""
        for route in metadata_routes(self.settings.resource_url, self.auth_server.issuer, scopes):
            app.router.routes.insert(0, route)
        return OAuthMiddleware(
            app,
            path=self.settings.mcp_path,
            resource=self.settings.resource_url,
            verifier=self.verifier,
            tool_scopes=tool_scopes,
            challenge_scopes=scopes,
            require_scopes=self.settings.mcp_require_scopes,
        )
