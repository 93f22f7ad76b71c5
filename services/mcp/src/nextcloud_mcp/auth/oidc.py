"""The authorization server as this resource server sees it: discovery, checked once at start.

By default the authorization server is Nextcloud's own `oidc` app (H2CK/oidc). Its discovery document
lives at `/index.php/.well-known/openid-configuration` and its `issuer` is derived from the request
host unless Nextcloud has `overwritehost`/`overwriteprotocol` (H2CK/oidc:lib/Util/DiscoveryGenerator.php).
The server therefore reads discovery through `NEXTCLOUD_HOST` (e.g. `http://nextcloud` in a container
network) and calls the endpoints it needs through that same internal URL, while clients get the
public issuer verbatim.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError

__all__ = ["AuthServer", "discover"]

logger = logging.getLogger(__name__)

NEXTCLOUD_DISCOVERY_PATH = "/index.php/.well-known/openid-configuration"


@dataclass(frozen=True)
class AuthServer:
    """What the server needs from the IdP's discovery document; endpoint URLs are the ones to call."""

    issuer: str
    is_nextcloud: bool
    jwks_uri: str | None
    userinfo_endpoint: str | None
    introspection_endpoint: str | None
    introspection_auth_methods: tuple[str, ...]
    registration_endpoint: str | None
    scopes_supported: tuple[str, ...]


def discovery_url(settings: Settings) -> str:
    if settings.mcp_oidc_discovery_url is not None:
        return str(settings.mcp_oidc_discovery_url)
    if settings.mcp_oidc_issuer is not None:
        return str(settings.mcp_oidc_issuer).rstrip("/") + "/.well-known/openid-configuration"
    return settings.nextcloud_base_url + NEXTCLOUD_DISCOVERY_PATH


def _internal(url: str | None, settings: Settings, issuer: str) -> str | None:
    """Rewrite a public Nextcloud URL to go through `NEXTCLOUD_HOST` (only for Nextcloud's own app)."""
    if url is None:
        return None
    for public in (str(settings.nextcloud_public_url or "").rstrip("/"), issuer.rstrip("/")):
        if public and url.startswith(public + "/"):
            return settings.nextcloud_base_url + url[len(public) :]
    return url


def parse_discovery(doc: dict[str, Any], settings: Settings) -> AuthServer:
    """Check the discovery document against what the settings need; raise ConfigError naming the gap."""
    issuer = doc.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise ConfigError("The OpenID discovery document has no issuer.")
    if settings.mcp_oidc_issuer is not None and issuer.rstrip("/") != str(settings.mcp_oidc_issuer).rstrip("/"):
        raise ConfigError(
            f"MCP_OIDC_ISSUER is {settings.mcp_oidc_issuer} but the provider says its issuer is {issuer}."
        )
    methods = doc.get("code_challenge_methods_supported") or []
    if "S256" not in methods:
        raise ConfigError(
            "The authorization server does not advertise PKCE S256 (code_challenge_methods_supported); "
            "MCP clients require it."
        )
    if settings.mcp_expect_dcr and not doc.get("registration_endpoint"):
        raise ConfigError(
            "The authorization server offers no dynamic client registration (registration_endpoint). Enable it "
            "(Nextcloud: occ config:app:set oidc dynamic_client_registration --value=true) or pre-register "
            "clients and set MCP_EXPECT_DCR=false."
        )
    is_nextcloud = settings.mcp_oidc_issuer is None

    def endpoint(name: str) -> str | None:
        value = doc.get(name)
        if not isinstance(value, str) or not value:
            return None
        return _internal(value, settings, issuer) if is_nextcloud else value

    server = AuthServer(
        issuer=issuer,
        is_nextcloud=is_nextcloud,
        jwks_uri=endpoint("jwks_uri"),
        userinfo_endpoint=endpoint("userinfo_endpoint"),
        introspection_endpoint=endpoint("introspection_endpoint"),
        introspection_auth_methods=tuple(doc.get("introspection_endpoint_auth_methods_supported") or ()),
        registration_endpoint=doc.get("registration_endpoint"),
        scopes_supported=tuple(doc.get("scopes_supported") or ()),
    )
    _check_validation_endpoints(server, settings)
    return server


def _check_validation_endpoints(server: AuthServer, settings: Settings) -> None:
    mode = settings.mcp_token_validation
    has_client = bool(settings.mcp_oidc_client_id and settings.mcp_oidc_client_secret)
    if mode in ("jwt", "auto") and server.jwks_uri is None and mode == "jwt":
        raise ConfigError("MCP_TOKEN_VALIDATION=jwt but the provider publishes no jwks_uri.")
    if mode == "introspection" or (mode == "auto" and has_client):
        if not has_client:
            raise ConfigError("Token introspection needs MCP_OIDC_CLIENT_ID and MCP_OIDC_CLIENT_SECRET.")
        if server.introspection_endpoint is None:
            raise ConfigError("The provider publishes no introspection_endpoint; use JWT access tokens instead.")
    if mode == "userinfo" or (mode == "auto" and not has_client):
        if mode == "userinfo" and server.userinfo_endpoint is None:
            raise ConfigError("MCP_TOKEN_VALIDATION=userinfo but the provider publishes no userinfo_endpoint.")
        if mode == "userinfo" and settings.mcp_require_audience:
            raise ConfigError(
                "userinfo cannot tell whom a token was issued for, so it cannot enforce the audience. Use JWT "
                "access tokens or introspection (MCP_OIDC_CLIENT_ID/SECRET), or set MCP_REQUIRE_AUDIENCE=false."
            )


async def discover(settings: Settings, http: httpx2.AsyncClient, attempts: int = 5) -> AuthServer:
    """Fetch and check the discovery document, retrying while the IdP starts up."""
    url = discovery_url(settings)
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            response = await http.get(url)
            if response.status_code == 200:
                return parse_discovery(response.json(), settings)
            last = ConfigError(f"OpenID discovery at {url} answered HTTP {response.status_code}.")
        except (httpx2.HTTPError, ValueError) as exc:
            last = exc
        if attempt + 1 < attempts:
            await anyio.sleep(min(0.5 * 2**attempt, 4.0))
    if isinstance(last, ConfigError):
        raise last
    raise ConfigError(f"Cannot read OpenID discovery at {url}: {type(last).__name__}.")
