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
    endpoint,
    exchange_code,
    fetch_jwks,
    http_client,
    register,
    token_request,
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
        # RFC 6749 §5.1: `no-store` (Nextcloud sends its default `no-cache, no-store, must-revalidate`)
        assert "no-store" in [d.strip().lower() for d in response.headers["cache-control"].split(",")]
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
    if "plain_oauth" in idp.features:
        assert claims["scope"].split() == ["notes:read"]
        assert "id_token" not in tokens
    else:
        # H2CK/oidc: the consent page always grants `openid` too (lib/Controller/ConsentController.php::grant,
        # "Ensure at least 'openid' scope is granted"), and the token endpoint always returns an ID token
        # (lib/Controller/OIDCApiController.php::getToken)
        granted = ["openid", "notes:read"] if "consent_page" in idp.features else ["notes:read"]
        assert claims["scope"].split() == granted
        assert tokens.get("id_token")
        if "consent_page" in idp.features and isinstance(idp, FormLoginProvider):
            # the request's scope never equals the granted one, so every authorization asks again
            # (lib/Controller/LoginRedirectorController.php compares the consent's scopes with the request's)
            await authorize(idp, client["client_id"], user="bob", scope="notes:read", resource=idp.resource)
            assert any(page.split("?")[0].endswith("/apps/oidc/consent") for page in idp.pages), idp.pages
    if "refresh_without_offline_access" in idp.features:
        assert tokens.get("refresh_token")


async def test_unknown_resource_is_refused(idp: IdentityProvider, client: dict[str, Any]) -> None:
    elsewhere = "https://elsewhere.example/mcp"
    auth = await authorize(idp, client["client_id"], scope=MCP_SCOPES, resource=elsewhere)
    assert auth.params.get("state") == auth.state
    if "invalid_target" in idp.features:
        assert auth.params.get("error") == "invalid_target", auth.params
        return
    # H2CK/oidc accepts any `resource` and makes it the access token's `aud`
    # (lib/Controller/LoginRedirectorController.php stores it on the grant; lib/Util/JwtGenerator.php)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth)
        assert response.status_code == 200, response.text
        claims = verify_access_token(idp, await fetch_jwks(http, idp), response.json()["access_token"], elsewhere)
    assert claims["aud"] in (elsewhere, [elsewhere])


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
            userinfo = await http.get(idp.discovery["userinfo_endpoint"], headers=bearer)
            # H2CK/oidc answers unknown tokens with 400 (lib/Controller/UserInfoController.php)
            assert userinfo.status_code == (401 if "userinfo_401" in idp.features else 400), userinfo.text


async def test_redirect_uri_must_match_at_the_token_endpoint(idp: IdentityProvider, client: dict[str, Any]) -> None:
    auth = await authorize(idp, client["client_id"], resource=idp.resource)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, redirect_uri=CALLBACK + "/other")
    if "token_redirect_uri_check" not in idp.features:
        # H2CK/oidc's token endpoint does not read `redirect_uri` at all (lib/Controller/OIDCApiController.php::
        # getToken has no such parameter): PKCE is what binds the code to the client here
        assert response.status_code == 200, response.text
        return
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
    if "pkce_required" in idp.features:
        assert params.get("error") == "invalid_request", params
        assert "code" not in params
        return
    # H2CK/oidc: PKCE is optional and `plain` allowed (lib/Controller/LoginRedirectorController.php, "PKCE
    # validation"; lib/Controller/OIDCApiController.php::verifyPkce) - the code works with what was sent
    assert params.get("state") == "s1" and params.get("code"), params
    data = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": CALLBACK}
    if pkce is not None:
        data["code_verifier"] = pkce.verifier
    async with http_client() as http:
        response = await token_request(http, idp, client, data)
    assert response.status_code == 200, response.text


async def test_unregistered_redirect_uri_is_not_followed(idp: IdentityProvider, client: dict[str, Any]) -> None:
    """RFC 6749 §4.1.2.1: an error shown to the user, no redirect (the status is not prescribed: Nextcloud shows
    its "Access forbidden" page with HTTP 200, lib/Controller/LoginRedirectorController.php)."""
    url = authorize_url(
        idp, client["client_id"], pkce=Pkce.new(), scope=MCP_SCOPES, state="s2", redirect_uri="http://127.0.0.1:1/evil"
    )
    async with http_client() as browser:
        with pytest.raises(LoginFailed, match=r"^(HTTP 4\d\d|no form to submit) at "):
            await idp.login(browser, url, "alice", idp.users["alice"])
    if isinstance(idp, FormLoginProvider):  # the error page is the authorization endpoint's answer
        assert idp.pages[-1].split(" ", 1)[1].split("?")[0] == endpoint(idp, "authorization_endpoint"), idp.pages


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
