"""Access-token validation: JWT by signature (JWKS), opaque tokens by introspection or userinfo.

The method is picked by token shape and settings (`MCP_TOKEN_VALIDATION`). Every path returns an
`Identity` or raises `InvalidToken` with a reason that is safe to show the client (never the token).
No token is decoded without verifying it; JWT algorithms come from an allow-list, never from the
token alone, so `alg: none` and RS256→HS256 key confusion are refused.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any
from urllib.parse import quote

import httpx2
import jwt

from nextcloud_mcp.auth.identity import Identity
from nextcloud_mcp.auth.oidc import AuthServer
from nextcloud_mcp.config import Settings

__all__ = ["InvalidToken", "TokenValidator"]

logger = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068 §2.1; an ID token is not an access token
MAX_TOKEN_LENGTH = 8192
JWKS_MIN_REFRESH = 30.0  # seconds between forced JWKS refreshes on an unknown `kid`
USERINFO_MAX_TTL = 300  # userinfo says nothing about expiry: re-check at least this often


class InvalidToken(Exception):
    """The token is not acceptable; the message says why without echoing it."""


def _looks_like_jwt(token: str) -> bool:
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


def _client_basic(client_id: str, secret: str) -> str:
    """`client_secret_basic`: both parts form-urlencoded before base64 (RFC 6749 §2.3.1)."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _scopes(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    return frozenset()


