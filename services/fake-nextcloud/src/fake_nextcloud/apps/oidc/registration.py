"""Dynamic client registration (H2CK/oidc 2.0.9 ``lib/Controller/DynamicRegistrationController.php``).

``POST /register`` (RFC 7591, ``registerClient``): disabled -> 400 ``dynamic_registration_not_allowed``; always
a *confidential* client answered with ``token_endpoint_auth_method: client_secret_post``; ``token_type``
defaults to ``opaque`` (the PHP default parameter; the app-config default only replaces *invalid* values);
``grant_types`` is only ``["authorization_code"]``. ``ClientMapper::cleanUp`` runs first, then the cap: a
registration is refused with ``max_num_clients_exceeded`` only when **more than** 100 DCR clients exist
(``getNumDcrClients() > 100``), so the 101st still succeeds and the 102nd fails. Rate limiting (10/min) and
brute-force throttling are not modelled.

RFC 7592: ``GET|PUT|DELETE /register/{clientId}`` (``getClientConfiguration`` / ``updateClientConfiguration`` /
``deleteClientConfiguration``) with the registration access token as Bearer (401 ``invalid_token``, 403
``unauthorized_client`` / ``invalid_client``); PUT rotates that token.

Arguments are bound from the methods' signatures (``core.signature``): every parameter has a default or is
nullable, so omitting one never fails; a JSON string for ``redirect_uris``/``response_types`` or an array for a
``string`` parameter is PHP's ``TypeError`` -> index.php's 500 page (the app has no exception middleware).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.oidc.models import Client, OidcBackend
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.php import php_empty
from fake_nextcloud.core.signature import php_method

__all__ = ["delete_client_configuration", "get_client_configuration", "register", "update_client_configuration"]

_PUBLIC = Annotations(public=True, no_csrf=True)
_SCOPE_CHARS = re.compile(r"^[a-zA-Z0-9 _:./-]*$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*$")  # FILTER_VALIDATE_URL, roughly


def _error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _values(value: list[Any] | dict[str, Any]) -> list[Any]:
    """The elements of a bound PHP ``array`` argument (a JSON object is a PHP array too)."""
    return list(value.values()) if isinstance(value, dict) else list(value)


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


_REGISTER = (
    "array|null $redirect_uris = null, string|null $client_name = null,"
    " string $id_token_signed_response_alg = 'RS256', array $response_types = ['code'],"
    " string $application_type = 'web', string|null $scope = null, string $token_type = 'opaque',"
    " string|null $resource_url = null,"
)


@controller(_PUBLIC)
@php_method("DynamicRegistrationController::registerClient", _REGISTER)
async def register(ctx: NcContext, request: Request) -> Response:
    """``DynamicRegistrationController::registerClient``."""
    state, a = ctx.state, ctx.args
    if state.config.oidc("dynamic_client_registration") != "true":
        return _error("dynamic_registration_not_allowed", "Dynamic Client Registration is disabled.")
    if php_empty(a["redirect_uris"]):  # `$redirect_uris == null` holds for [] too: the later
        # "requires at least one redirect_uris" branch (`empty($redirect_uris)`) is unreachable
        return _error("no_redirect_uris_provided", "Dynamic Client Registration requires redirect_uris to be set.")
    redirect_uris = _values(a["redirect_uris"])
    application_type = "native" if a["application_type"] == "native" else "web"
    backend = OidcBackend.of(state)
    backend.clean_up_clients()
    if backend.num_dcr_clients() > 100:
        return _error("max_num_clients_exceeded", "Maximum number of dynamic registered clients exceeded.")
    client_name: str | None = a["client_name"]
    forwarded = ctx.header("X-Forwarded-For")
    name = client_name[:64] if client_name else "DCR-" + (forwarded or ctx.client_ip)  # `$client_name != null`
    token_type: str = a["token_type"]
    if token_type not in ("opaque", "jwt"):
        token_type = state.config.oidc("default_token_type")
    scope: str | None = a["scope"]
    if scope is not None:
        scope = scope.strip()[:512]
        if not _SCOPE_CHARS.match(scope):
            return _error(
                "invalid_scope",
                "Scope contains invalid characters. Allowed: alphanumeric, spaces, underscores, hyphens, colons,"
                " periods, and forward slashes.",
            )
    resource_url: str | None = a["resource_url"]
    if resource_url is not None:
        resource_url = resource_url.strip()
        if len(resource_url) > 512:
            return _error("invalid_resource_url", "Resource URL exceeds maximum length of 512 characters.")
        if not _URL.match(resource_url):
            return _error("invalid_resource_url", "Resource URL must be a valid URL (RFC 9728).")
    response_types = _values(a["response_types"])
    flow = "code" if "code" in response_types or "id_token" not in response_types else "code id_token"
    client = backend.create_client(
        name,
        [str(u) for u in redirect_uris],
        algorithm=a["id_token_signed_response_alg"],
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


def _cors(method: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": method}


@controller(_PUBLIC)
@php_method("DynamicRegistrationController::getClientConfiguration", "string $clientId")
async def get_client_configuration(ctx: NcContext, request: Request) -> Response:
    """``DynamicRegistrationController::getClientConfiguration``."""
    backend = OidcBackend.of(ctx.state)
    client = _managed_client(ctx, backend, ctx.args["clientId"])
    if isinstance(client, Response):
        return client
    return json_response(_client_metadata(ctx, backend, client), headers=_cors("GET"))


_UPDATE = (
    "string $clientId, array|null $redirect_uris = null, string|null $client_name = null,"
    " string|null $id_token_signed_response_alg = null, array|null $response_types = null,"
    " string|null $scope = null"
)


@controller(_PUBLIC)
@php_method("DynamicRegistrationController::updateClientConfiguration", _UPDATE)
async def update_client_configuration(ctx: NcContext, request: Request) -> Response:
    """``DynamicRegistrationController::updateClientConfiguration``: only the given fields change."""
    a = ctx.args
    backend = OidcBackend.of(ctx.state)
    client = _managed_client(ctx, backend, a["clientId"])
    if isinstance(client, Response):
        return client
    if a["client_name"] is not None:
        client.name = a["client_name"][:64]
    if a["id_token_signed_response_alg"] is not None:
        client.signing_alg = a["id_token_signed_response_alg"]
    if a["response_types"] is not None:
        response_types = _values(a["response_types"])
        if "code" in response_types:
            client.flow_type = "code"
        elif "id_token" in response_types:
            client.flow_type = "code id_token"
    scope: str | None = a["scope"]
    if scope is not None:
        scope = scope.strip()[:512]
        if not _SCOPE_CHARS.match(scope):
            return _error(
                "invalid_scope",
                "Scope contains invalid characters. Allowed: alphanumeric, spaces, underscores, hyphens, colons,"
                " periods, and forward slashes.",
            )
        client.allowed_scopes = scope
    if not php_empty(a["redirect_uris"]):
        client.redirect_uris = [str(u) for u in _values(a["redirect_uris"])]
    data = _client_metadata(ctx, backend, client)
    data = (
        {"client_id": data.pop("client_id"), "client_secret": data.pop("client_secret")}
        | {"registration_access_token": backend.new_registration_token(client)}
        | data
    )
    return json_response(data, headers=_cors("PUT"))


@controller(_PUBLIC)
@php_method("DynamicRegistrationController::deleteClientConfiguration", "string $clientId")
async def delete_client_configuration(ctx: NcContext, request: Request) -> Response:
    """``DynamicRegistrationController::deleteClientConfiguration``: the client, its tokens and redirect URIs."""
    backend = OidcBackend.of(ctx.state)
    client = _managed_client(ctx, backend, ctx.args["clientId"])
    if isinstance(client, Response):
        return client
    backend.delete_client(client, with_tokens=True)
    return Response(status_code=204, headers=_cors("DELETE"))
