"""The authorization code flow with PKCE S256 (RFC 6749, 7636) and resource indicators (RFC 8707) yielding
JWT access tokens (RFC 9068) that our resource server verifies locally against the JWKS."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import jwt
import pytest

from conformance.oauth import (
    CALLBACK,
    MCP_SCOPES,
    Pkce,
    authorize,
    authorize_url,
    exchange_code,
    fetch_jwks,
    http_client,
    register,
    verify_access_token,
    verify_id_token,
)
from conformance.providers import FormLoginProvider, IdentityProvider, LoginFailed, callback_params, require

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(idp: IdentityProvider) -> dict[str, Any]:
    async with http_client() as http:
        return await register(http, idp)


async def test_code_flow_with_resource_gives_a_jwt_for_the_resource(
    idp: IdentityProvider, client: dict[str, Any]
) -> None:
    auth = await authorize(idp, client["client_id"], scope=f"openid {MCP_SCOPES}", resource=idp.resource)
    assert auth.params["state"] == auth.state
    assert "error" not in auth.params
    if "iss_response" in idp.features:
        assert auth.params["iss"] == idp.issuer  # RFC 9207 mix-up defence
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, resource=idp.resource)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        tokens = response.json()
        jwks = await fetch_jwks(http, idp)
    assert tokens["token_type"].lower() == "bearer"
    assert 0 < tokens["expires_in"] <= 900
    claims = verify_access_token(idp, jwks, tokens["access_token"], audience=idp.resource)
    assert claims["sub"] == "alice"
    assert claims["client_id"] == client["client_id"]
    assert claims["aud"] in (idp.resource, [idp.resource])
    assert set(claims["scope"].split()) >= {"notes:read", "notes:write"}
    assert claims["exp"] - claims["iat"] <= 900
    assert abs(claims["iat"] - time.time()) < 60
    id_token = verify_id_token(idp, jwks, tokens["id_token"], client["client_id"])
    assert id_token["sub"] == "alice"
    assert id_token["nonce"] == auth.nonce


async def test_resource_in_the_authorization_request_only(idp: IdentityProvider, client: dict[str, Any]) -> None:
    """A token request without `resource` still gets a token for the resource authorized (useGrantedResource)."""
    auth = await authorize(idp, client["client_id"], scope=MCP_SCOPES, resource=idp.resource)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth)
        assert response.status_code == 200, response.text
        claims = verify_access_token(idp, await fetch_jwks(http, idp), response.json()["access_token"], idp.resource)
    assert claims["sub"] == "alice"


async def test_scopes_are_granted_as_requested(idp: IdentityProvider, client: dict[str, Any]) -> None:
    """An MCP-style request (no `openid`): exactly the resource scopes asked for, no ID token."""
    auth = await authorize(idp, client["client_id"], user="bob", scope="notes:read", resource=idp.resource)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, resource=idp.resource)
        assert response.status_code == 200, response.text
        tokens = response.json()
        claims = verify_access_token(idp, await fetch_jwks(http, idp), tokens["access_token"], idp.resource)
    assert claims["sub"] == "bob"
    assert claims["scope"].split() == ["notes:read"]
    assert "id_token" not in tokens
    if "refresh_without_offline_access" in idp.features:
        assert tokens.get("refresh_token")


async def test_unknown_resource_is_refused(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], scope=MCP_SCOPES, resource="https://elsewhere.example/mcp")
    assert auth.params.get("error") == "invalid_target", auth.params
    assert auth.params.get("state") == auth.state


async def test_token_for_another_audience_fails_verification(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], scope=MCP_SCOPES, resource=idp.resource)
    async with http_client() as http:
        tokens = (await exchange_code(http, idp, client, auth, resource=idp.resource)).json()
        jwks = await fetch_jwks(http, idp)
    with pytest.raises(jwt.InvalidAudienceError):
        verify_access_token(idp, jwks, tokens["access_token"], audience="http://127.0.0.1:1/other")


async def test_wrong_code_verifier_is_invalid_grant(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], resource=idp.resource)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, verifier=Pkce.new().verifier, resource=idp.resource)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_missing_code_verifier_is_refused(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], resource=idp.resource)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, verifier="", resource=idp.resource)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")


async def test_code_is_single_use(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], scope="openid profile")  # opaque token, checkable at userinfo
    async with http_client() as http:
        first = await exchange_code(http, idp, client, auth)
        assert first.status_code == 200, first.text
        again = await exchange_code(http, idp, client, auth)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
        if "revoke_on_code_reuse" in idp.features:
            bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
            assert (await http.get(idp.discovery["userinfo_endpoint"], headers=bearer)).status_code == 401


async def test_redirect_uri_must_match_at_the_token_endpoint(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], resource=idp.resource)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, redirect_uri=CALLBACK + "/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_code_of_another_client_is_refused(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], resource=idp.resource)
    async with http_client() as http:
        thief = await register(http, idp)
        response = await exchange_code(http, idp, thief, auth, resource=idp.resource)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["none", "plain"])
async def test_pkce_s256_is_required(idp: IdentityProvider, client: dict[str, Any], method: str) -> None:
    pkce = None if method == "none" else Pkce.new()
    url = authorize_url(
        idp, client["client_id"], pkce=pkce, method=method, scope=MCP_SCOPES, state="s1", resource=idp.resource
    )
    async with http_client() as browser:
        final = await idp.login(browser, url, "alice", idp.users["alice"])
    params = callback_params(final)
    assert params.get("error") == "invalid_request", params
    assert "code" not in params


async def test_unregistered_redirect_uri_is_not_followed(idp: IdentityProvider, client: dict[str, Any]) -> None:
    url = authorize_url(
        idp, client["client_id"], pkce=Pkce.new(), scope=MCP_SCOPES, state="s2", redirect_uri="http://127.0.0.1:1/evil"
    )
    async with http_client() as browser:
        with pytest.raises(LoginFailed, match="HTTP 400"):
            await idp.login(browser, url, "alice", idp.users["alice"])


async def test_wrong_password_does_not_log_in(idp: IdentityProvider, client: dict[str, Any]) -> None:
    with pytest.raises(LoginFailed):
        await authorize(idp, client["client_id"], password="not-the-password", resource=idp.resource)


async def test_unknown_user_does_not_log_in(idp: IdentityProvider, client: dict[str, Any]) -> None:
    url = authorize_url(idp, client["client_id"], pkce=Pkce.new(), scope=MCP_SCOPES, state="s3")
    async with http_client() as browser:
        with pytest.raises(LoginFailed):
            await idp.login(browser, url, "mallory", "alice-secret")


async def test_denied_consent_is_access_denied(idp: IdentityProvider, client: dict[str, Any]) -> None:
    require(idp, "consent_page")
    if not isinstance(idp, FormLoginProvider):
        pytest.skip(f"{idp.name}: no way to choose Deny")
    deny = dataclasses.replace(idp, consent="deny")
    auth = await authorize(deny, client["client_id"], resource=idp.resource)
    assert auth.params.get("error") == "access_denied", auth.params
    assert auth.params.get("state") == auth.state
