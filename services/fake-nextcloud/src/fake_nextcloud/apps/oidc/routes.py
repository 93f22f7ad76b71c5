"""Routes of the ``oidc`` app under ``/index.php/apps/oidc`` (H2CK/oidc 2.0.9 ``appinfo/routes.php``) and core's
``.well-known/{service}`` route (nextcloud/server ``core/routes.php`` ``WellKnown#handle``) with the app's
``lib/Http/WellKnown/OIDCDiscoveryHandler.php``, reached at ``/index.php/.well-known/openid-configuration`` and,
through the stock ``.htaccess`` rewrite, at ``/.well-known/openid-configuration``.

Every handler names the controller method it reproduces and its PHP parameter list (``core.signature``); a
route whose verbs map to different methods (``authorize``/``authorizePost``, ``getInfo``/``getInfoPost``, the
three ``/register/{clientId}`` methods, ``logout``/``logoutPost``, ``CorsController``) has one handler per method.

Not implemented: the admin/personal settings routes, ``/api/consents`` (use the control API), custom claims,
WebFinger.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.oidc.authorize import authorize, authorize_post, redirect_index
from fake_nextcloud.apps.oidc.consent import consent_deny, consent_grant, consent_show, logout, logout_post
from fake_nextcloud.apps.oidc.discovery import cors_response, discovery, jwks, well_known
from fake_nextcloud.apps.oidc.registration import (
    delete_client_configuration,
    get_client_configuration,
    register,
    update_client_configuration,
)
from fake_nextcloud.apps.oidc.token import get_token, introspect, user_info, user_info_post
from fake_nextcloud.core.context import get_context
from fake_nextcloud.core.errors import html_error_page
from fake_nextcloud.core.state import FakeState
from fake_nextcloud.core.urls import server_root_url

__all__ = ["ROUTES", "OidcApp", "WellKnownApp"]

#: ``appinfo/routes.php`` at 2.0.9, one route per controller method (``name`` -> handler).
ROUTES: list[BaseRoute] = [
    Route("/authorize", authorize, methods=["GET"]),  # LoginRedirector#authorize
    Route("/authorize", authorize_post, methods=["POST"]),  # LoginRedirector#authorizePost
    Route("/authorize", cors_response("authorizeCorsResponse"), methods=["OPTIONS"]),
    Route("/redirect", redirect_index, methods=["GET"]),  # Page#index
    Route("/consent", consent_show, methods=["GET"]),  # Consent#show
    Route("/consent/grant", consent_grant, methods=["POST"]),  # Consent#grant
    Route("/consent/deny", consent_deny, methods=["POST"]),  # Consent#deny
    Route("/token", get_token, methods=["POST"]),  # OIDCApi#getToken
    Route("/token", cors_response("tokenCorsResponse"), methods=["OPTIONS"]),
    Route("/userinfo", user_info, methods=["GET"]),  # UserInfo#getInfo
    Route("/userinfo", user_info_post, methods=["POST"]),  # UserInfo#getInfoPost
    Route("/userinfo", cors_response("userInfoCorsResponse"), methods=["OPTIONS"]),
    Route("/register", register, methods=["POST"]),  # DynamicRegistration#registerClient
    Route("/register", cors_response("registerCorsResponse"), methods=["OPTIONS"]),
    Route("/register/{clientId}", get_client_configuration, methods=["GET"]),
    Route("/register/{clientId}", update_client_configuration, methods=["PUT"]),
    Route("/register/{clientId}", delete_client_configuration, methods=["DELETE"]),
    Route("/register/{clientId}", cors_response("clientManagementCorsResponse"), methods=["OPTIONS"]),
    Route("/openid-configuration", discovery, methods=["GET"]),  # Discovery#getInfo
    Route("/openid-configuration", cors_response("discoveryCorsResponse"), methods=["OPTIONS"]),
    Route("/jwks", jwks, methods=["GET"]),  # Jwks#getKeyInfo
    Route("/jwks", cors_response("jwksCorsResponse"), methods=["OPTIONS"]),
    Route("/logout", logout, methods=["GET"]),  # Logout#logout
    Route("/logout", logout_post, methods=["POST"]),  # Logout#logoutPost
    Route("/logout", cors_response("logoutCorsResponse"), methods=["OPTIONS"]),
    Route("/introspect", introspect, methods=["POST"]),  # Introspection#introspectToken
    Route("/introspect", cors_response("introspectionCorsResponse"), methods=["OPTIONS"]),
]


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
    """``/.well-known/{service}`` (core's ``WellKnownController::handle``: the discovery document while the oidc
    app is enabled, else a JSON 404); ``/.well-known/caldav`` and
    ``/.well-known/carddav`` redirect to ``/remote.php/dav/`` (nextcloud/server ``.htaccess``: ``RewriteRule
    ^\\.well-known/carddav /remote.php/dav/ [R=301,L]``, the same for caldav). The target is a path from the
    host root, not below the webroot: in a sub-directory install the stock rule points outside Nextcloud (the
    admin manual's "Service discovery" asks for a rule in the root's web server configuration instead)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router([Route("/{service}", well_known, methods=["GET"])])  # core/routes.php WellKnown#handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"].rstrip("/").endswith(("/.well-known/caldav", "/.well-known/carddav")):
            ctx = get_context(Request(scope))
            target = server_root_url(ctx.state.config, ctx.scheme, ctx.host) + "/remote.php/dav/"
            await RedirectResponse(target, status_code=301)(scope, receive, send)
            return
        await self.router(scope, receive, send)
