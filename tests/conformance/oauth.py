"""The client side of the flows, as an MCP client does them: DCR, PKCE S256, the code flow, token requests,
plus the resource server's side: JWT access token verification (PyJWT + JWKS) and introspection."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx2
import jwt

from conformance.providers import IdentityProvider, callback_params

__all__ = [
    "CALLBACK",
    "Authorization",
    "Pkce",
    "authorize",
    "authorize_url",
    "endpoint",
    "exchange_code",
    "fetch_jwks",
    "http_client",
    "introspect",
    "refresh",
    "register",
    "token_request",
    "verify_access_token",
    "verify_id_token",
]

CALLBACK = "http://127.0.0.1:9/callback"  # never contacted: the flow stops at the redirect to it
MCP_SCOPES = "notes:read notes:write"


def http_client() -> httpx2.AsyncClient:
    """A client like a browser without auto-redirects: its own cookie jar, no proxies from the environment."""
    return httpx2.AsyncClient(follow_redirects=False, trust_env=False, timeout=10.0)


def endpoint(idp: IdentityProvider, name: str) -> str:
    value = idp.discovery.get(name)
    assert isinstance(value, str) and value, f"{idp.name} discovery has no {name}"
    return value


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)  # 64 chars from the unreserved set (RFC 7636 §4.1)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


async def register(
    http: httpx2.AsyncClient,
    idp: IdentityProvider,
    *,
    auth_method: str = "none",
    redirect_uris: Sequence[str] = (CALLBACK,),
    grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    **metadata: Any,
) -> dict[str, Any]:
    """RFC 7591 registration, as the MCP SDK does it (plus the provider's `registration_metadata`); returns the
    client information response."""
    body: dict[str, Any] = {
        "redirect_uris": list(redirect_uris),
        "token_endpoint_auth_method": auth_method,
        "grant_types": list(grant_types),
        "response_types": ["code"] if "authorization_code" in grant_types else [],
        "client_name": "conformance test client",
        **idp.registration_metadata,
        **metadata,
    }
    response = await http.post(endpoint(idp, "registration_endpoint"), json=body)
    assert response.status_code == 201, response.text
    client: dict[str, Any] = response.json()
    return client


def authorize_url(
    idp: IdentityProvider,
    client_id: str,
    *,
    pkce: Pkce | None,
    scope: str,
    state: str,
    resource: str | None = None,
    nonce: str | None = None,
    prompt: str | None = None,
    method: str = "S256",
    redirect_uri: str = CALLBACK,
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge if method == "S256" else pkce.verifier}
        params |= {"code_challenge_method": method}
    for key, value in (("resource", resource), ("nonce", nonce), ("prompt", prompt)):
        if value is not None:
            params[key] = value
    return endpoint(idp, "authorization_endpoint") + "?" + urlencode(params)


@dataclass
class Authorization:
    """The outcome of one authorization request: the callback's parameters and what the client kept."""

    params: dict[str, str]
    pkce: Pkce
    state: str
    nonce: str
    redirect_url: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        assert "code" in self.params, f"no code in the callback: {self.params}"
        return self.params["code"]


async def authorize(
    idp: IdentityProvider,
    client_id: str,
    *,
    user: str = "alice",
    password: str | None = None,
    scope: str = f"openid {MCP_SCOPES}",
    resource: str | None = None,
    prompt: str | None = None,
) -> Authorization:
    """Log `user` in with a fresh browser (cookie jar) and return the callback parameters (code or error)."""
    pkce, state, nonce = Pkce.new(), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    if "openid" not in scope.split():
        nonce = ""  # a nonce is an OpenID Connect parameter
    url = authorize_url(
        idp, client_id, pkce=pkce, scope=scope, state=state, resource=resource, nonce=nonce or None, prompt=prompt
    )
    async with http_client() as browser:
        final = await idp.login(browser, url, user, idp.users[user] if password is None else password)
    assert final.startswith(CALLBACK + "?"), final
    return Authorization(callback_params(final), pkce, state, nonce, final)


def _client_auth(client: Mapping[str, Any], data: dict[str, str]) -> tuple[dict[str, str], tuple[str, str] | None]:
    """The registered `token_endpoint_auth_method`: public clients send client_id in the body, `client_secret_post`
    clients the secret too; other confidential ones use client_secret_basic."""
    client_id = str(client["client_id"])
    if not client.get("client_secret"):
        return {**data, "client_id": client_id}, None
    if client.get("token_endpoint_auth_method") == "client_secret_post":
        return {**data, "client_id": client_id, "client_secret": str(client["client_secret"])}, None
    return data, (client_id, str(client["client_secret"]))


async def token_request(
    http: httpx2.AsyncClient, idp: IdentityProvider, client: Mapping[str, Any], data: dict[str, str]
) -> httpx2.Response:
    body, auth = _client_auth(client, data)
    if auth is None:
        return await http.post(endpoint(idp, "token_endpoint"), data=body)
    return await http.post(endpoint(idp, "token_endpoint"), data=body, auth=auth)


async def exchange_code(
    http: httpx2.AsyncClient,
    idp: IdentityProvider,
    client: Mapping[str, Any],
    authorization: Authorization,
    *,
    verifier: str | None = None,
    resource: str | None = None,
    redirect_uri: str = CALLBACK,
) -> httpx2.Response:
    data = {
        "grant_type": "authorization_code",
        "code": authorization.code,
        "redirect_uri": redirect_uri,
        "code_verifier": authorization.pkce.verifier if verifier is None else verifier,
    }
    if resource is not None:
        data["resource"] = resource
    return await token_request(http, idp, client, data)


async def refresh(
    http: httpx2.AsyncClient,
    idp: IdentityProvider,
    client: Mapping[str, Any],
    refresh_token: str,
    *,
    resource: str | None = None,
) -> httpx2.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if resource is not None:
        data["resource"] = resource
    return await token_request(http, idp, client, data)


async def introspect(
    http: httpx2.AsyncClient, idp: IdentityProvider, client: Mapping[str, Any], token: str, hint: str | None = None
) -> httpx2.Response:
    body, auth = _client_auth(client, {"token": token} | ({"token_type_hint": hint} if hint else {}))
    url = endpoint(idp, "introspection_endpoint")
    return await (http.post(url, data=body) if auth is None else http.post(url, data=body, auth=auth))


async def fetch_jwks(http: httpx2.AsyncClient, idp: IdentityProvider) -> jwt.PyJWKSet:
    response = await http.get(endpoint(idp, "jwks_uri"))
    assert response.status_code == 200, response.text
    return jwt.PyJWKSet.from_dict(response.json())


def _key_for(jwks: jwt.PyJWKSet, token: str) -> tuple[Any, str]:
    header = jwt.get_unverified_header(token)
    alg = header.get("alg")
    assert alg == "RS256", header
    matching = [key for key in jwks.keys if key.key_id == header.get("kid")]
    assert len(matching) == 1, f"kid {header.get('kid')!r} not in the JWKS"
    return matching[0].key, alg


def verify_access_token(idp: IdentityProvider, jwks: jwt.PyJWKSet, token: str, audience: str) -> dict[str, Any]:
    """What the resource server does (RFC 9068): typ at+jwt, RS256 by a JWKS key, iss, aud, exp."""
    header = jwt.get_unverified_header(token)
    assert str(header.get("typ", "")).lower() in ("at+jwt", "application/at+jwt"), header
    key, alg = _key_for(jwks, token)
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key,
        algorithms=[alg],
        audience=audience,
        issuer=idp.issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"]},
    )
    return claims


def verify_id_token(idp: IdentityProvider, jwks: jwt.PyJWKSet, token: str, client_id: str) -> dict[str, Any]:
    key, alg = _key_for(jwks, token)
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key,
        algorithms=[alg],
        audience=client_id,
        issuer=idp.issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
    )
    return claims
