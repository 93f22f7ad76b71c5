"""Discovery, JWKS and dynamic client registration (H2CK/oidc ``lib/Util/DiscoveryGenerator.php``,
``JwksController``, ``DynamicRegistrationController``, ``CorsController``).

Discovery: ``issuer`` = request protocol + host + webroot (``overwritehost``/``overwriteprotocol`` apply);
endpoints are ``<protocol>://<host>/index.php/apps/oidc/...``; ``scopes_supported`` = the OIDC defaults +
every client's ``allowed_scopes``; ``registration_endpoint`` only while ``dynamic_client_registration`` is
``'true'``; ``claims_supported`` lists ``website`` twice; ``code_challenge_methods_supported: [S256, plain]``;
``Access-Control-Allow-Origin: *``. No ``authorization_response_iss_parameter_supported``.

Registration (``POST /register``, RFC 7591): disabled -> 400 ``dynamic_registration_not_allowed``; always a
*confidential* client answered with ``token_endpoint_auth_method: client_secret_post``; ``token_type`` defaults
to ``opaque`` (the app-config default only replaces *invalid* values); ``grant_types`` is only
``["authorization_code"]``. ``ClientMapper::cleanUp`` runs first, then the cap: a registration is refused with
``max_num_clients_exceeded`` only when **more than** 100 DCR clients exist (``getNumDcrClients() > 100``), so
the 101st still succeeds and the 102nd fails. Rate limiting (10/min) and brute-force throttling are not
modelled. RFC 7592: ``GET|PUT|DELETE /register/{clientId}`` with the registration access token as Bearer
(401 ``invalid_token``, 403 ``unauthorized_client`` / ``invalid_client``); PUT rotates that token.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.oidc.keys import signing_key
from fake_nextcloud.apps.oidc.models import Client, OidcBackend
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.params import str_param
from fake_nextcloud.core.php import PhpTypeError

__all__ = ["cors_preflight", "discovery", "jwks", "manage_client", "register", "well_known_discovery"]

_SCOPE_CHARS = re.compile(r"^[a-zA-Z0-9 _:./-]*$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*$")  # FILTER_VALIDATE_URL, roughly
_CLAIMS = [
    "iss",
    "sub",
    "aud",
    "exp",
    "auth_time",
    "iat",
    "acr",
    "azp",
    "preferred_username",
    "scope",
    "nbf",
    "jti",
    "roles",
    "groups",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "updated_at",
    "website",
    "email",
    "email_verified",
    "website",
    "phone_number",
    "address",
    "picture",
    "quota",
]


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


@controller(Annotations(public=True, no_csrf=True, cors=True))
async def discovery(ctx: NcContext, request: Request) -> Response:
    """``DiscoveryController::getInfo`` (``#[CORS]``: with ``Origin`` the header echoes it)."""
    return _discovery_response(ctx)


@controller(Annotations(public=True, no_csrf=True))
async def well_known_discovery(ctx: NcContext, request: Request) -> Response:
    """``/.well-known/openid-configuration`` via core's ``WellKnownController`` + ``OIDCDiscoveryHandler``."""
    return _discovery_response(ctx)


@controller(Annotations(public=True, no_csrf=True, cors=True))
async def jwks(ctx: NcContext, request: Request) -> Response:
    """``JwksController::getKeyInfo``: exactly one key."""
    headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET"}
    return json_response({"keys": [signing_key(ctx.state).jwk()]}, headers=headers)


@controller(Annotations(public=True, no_csrf=True))
async def cors_preflight(ctx: NcContext, request: Request) -> Response:
    """``CorsController::*CorsResponse`` (``OPTIONS`` on the public endpoints)."""
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


def _error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _array(value: Any) -> list[Any] | None:
    """An ``array|null`` controller parameter (a JSON object is a PHP array too; a scalar is a TypeError)."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    raise PhpTypeError("array expected")


def _client_metadata(ctx: NcContext, backend: OidcBackend, client: Client) -> dict[str, Any]:
    implicit = client.flow_type == "code id_token"
    return {
        "client_id": client.client_id,
        "client_secret": client.secret,
        "registration_client_uri": ctx.absolute_url(f"/index.php/apps/oidc/register/{client.client_id}"),
        "client_name": client.name,
        "redirect_uris": list(client.redirect_uris),
        "token_endpoint_auth_method": "client_secret_post",
        "response_types": ["code", "id_token"] if implicit else ["code"],
        "grant_types": ["authorization_code", "implicit"] if implicit else ["authorization_code"],
        "id_token_signed_response_alg": client.signing_alg,
        "application_type": "web",
        "client_id_issued_at": client.issued_at,
        "client_secret_expires_at": client.issued_at + ctx.state.config.oidc_int("client_expire_time"),
        "scope": client.allowed_scopes,
    }


@controller(Annotations(public=True, no_csrf=True))
async def register(ctx: NcContext, request: Request) -> Response:
    """``DynamicRegistrationController::registerClient``."""
    state = ctx.state
    if state.config.oidc("dynamic_client_registration") != "true":
        return _error("dynamic_registration_not_allowed", "Dynamic Client Registration is disabled.")
    redirect_uris = _array(ctx.param("redirect_uris"))
    if not redirect_uris:
        suffix = "at least one redirect_uris" if redirect_uris is not None else "redirect_uris"
        return _error("no_redirect_uris_provided", f"Dynamic Client Registration requires {suffix} to be set.")
    application_type = "native" if ctx.param("application_type") == "native" else "web"
    backend = OidcBackend.of(state)
    backend.clean_up_clients()
    if backend.num_dcr_clients() > 100:
        return _error("max_num_clients_exceeded", "Maximum number of dynamic registered clients exceeded.")
    client_name = str_param(ctx, "client_name", None)
    forwarded = ctx.header("X-Forwarded-For")
    name = client_name[:64] if client_name else "DCR-" + (forwarded or ctx.client_ip)
    token_type = str_param(ctx, "token_type", "opaque")
    if token_type not in ("opaque", "jwt"):
        token_type = state.config.oidc("default_token_type")
    scope = str_param(ctx, "scope", None)
    if scope is not None:
        scope = scope.strip()[:512]
        if not _SCOPE_CHARS.match(scope):
            return _error(
                "invalid_scope",
                "Scope contains invalid characters. Allowed: alphanumeric, spaces, underscores, hyphens, colons,"
                " periods, and forward slashes.",
            )
    resource_url = str_param(ctx, "resource_url", None)
    if resource_url is not None:
        resource_url = resource_url.strip()
        if len(resource_url) > 512:
            return _error("invalid_resource_url", "Resource URL exceeds maximum length of 512 characters.")
        if not _URL.match(resource_url):
            return _error("invalid_resource_url", "Resource URL must be a valid URL (RFC 9728).")
    response_types = _array(ctx.param("response_types")) or ["code"]
    flow = "code" if "code" in response_types or "id_token" not in response_types else "code id_token"
    client = backend.create_client(
        name,
        [str(u) for u in redirect_uris],
        algorithm=str_param(ctx, "id_token_signed_response_alg", "RS256"),
        flow=flow,
        token_type=token_type,
        allowed_scopes=scope or "",
        resource_url=resource_url,
        dcr=True,
    )
    data = _client_metadata(ctx, backend, client)
    data["registration_access_token"] = backend.new_registration_token(client)
    data["application_type"] = application_type
    data["token_type"] = client.token_type
    order = ("client_name", "client_id", "client_secret", "registration_access_token", "registration_client_uri")
    body = {k: data[k] for k in order} | {k: v for k, v in data.items() if k not in order}
    if client.resource_url is not None:
        body["resource_url"] = client.resource_url
    return json_response(
        body, 201, headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST"}
    )


def _managed_client(ctx: NcContext, backend: OidcBackend, client_id: str) -> Client | Response:
    """``authenticateAndAuthorizeClientManagement`` (RFC 7592 registration access token)."""
    header = ctx.header("Authorization")
    token = header[7:] if header.startswith("Bearer ") else ""
    owner = backend.registration_tokens.get(token) if token else None
    if owner is None:
        return _error("invalid_token", "Invalid or missing registration access token.", 401)
    client = backend.clients.get(owner)
    if client is None:
        return _error("invalid_token", "Token does not correspond to a valid client.", 401)
    if client.client_id != client_id:
        return _error("unauthorized_client", "Token does not match the requested client.", 403)
    if not client.dcr:
        return _error("invalid_client", "Only dynamically registered clients can be managed.", 403)
    return client


@controller(Annotations(public=True, no_csrf=True))
async def manage_client(ctx: NcContext, request: Request) -> Response:
    """``getClientConfiguration`` / ``updateClientConfiguration`` / ``deleteClientConfiguration``."""
    backend = OidcBackend.of(ctx.state)
    client = _managed_client(ctx, backend, request.path_params["clientId"])
    if isinstance(client, Response):
        return client
    cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ctx.method}
    if ctx.method == "DELETE":
        backend.delete_client(client, with_tokens=True)
        return Response(status_code=204, headers=cors)
    if ctx.method == "GET":
        return json_response(_client_metadata(ctx, backend, client), headers=cors)
    name = str_param(ctx, "client_name", None)
    if name is not None:
        client.name = name[:64]
    alg = str_param(ctx, "id_token_signed_response_alg", None)
    if alg is not None:
        client.signing_alg = alg
    response_types = _array(ctx.param("response_types"))
    if response_types is not None:
        if "code" in response_types:
            client.flow_type = "code"
        elif "id_token" in response_types:
            client.flow_type = "code id_token"
    scope = str_param(ctx, "scope", None)
    if scope is not None:
        scope = scope.strip()[:512]
        if not _SCOPE_CHARS.match(scope):
            return _error("invalid_scope", "Scope contains invalid characters.")
        client.allowed_scopes = scope
    redirect_uris = _array(ctx.param("redirect_uris"))
    if redirect_uris:
        client.redirect_uris = [str(u) for u in redirect_uris]
    data = _client_metadata(ctx, backend, client)
    data = (
        {"client_id": data.pop("client_id"), "client_secret": data.pop("client_secret")}
        | {"registration_access_token": backend.new_registration_token(client)}
        | data
    )
    return json_response(data, headers=cors)
