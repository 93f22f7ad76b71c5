"""Routes of the ``oidc`` app under ``/index.php/apps/oidc`` (H2CK/oidc ``appinfo/routes.php``) and the
``openid-configuration`` well-known handler (``lib/Http/WellKnown/OIDCDiscoveryHandler.php``, reached at
``/index.php/.well-known/openid-configuration`` and, through the stock ``.htaccess`` rewrite, at
``/.well-known/openid-configuration``).

Not implemented: the admin/personal settings routes, ``/api/consents`` (use the control API), custom claims,
WebFinger.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.oidc.authorize import authorize, redirect_index
from fake_nextcloud.apps.oidc.consent import consent_deny, consent_grant, consent_show, logout
from fake_nextcloud.apps.oidc.registration import (
    cors_preflight,
    discovery,
    jwks,
    manage_client,
    register,
    well_known_discovery,
)
from fake_nextcloud.apps.oidc.token import get_token, introspect, user_info
from fake_nextcloud.core.context import get_context
from fake_nextcloud.core.errors import html_error_page
from fake_nextcloud.core.state import FakeState
from fake_nextcloud.core.urls import server_root_url

__all__ = ["ROUTES", "OidcApp", "WellKnownApp"]

ROUTES: list[BaseRoute] = [
    Route("/authorize", authorize, methods=["GET", "POST"]),
    Route("/redirect", redirect_index, methods=["GET"]),
    Route("/consent", consent_show, methods=["GET"]),
    Route("/consent/grant", consent_grant, methods=["POST"]),
    Route("/consent/deny", consent_deny, methods=["POST"]),
    Route("/token", get_token, methods=["POST"]),
    Route("/userinfo", user_info, methods=["GET", "POST"]),
    Route("/register", register, methods=["POST"]),
    Route("/register/{clientId}", manage_client, methods=["GET", "PUT", "DELETE"]),
    Route("/openid-configuration", discovery, methods=["GET"]),
    Route("/jwks", jwks, methods=["GET"]),
    Route("/logout", logout, methods=["GET", "POST"]),
    Route("/introspect", introspect, methods=["POST"]),
]
for _path in ("/authorize", "/token", "/userinfo", "/register", "/register/{clientId}", "/openid-configuration"):
    ROUTES.append(Route(_path, cors_preflight, methods=["OPTIONS"]))
for _path in ("/jwks", "/logout", "/introspect"):
    ROUTES.append(Route(_path, cors_preflight, methods=["OPTIONS"]))


class OidcApp:
    """The oidc route group; 404 pages while the app is disabled."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("oidc"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)


class WellKnownApp:
    """``/.well-known/openid-configuration`` (404 without the oidc app); ``/.well-known/caldav`` and
    ``/.well-known/carddav`` redirect to ``/remote.php/dav/`` (nextcloud/server ``.htaccess``: ``RewriteRule
    ^\\.well-known/carddav /remote.php/dav/ [R=301,L]``, the same for caldav). The target is a path from the
    host root, not below the webroot: in a sub-directory install the stock rule points outside Nextcloud (the
    admin manual's "Service discovery" asks for a rule in the root's web server configuration instead)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router([Route("/openid-configuration", well_known_discovery, methods=["GET"])])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"].rstrip("/").endswith(("/.well-known/caldav", "/.well-known/carddav")):
            ctx = get_context(Request(scope))
            target = server_root_url(ctx.state.config, ctx.scheme, ctx.host) + "/remote.php/dav/"
            await RedirectResponse(target, status_code=301)(scope, receive, send)
            return
        if not self.state.app_enabled("oidc"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
