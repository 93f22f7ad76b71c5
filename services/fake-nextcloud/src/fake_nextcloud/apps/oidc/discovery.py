"""Discovery, JWKS and the CORS preflights (H2CK/oidc 2.0.9 ``lib/Util/DiscoveryGenerator.php``,
``lib/Controller/DiscoveryController.php``, ``JwksController.php``, ``CorsController.php``,
``lib/Http/WellKnown/OIDCDiscoveryHandler.php``).

Discovery: ``issuer`` = request protocol + host + webroot (``overwritehost``/``overwriteprotocol`` apply);
endpoints are ``<protocol>://<host>/index.php/apps/oidc/...``; ``scopes_supported`` = the OIDC defaults +
every client's ``allowed_scopes``; ``registration_endpoint`` only while ``dynamic_client_registration`` is
``'true'``; ``claims_supported`` lists ``website`` twice; ``code_challenge_methods_supported: [S256, plain]``;
``Access-Control-Allow-Origin: *``. No ``authorization_response_iss_parameter_supported``.

``/.well-known/{service}`` is core's ``WellKnownController::handle(string $service)`` (nextcloud/server
``core/Controller/WellKnownController.php``): the registered handlers are asked in turn (here only the oidc
app's ``OIDCDiscoveryHandler``, which answers ``openid-configuration``); no answer -> 404 JSON
``{"message": "<service> not supported"}``. Every answer carries ``X-NEXTCLOUD-WELL-KNOWN: 1``.

None of these controller methods takes a parameter.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.oidc.keys import signing_key
from fake_nextcloud.apps.oidc.models import OidcBackend
from fake_nextcloud.core.appframework import Annotations, Endpoint, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.signature import php_method

__all__ = ["cors_response", "discovery", "jwks", "well_known"]

_PUBLIC = Annotations(public=True, no_csrf=True)
_PUBLIC_CORS = Annotations(public=True, no_csrf=True, cors=True)
_CLAIMS = [
    "iss", "sub", "aud", "exp", "auth_time", "iat", "acr", "azp", "preferred_username", "scope", "nbf", "jti",
    "roles", "groups", "name", "given_name", "family_name", "middle_name", "updated_at", "website", "email",
    "email_verified", "website", "phone_number", "address", "picture", "quota",
]  # fmt: skip


def _discovery_document(ctx: NcContext) -> dict[str, Any]:
    config = ctx.state.config
    host = ctx.base_url  # protocol://host + webroot (linkToRouteAbsolute)
    basic_disabled = config.oidc_bool("disable_auth_client_secret_basic")
    auth_methods = ["client_secret_post"] if basic_disabled else ["client_secret_post", "client_secret_basic"]
    scopes = ["openid", "profile", "email", "roles", "groups", "offline_access"]
    scopes += [s for s in OidcBackend.of(ctx.state).aggregated_scopes() if s not in scopes]
    doc: dict[str, Any] = {
        "issuer": ctx.base_url,
        "authorization_endpoint": f"{host}/index.php/apps/oidc/authorize",
        "token_endpoint": f"{host}/index.php/apps/oidc/token",
        "userinfo_endpoint": f"{host}/index.php/apps/oidc/userinfo",
        "jwks_uri": f"{host}/index.php/apps/oidc/jwks",
        "scopes_supported": scopes,
        "response_types_supported": ["code", "code id_token", "id_token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token"],
        "acr_values_supported": ["0"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "HS256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "display_values_supported": ["page"],
        "claim_types_supported": ["normal"],
        "claims_supported": list(_CLAIMS),
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "end_session_endpoint": f"{host}/index.php/apps/oidc/logout",
    }
    if config.oidc("dynamic_client_registration") == "true":
        doc["registration_endpoint"] = f"{host}/index.php/apps/oidc/register"
    doc["introspection_endpoint"] = f"{host}/index.php/apps/oidc/introspect"
    doc["introspection_endpoint_auth_methods_supported"] = list(auth_methods)
    doc["code_challenge_methods_supported"] = ["S256", "plain"]
    return doc


def _discovery_response(ctx: NcContext) -> Response:
    headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"}
    return json_response(_discovery_document(ctx), headers=headers)


@controller(_PUBLIC_CORS)
@php_method("DiscoveryController::getInfo")
async def discovery(ctx: NcContext, request: Request) -> Response:
    """``DiscoveryController::getInfo`` (``#[CORS]``: with ``Origin`` the header echoes it)."""
    return _discovery_response(ctx)


@controller(_PUBLIC)
@php_method("WellKnownController::handle", "string $service")
async def well_known(ctx: NcContext, request: Request) -> Response:
    """``WellKnownController::handle`` + ``RequestManager::process`` with the oidc app's
    ``OIDCDiscoveryHandler`` (registered only while the app is enabled)."""
    service: str = ctx.args["service"]
    if service == "openid-configuration" and ctx.state.app_enabled("oidc"):
        response = _discovery_response(ctx)
    else:
        response = json_response({"message": f"{service} not supported"}, 404)
    response.headers["X-NEXTCLOUD-WELL-KNOWN"] = "1"
    return response


@controller(_PUBLIC_CORS)
@php_method("JwksController::getKeyInfo")
async def jwks(ctx: NcContext, request: Request) -> Response:
    """``JwksController::getKeyInfo``: exactly one key."""
    headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"}
    return json_response({"keys": [signing_key(ctx.state).jwk()]}, headers=headers)


def cors_response(method: str) -> Endpoint:
    """``OPTIONS`` on a public endpoint: ``CorsController::<method>`` (``#[PublicPage]``, ``#[NoCSRFRequired]``),
    each of which returns ``corsResponse()``."""

    @controller(_PUBLIC)
    @php_method(f"CorsController::{method}")
    async def preflight(ctx: NcContext, request: Request) -> Response:
        return Response(
            b"",
            headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "PUT, POST, GET, DELETE, PATCH",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, OCS-APIRequest, Range, Depth,"
                " Destination, Overwrite, X-Requested-With",
                "Access-Control-Max-Age": "1728000",
            },
        )

    return preflight
