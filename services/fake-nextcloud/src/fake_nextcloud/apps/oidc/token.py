"""Token, UserInfo and introspection endpoints (H2CK/oidc 2.0.9 ``lib/Controller/OIDCApiController.php::getToken``,
``UserInfoController.php::getInfo``/``getInfoPost``, ``IntrospectionController.php::introspectToken``).

Arguments are bound from these signatures (``core.signature``): none is required (``$grant_type`` is untyped, the
rest nullable or defaulted), so an omitted field never fails; an array for a ``string|null`` parameter is PHP's
``TypeError`` -> index.php's 500 page (the app registers no middleware that handles it).

Token endpoint (``POST /apps/oidc/token``): only ``authorization_code`` and ``refresh_token``; every error is
HTTP **400** JSON ``{"error", "error_description"}`` - ``invalid_client`` and ``expired_client`` included. The
grant is looked up first, then the client: ``client_id``/``client_secret`` from the body, or - only when the
body has no ``client_id`` - from ``Authorization: Basic`` (both parts ``rawurldecode``d, RFC 6749 §2.3.1);
public clients need only the id. A code that was already used revokes the token issued for it. A stored PKCE
challenge needs a matching ``code_verifier`` (verifier format ``^[A-Za-z0-9._~-]{43,128}$``); a missing or
wrong one deletes the grant. The response has no ``scope``; ``refresh_token`` (+ ``refresh_expires_in``) only
with ``offline_access`` in the granted scope or ``provide_refresh_token_always=true``. Each response rotates
the refresh token and replaces the access token (the previous ones stop working) and sets
``refreshed = now + expire_time``.

UserInfo: token from ``Authorization: Bearer`` (or POST ``access_token``); failures are HTTP **400**
(``invalid_request``, ``expired_client``, ``invalid_grant``), never 401.

Introspection: the caller authenticates as a client (Basic - *not* url-decoded here - or body); missing/wrong
-> **401** ``invalid_client``; no token -> 400; otherwise ``{"active": false}`` unless the token is live and the
caller owns it or its ``client_id``/``resource_url`` equals the token's stored ``resource``. The active answer's
``aud`` is the owning client id (not the resource), ``exp`` is ``refreshed + expire_time``, ``iat`` the
authorization time, no ``iss``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.oidc.claims import id_token, mint_access_token, userinfo
from fake_nextcloud.apps.oidc.keys import b64url
from fake_nextcloud.apps.oidc.models import ALNUM, AccessToken, Client, OidcBackend, hash_code
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.php import PhpTypeError, php_empty
from fake_nextcloud.core.session import random_string
from fake_nextcloud.core.signature import php_method

__all__ = ["get_token", "introspect", "user_info", "user_info_post"]

_PUBLIC = Annotations(public=True, no_csrf=True)

_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_CORS = {"Access-Control-Allow-Origin": "*"}


def _error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _basic_parts(ctx: NcContext) -> tuple[str, str] | None:
    header = ctx.header("Authorization")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def _verify_pkce(verifier: str, challenge: str, method: str) -> bool:
    if not _VERIFIER.match(verifier):
        return False
    if method == "S256":
        computed = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    elif method == "plain":
        computed = verifier
    else:
        return False
    return hmac.compare_digest(challenge, computed)


def _revoke_reused(backend: OidcBackend, access_token_id: int) -> Response:
    row = backend.tokens.get(access_token_id)
    if row is not None:
        backend.delete_token(row)
    return _error("invalid_grant", "Authorization code has already been used.")


def _authenticate_client(ctx: NcContext, backend: OidcBackend) -> Client | Response:
    client_id: str | None = ctx.args["client_id"]
    secret: str | None = ctx.args["client_secret"]
    if client_id is None:  # `!isset($client_id)`: only then getBasicClientCredentials()
        basic = _basic_parts(ctx)
        if basic is not None:
            client_id, secret = unquote(basic[0]), unquote(basic[1])
    if client_id is None or client_id.strip() == "":
        return _error("invalid_client", "Missing client_id.")
    client = backend.client_by_identifier(client_id)
    if client is None:
        return _error("invalid_client", "Client not found.")
    if client.type != "public" and client.secret != secret:
        return _error("invalid_client", "Client authentication failed.")
    return client


def _check_grant(ctx: NcContext, backend: OidcBackend, grant: str, row: AccessToken, client: Client) -> Response | None:
    """Expiry, PKCE, group restriction and consent checks (each failure deletes the grant)."""
    state, now = ctx.state, ctx.state.time()
    refresh_expire = state.config.oidc("refresh_expire_time")
    failure: tuple[str, bool] | None = None
    if grant == "authorization_code":
        if now > row.refreshed + state.config.oidc_int("expire_time"):
            failure = ("Access token already expired.", True)
        elif row.code_challenge:
            verifier = ctx.args["code_verifier"]
            if php_empty(verifier):
                failure = ("code_verifier required for PKCE flow.", True)
            elif not _verify_pkce(str(verifier), row.code_challenge, row.code_challenge_method or "S256"):
                failure = ("Invalid code_verifier.", True)
    elif refresh_expire != "never" and now > row.refreshed + state.config.oidc_int("refresh_expire_time"):
        failure = ("Refresh token is expired.", True)
    user = state.user(row.user_id)
    if failure is None and user is None:
        raise PhpTypeError("IGroupManager::getUserGroups(null)")
    if failure is None and user is not None and client.groups and not set(client.groups) & set(user.groups):
        failure = ("Access token not allowed for user groups.", True)
    if failure is None and grant == "refresh_token" and user is not None and backend.consent(user.uid, client) is None:
        failure = ("Consent has been revoked.", True)
    if failure is None:
        return None
    backend.delete_token(row)
    return _error("invalid_grant", failure[0])


@controller(_PUBLIC)
@php_method(
    "OIDCApiController::getToken",
    "$grant_type, string|null $code = null, string|null $refresh_token = null, string|null $client_id = null,"
    " string|null $client_secret = null, string|null $code_verifier = null",
)
async def get_token(ctx: NcContext, request: Request) -> Response:
    """``OIDCApiController::getToken`` (``$grant_type`` is untyped: a missing one is ``null``, then
    ``invalid_grant``; an array for any of the ``string|null`` parameters is a ``TypeError`` before the body)."""
    state = ctx.state
    backend = OidcBackend.of(state)
    grant = ctx.args["grant_type"]
    if grant not in ("authorization_code", "refresh_token"):
        return _error("invalid_grant", "Invalid grant_type provided. Must be authorization_code or refresh_token.")
    code: str | None = ctx.args["refresh_token" if grant == "refresh_token" else "code"]
    if code is None or code.strip() == "":
        return _error("invalid_request", "Missing code or refresh_token.")
    auth_code = backend.find_code(code) if grant == "authorization_code" else None
    if auth_code is not None and auth_code.used_at > 0:
        return _revoke_reused(backend, auth_code.access_token_id)
    row = backend.token_by_code(code)
    if row is None:
        return _error("invalid_grant", "Could not find access token for code or refresh_token.")
    client = _authenticate_client(ctx, backend)
    if isinstance(client, Response):
        return client
    if row.client_id != client.id:
        return _error("invalid_grant", "Grant is not valid for this client.")
    if auth_code is not None and auth_code.access_token_id != row.id:
        return _error("invalid_grant", "Authorization code is not valid.")
    if backend.client_expired(client):
        return _error("expired_client", "Client expired.")
    failed = _check_grant(ctx, backend, str(grant), row, client)
    if failed is not None:
        return failed
    user = state.user(row.user_id)
    assert user is not None
    if auth_code is not None:
        if auth_code.used_at != 0:  # markUsed lost the race
            return _revoke_reused(backend, auth_code.access_token_id)
        auth_code.used_at = state.time()
    expire = state.config.oidc_int("expire_time")
    new_code = random_string(128, ALNUM)
    row.hashed_code = hash_code(new_code)
    row.refreshed = state.time() + expire
    row.access_token = mint_access_token(state, row, client, ctx.base_url, user)
    data: dict[str, Any] = {
        "access_token": row.access_token,
        "token_type": "Bearer",
        "expires_in": expire,
        "id_token": id_token(state, row, client, ctx.base_url, user, at_hash=False, include_scope_claims=False),
    }
    refresh_expire = state.config.oidc("refresh_expire_time")
    if state.config.oidc("provide_refresh_token_always") == "true" or "offline_access" in re.split(
        r" +", row.scope.strip()
    ):
        data["refresh_token"] = new_code
        if refresh_expire != "never":
            data["refresh_expires_in"] = state.config.oidc_int("refresh_expire_time")
    return json_response(data, headers={**_CORS, "Access-Control-Allow-Methods": "GET, POST"})


def _bearer(ctx: NcContext) -> str | None:
    """``UserInfoController::getBearerToken``: ``preg_match('/Bearer\\s+(\\S+)/', $header)``."""
    match = re.search(r"Bearer\s+(\S+)", ctx.header("Authorization").strip())
    return match.group(1) if match else None


@controller(_PUBLIC)
@php_method("UserInfoController::getInfo")
async def user_info(ctx: NcContext, request: Request) -> Response:
    """``UserInfoController::getInfo``: the Bearer header only."""
    return _info_from_request(ctx, None)


@controller(_PUBLIC)
@php_method("UserInfoController::getInfoPost", "string|null $access_token = null")
async def user_info_post(ctx: NcContext, request: Request) -> Response:
    """``UserInfoController::getInfoPost``: the Bearer header, else the ``access_token`` argument."""
    return _info_from_request(ctx, ctx.args["access_token"])


def _info_from_request(ctx: NcContext, body_token: str | None) -> Response:
    """``UserInfoController::getInfoFromRequest``."""
    token = _bearer(ctx)
    if token is None and body_token is not None and body_token.strip() != "":
        token = body_token.strip()
    if not token:
        return _error("invalid_request", "No bearer token found in request.")
    backend = OidcBackend.of(ctx.state)
    row = backend.token_by_access_token(token)
    if row is None:
        return _error("invalid_request", "Could not find provided bearer token.")
    client = backend.clients.get(row.client_id)
    if client is None:
        return _error("invalid_request", "Could not find client for access token.")
    if backend.client_expired(client):
        return _error("expired_client", "Client expired.")
    if backend.token_expired(row):
        backend.delete_token(row)
        return _error("invalid_grant", "Access token already expired.")
    user = ctx.state.user(row.user_id)
    if user is None:
        raise PhpTypeError("IGroupManager::getUserGroups(null)")
    payload = userinfo(ctx.state, row, user, ctx.base_url)
    return json_response(payload, headers={**_CORS, "Access-Control-Allow-Methods": "GET, POST"})


def _introspecting_client(ctx: NcContext, backend: OidcBackend) -> Client | None:
    """``IntrospectionController::authenticateClient``."""
    client_id: Any = None
    secret: Any = None
    header = ctx.header("Authorization")
    if header and header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            client_id, secret = decoded.split(":", 1)
    if client_id is None:  # not controller arguments: `$this->request->getParam('client_id')` (lines 82-83)
        client_id, secret = ctx.param("client_id"), ctx.param("client_secret")
    if client_id is None or secret is None:
        return None
    # A JSON number or a form array is a TypeError (strict_types), an Error that `catch (\Exception $e)` lets
    # through: getByIdentifier(string $clientIdentifier), then hash_equals() on the secret.
    if not isinstance(client_id, str):
        raise PhpTypeError("ClientMapper::getByIdentifier(): Argument #1 ($clientIdentifier) must be of type string")
    client = backend.client_by_identifier(client_id)
    if client is None:
        return None
    if not isinstance(secret, str):
        raise PhpTypeError("hash_equals(): Argument #2 ($user_string) must be of type string")
    return client if hmac.compare_digest(client.secret.encode(), secret.encode()) else None


@controller(_PUBLIC)
@php_method("IntrospectionController::introspectToken", "string $token = '', string|null $token_type_hint = null")
async def introspect(ctx: NcContext, request: Request) -> Response:
    """``IntrospectionController::introspectToken``."""
    backend = OidcBackend.of(ctx.state)
    caller = _introspecting_client(ctx, backend)
    if caller is None:
        return _error("invalid_client", "Client authentication failed.", 401)
    token: str = ctx.args["token"]
    if php_empty(token):
        return _error("invalid_request", "Token parameter is required.")
    inactive = json_response({"active": False})
    row = backend.token_by_access_token(token)
    if row is None or backend.token_expired(row):
        return inactive
    user = ctx.state.user(row.user_id)
    owner = backend.clients.get(row.client_id)
    if user is None or owner is None:
        return inactive
    resource = row.resource
    authorized = bool(resource) and (
        resource == caller.client_id or (caller.resource_url is not None and resource == caller.resource_url)
    )
    if not authorized and owner.client_id != caller.client_id:
        return inactive
    data = {
        "active": True,
        "scope": row.scope,
        "client_id": owner.client_id,
        "username": user.uid,
        "token_type": "Bearer",
        "exp": row.refreshed + ctx.state.config.oidc_int("expire_time"),
        "iat": row.created,
        "sub": row.user_id,
        "aud": owner.client_id,
    }
    return json_response(data, headers={**_CORS, "Access-Control-Allow-Methods": "POST"})
