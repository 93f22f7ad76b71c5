"""`check` in OAuth mode (the OpenID discovery the server would refuse to start without) and for Redis.

What a token can do at Nextcloud is not checkable here: there is no token. Nextcloud accepts bearer tokens on its
OCS and WebDAV APIs only through user_oidc, and on app routes marked `#[CORS]` (Notes, Deck, Cookbook, Tables'
REST API) only with the Bearer patch (docs/authentication.md), so the report says so instead.
"""

from __future__ import annotations

import ssl

import anyio
import httpx2

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.cookies import cookieless_jar
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.core.network import tls_verify
from nextcloud_mcp.server.check_report import Report

__all__ = ["check_oauth", "check_redis"]

REDIS_SECONDS = 3.0


async def check_oauth(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None, report: Report, *, reachable: bool
) -> None:
    """The discovery document, read and judged as at start (`auth.oidc.discover`, one attempt)."""
    own_idp = settings.mcp_oidc_issuer is None and settings.mcp_oidc_discovery_url is None
    try:
        verify = tls_verify(settings, keep_system_store=True)
    except ConfigError:
        report.add("info", "oidc", "skipped: NEXTCLOUD_CA_BUNDLE cannot be used (see the tls line)")
    else:
        if own_idp and not reachable:
            report.add("info", "oidc", "skipped: Nextcloud (its oidc app is the authorization server) is not reachable")
        else:
            await _discovery(settings, transport, verify, report)
    report.add(
        "info",
        "credentials",
        "OAuth mode: each MCP client brings its user's token. Whether Nextcloud accepts bearer tokens on OCS and "
        "WebDAV (user_oidc) and on #[CORS] app routes (Notes, Deck, Cookbook, Tables REST: the Bearer patch) "
        "cannot be checked without a token",
        "see docs/authentication.md (bearer validation, the Bearer patch); a tool error after login names which "
        "one is missing",
    )
    report.add("info", "apps", "OAuth mode: which apps' tools are offered is decided per user from their capabilities")


async def _discovery(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None, verify: ssl.SSLContext | bool, report: Report
) -> None:
    from nextcloud_mcp.auth.oidc import discover, discovery_url

    http = httpx2.AsyncClient(
        timeout=httpx2.Timeout(settings.nextcloud_timeout, connect=settings.nextcloud_connect_timeout),
        verify=verify,
        transport=transport,
        follow_redirects=False,
        cookies=cookieless_jar(),  # as ResourceServer.start: discovery answers may set session cookies
        trust_env=False,
    )
    try:
        server = await discover(settings, http, attempts=1)
    except ConfigError as exc:
        report.add(
            "fail",
            "oidc",
            f"{exc} (discovery URL: {discovery_url(settings)})",
            "Nextcloud as the authorization server needs the oidc app; another provider needs MCP_OIDC_ISSUER "
            "(and MCP_OIDC_DISCOVERY_URL when discovery lives elsewhere); see docs/authentication.md",
        )
        return
    finally:
        await http.aclose()
    who = "Nextcloud's oidc app" if server.is_nextcloud else "an external provider"
    dcr = "dynamic client registration on" if server.registration_endpoint else "no dynamic client registration"
    report.add("ok", "oidc", f"issuer {server.issuer} ({who}), {dcr}, token validation {settings.mcp_token_validation}")


async def check_redis(settings: Settings, report: Report) -> None:
    """PING the Redis of `REDIS_URL` (the URL is never printed: it may hold a password)."""
    from nextcloud_mcp.auth.cache import connect_redis

    assert settings.redis_url is not None
    url = settings.redis_url.get_secret_value()
    secret = httpx2.URL(url).password if "://" in url else None
    note = {
        "oauth": "",
        "loginflow": " (grants and encrypted app passwords live there)",
    }.get(settings.auth_mode, " (only OAuth mode uses it, for the shared token cache)")
    client = connect_redis(url)
    try:
        with anyio.fail_after(REDIS_SECONDS):
            await client.ping()
    except Exception as exc:
        detail = str(exc) or type(exc).__name__
        if secret:
            detail = detail.replace(secret, "***")
        report.add(
            "fail",
            "redis",
            f"Redis of REDIS_URL does not answer PING: {type(exc).__name__}: {detail}",
            "check REDIS_URL (redis://host:6379/0, with the password if Redis needs one) and that Redis runs; "
            "unset REDIS_URL to keep the token cache in this process (one replica only)",
        )
        return
    finally:
        await client.aclose()
    report.add("ok", "redis", f"Redis of REDIS_URL answers{note}")