class TokenValidator:
    """Validates tokens for one resource server against one authorization server."""

    def __init__(self, settings: Settings, server: AuthServer, http: httpx2.AsyncClient) -> None:
        self._settings = settings
        self._server = server
        self._http = http
        self._resource = settings.resource_url
        self._jwks: jwt.PyJWKSet | None = None
        self._jwks_forced = -JWKS_MIN_REFRESH
        client_id, secret = settings.mcp_oidc_client_id, settings.mcp_oidc_client_secret
        self._client = (client_id, secret.get_secret_value()) if client_id and secret else None

    async def validate(self, token: str) -> Identity | None:
        """The token's identity, or None when it is not valid (the reason is logged without the token)."""
        try:
            return await self.identify(token)
        except InvalidToken as exc:
            logger.info("Rejected access token: %s", exc)
            return None

    async def identify(self, token: str) -> Identity:
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii() or any(c.isspace() for c in token):
            raise InvalidToken("malformed token")
        mode = self._settings.mcp_token_validation
        if mode == "jwt" or (mode == "auto" and _looks_like_jwt(token)):
            return await self._jwt(token)
        if mode == "introspection" or (mode == "auto" and self._client is not None):
            return await self._introspect(token)
        if mode == "auto" and self._settings.mcp_require_audience:
            raise InvalidToken("opaque tokens need introspection (MCP_OIDC_CLIENT_ID/SECRET) to check their audience")
        return await self._userinfo(token)

    # JWT ------------------------------------------------------------------------------------------

    async def _jwt(self, token: str) -> Identity:
        if self._server.jwks_uri is None:
            raise InvalidToken("the provider publishes no JWKS, so JWTs cannot be verified")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed JWT header") from exc
        alg, kid, typ = header.get("alg"), header.get("kid"), str(header.get("typ", "")).lower()
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken(f"JWT algorithm {alg!r} is not accepted")
        if typ not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("JWT is not an access token (typ must be at+jwt)")
        key = await self._signing_key(kid, alg)
        verify_aud = self._settings.mcp_require_audience
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                issuer=self._server.issuer,
                audience=self._resource if verify_aud else None,
                leeway=self._settings.mcp_jwt_leeway,
                options={"require": ["exp", "iss", "sub"], "verify_aud": verify_aud},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("token not valid yet") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken(f"token was not issued for this server ({self._resource})") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("token was issued by another authorization server") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid JWT ({type(exc).__name__})") from exc
        return Identity(
            subject=str(claims["sub"]),
            issuer=str(claims["iss"]),
            client_id=str(claims.get("client_id") or claims.get("azp") or ""),
            scopes=_scopes(claims.get("scope", claims.get("scp"))),
            expires_at=int(claims["exp"]),
            resource=self._resource if verify_aud else None,
            method="jwt",
        )

    async def _signing_key(self, kid: Any, alg: str) -> Any:
        """The JWKS key named by `kid` (refetching the JWKS once, rate-limited, for an unknown kid)."""
        for force in (False, True):
            keys = (await self._load_jwks(force)).keys
            if kid is not None:
                match = [k for k in keys if k.key_id == kid]
            else:  # no kid: only unambiguous when one key fits the algorithm's family
                match = [
                    k for k in keys if (k.key_type or "") == {"R": "RSA", "P": "RSA", "E": "EC"}.get(alg[0], "OKP")
                ]
            if len(match) == 1 or (kid is not None and match):
                return match[0].key
        raise InvalidToken("token signed by an unknown key")

    async def _load_jwks(self, force: bool) -> jwt.PyJWKSet:
        """The cached JWKS; `force` refetches it, at most once per `JWKS_MIN_REFRESH` seconds."""
        now = time.monotonic()
        if self._jwks is not None and (not force or now - self._jwks_forced < JWKS_MIN_REFRESH):
            return self._jwks
        if force:
            self._jwks_forced = now
        assert self._server.jwks_uri is not None
        try:
            response = await self._http.get(self._server.jwks_uri)
            response.raise_for_status()
            self._jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx2.HTTPError, ValueError, jwt.PyJWTError) as exc:
            if self._jwks is None:
                raise InvalidToken("cannot load the provider's signing keys") from exc
            logger.warning("JWKS refresh failed (%s); keeping the keys already known", type(exc).__name__)
        return self._jwks

    # Opaque tokens ----------------------------------------------------------------------------------

    async def _introspect(self, token: str) -> Identity:
        """RFC 7662. H2CK/oidc answers `active: true` only to the client owning the token or a client whose
        `resource_url` equals the token's resource (lib/Controller/IntrospectionController.php), which binds
        the audience when this server introspects with a client registered for its own URL."""
        endpoint = self._server.introspection_endpoint
        if endpoint is None or self._client is None:
            raise InvalidToken("introspection is not configured")
        client_id, secret = self._client
        data = {"token": token, "token_type_hint": "access_token"}
        methods = self._server.introspection_auth_methods
        headers: dict[str, str] = {}
        if "client_secret_basic" in methods or not methods:
            headers["Authorization"] = _client_basic(client_id, secret)
        else:
            data.update(client_id=client_id, client_secret=secret)
        try:
            response = await self._http.post(endpoint, data=data, headers=headers)
        except httpx2.HTTPError as exc:
            raise InvalidToken(f"introspection failed ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise InvalidToken(f"introspection answered HTTP {response.status_code}")
        body = response.json()
        if not isinstance(body, dict) or body.get("active") is not True:
            raise InvalidToken("token is not active")
        exp = body.get("exp")
        if isinstance(exp, int | float) and exp < time.time() - self._settings.mcp_jwt_leeway:
            raise InvalidToken("token expired")
        resource = self._check_audience(body.get("aud"))
        return Identity(
            subject=str(body.get("sub") or body.get("username") or ""),
            issuer=str(body.get("iss") or self._server.issuer),
            client_id=str(body.get("client_id") or ""),
            scopes=_scopes(body.get("scope")),
            expires_at=int(exp) if isinstance(exp, int | float) else None,
            resource=resource,
            method="introspection",
        )

    def _check_audience(self, aud: Any) -> str | None:
        if not self._settings.mcp_require_audience:
            return None
        audiences = [aud] if isinstance(aud, str) else list(aud or [])
        if self._resource in [str(a).rstrip("/") for a in audiences]:
            return self._resource
        if self._server.is_nextcloud:
            return self._resource  # bound by the introspection ownership rule above
        raise InvalidToken(f"token was not issued for this server ({self._resource})")

    async def _userinfo(self, token: str) -> Identity:
        """OIDC userinfo. H2CK/oidc answers 400, not 401, for unknown or expired tokens
        (lib/Controller/UserInfoController.php), so any non-200 means invalid."""
        endpoint = self._server.userinfo_endpoint
        if endpoint is None:
            raise InvalidToken("the provider publishes no userinfo endpoint")
        try:
            response = await self._http.get(endpoint, headers={"Authorization": f"Bearer {token}"})
        except httpx2.HTTPError as exc:
            raise InvalidToken(f"userinfo failed ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise InvalidToken(f"userinfo answered HTTP {response.status_code}")
        body = response.json()
        if not isinstance(body, dict) or not body.get("sub"):
            raise InvalidToken("userinfo returned no subject")
        return Identity(
            subject=str(body["sub"]),
            issuer=self._server.issuer,
            client_id=str(body.get("client_id") or ""),
            scopes=_scopes(body.get("scope")),
            expires_at=int(time.time()) + USERINFO_MAX_TTL,
            resource=None,
            method="userinfo",
        )
