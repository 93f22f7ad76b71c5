"""After the code flow: refresh (offline_access), introspection (RFC 7662), userinfo, revocation (RFC 7009)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.oauth import (
    MCP_SCOPES,
    Authorization,
    authorize,
    endpoint,
    exchange_code,
    fetch_jwks,
    http_client,
    introspect,
    refresh,
    register,
    verify_access_token,
)
from conformance.providers import IdentityProvider, require

pytestmark = pytest.mark.anyio

OIDC_SCOPES = "openid profile email"


@pytest.fixture
async def client(idp: IdentityProvider) -> dict[str, Any]:
    async with http_client() as http:
        return await register(http, idp)


@pytest.fixture
async def resource_server(idp: IdentityProvider) -> dict[str, Any]:
    """A confidential client, as our MCP server registers itself to introspect tokens. Without open introspection
    (H2CK/oidc) it must be the resource's client: registered with its URL as `resource_url` (RFC 9728 name),
    lib/Controller/IntrospectionController.php."""
    extra = {} if "open_introspection" in idp.features else {"resource_url": idp.resource}
    async with http_client() as http:
        return await register(http, idp, auth_method="client_secret_basic", grant_types=[], **extra)


async def _tokens(
    idp: IdentityProvider, client: dict[str, Any], *, scope: str, resource: str | None = None, **kw: Any
) -> tuple[Authorization, dict[str, Any]]:
    auth = await authorize(idp, client["client_id"], scope=scope, resource=resource, **kw)
    async with http_client() as http:
        response = await exchange_code(http, idp, client, auth, resource=resource)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return auth, tokens


# refresh ------------------------------------------------------------------------------------------------------


async def test_refresh_with_offline_access(idp: IdentityProvider, client: dict[str, Any]) -> None:
    """OIDC Core §11: offline_access (with prompt=consent) yields a refresh token; refreshing yields a JWT with a
    fresh lifetime."""
    _, tokens = await _tokens(
        idp, client, scope=f"openid offline_access {MCP_SCOPES}", resource=idp.resource, prompt="consent"
    )
    assert tokens.get("refresh_token"), tokens
    async with http_client() as http:
        jwks = await fetch_jwks(http, idp)
        response = await refresh(http, idp, client, tokens["refresh_token"], resource=idp.resource)
        assert response.status_code == 200, response.text
        refreshed = response.json()
        claims = verify_access_token(idp, jwks, refreshed["access_token"], idp.resource)
        assert claims["sub"] == "alice"
        assert claims["client_id"] == client["client_id"]
        assert set(claims["scope"].split()) >= {"notes:read", "notes:write"}
        old = verify_access_token(idp, jwks, tokens["access_token"], idp.resource)
        assert claims["iat"] >= old["iat"] and claims["exp"] >= old["exp"]
        if "unique_jti" in idp.features:
            assert refreshed["access_token"] != tokens["access_token"]
            assert claims["jti"] != old["jti"]
        else:
            # H2CK/oidc: `jti` is the grant's row id and `iat`/`exp` have one-second resolution, so a refresh in
            # the same second gives back the very same JWT (lib/Util/JwtGenerator.php::generateAccessToken)
            assert claims["jti"] == old["jti"]
        if "refresh_rotation" in idp.features:
            assert refreshed["refresh_token"] != tokens["refresh_token"]
            reused = await refresh(http, idp, client, tokens["refresh_token"], resource=idp.resource)
            assert reused.status_code == 400
            assert reused.json()["error"] == "invalid_grant"


async def test_refresh_token_is_bound_to_its_client(idp: IdentityProvider, client: dict[str, Any]) -> None:
    _, tokens = await _tokens(idp, client, scope=f"openid offline_access {MCP_SCOPES}", prompt="consent")
    async with http_client() as http:
        other = await register(http, idp)
        response = await refresh(http, idp, other, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_bogus_refresh_token_is_invalid_grant(idp: IdentityProvider, client: dict[str, Any]) -> None:
    async with http_client() as http:
        response = await refresh(http, idp, client, "not-a-refresh-token")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# userinfo -----------------------------------------------------------------------------------------------------


async def test_userinfo_with_the_access_token(idp: IdentityProvider, client: dict[str, Any]) -> None:
    _, tokens = await _tokens(idp, client, scope=OIDC_SCOPES)
    async with http_client() as http:
        response = await http.get(
            endpoint(idp, "userinfo_endpoint"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["sub"] == "alice"
    assert info["preferred_username"] == "alice"
    assert info["email"] == "alice@example.org"


async def test_userinfo_refuses_missing_and_bogus_tokens(idp: IdentityProvider) -> None:
    async with http_client() as http:
        missing = await http.get(endpoint(idp, "userinfo_endpoint"))
        bogus = await http.get(endpoint(idp, "userinfo_endpoint"), headers={"Authorization": "Bearer nope"})
    if "userinfo_401" not in idp.features:
        # H2CK/oidc: JSON errors with HTTP 400, no WWW-Authenticate (lib/Controller/UserInfoController.php)
        for response in (missing, bogus):
            assert response.status_code == 400, response.text
            assert response.json()["error"] == "invalid_request"
        return
    for response in (missing, bogus):
        assert response.status_code in (400, 401), response.text
    assert bogus.status_code == 401
    assert bogus.headers.get("www-authenticate", "").lower().startswith("bearer")


async def test_userinfo_refuses_tokens_for_another_resource(idp: IdentityProvider, client: dict[str, Any]) -> None:
    """RFC 8707: a token issued for the MCP server is audience-restricted to it."""
    _, tokens = await _tokens(idp, client, scope=f"openid {MCP_SCOPES}", resource=idp.resource)
    async with http_client() as http:
        response = await http.get(
            endpoint(idp, "userinfo_endpoint"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    if "audience_restricted_userinfo" not in idp.features:
        # H2CK/oidc looks the token up by its string, whatever its `aud` (lib/Controller/UserInfoController.php)
        assert response.status_code == 200, response.text
        assert response.json()["sub"] == "alice"
        return
    assert response.status_code == 401


# introspection ------------------------------------------------------------------------------------------------


async def test_introspection_of_an_active_token(
    idp: IdentityProvider, client: dict[str, Any], resource_server: dict[str, Any]
) -> None:
    # without open introspection, the resource server sees the tokens issued for its resource only
    resource = None if "open_introspection" in idp.features else idp.resource
    _, tokens = await _tokens(idp, client, scope=f"{OIDC_SCOPES} offline_access", resource=resource, prompt="consent")
    async with http_client() as http:
        for caller in (client, resource_server):
            response = await introspect(http, idp, caller, tokens["access_token"], hint="access_token")
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["active"] is True
            assert body["sub"] == "alice"
            assert body["client_id"] == client["client_id"]
            if "iss" in body:  # OPTIONAL (RFC 7662 §2.2); H2CK/oidc omits it
                assert body["iss"] == idp.issuer
            assert body["exp"] > body["iat"]
            assert "openid" in body["scope"].split()
        response = await introspect(http, idp, resource_server, tokens["refresh_token"], hint="refresh_token")
        # H2CK/oidc looks the token up among access tokens only (lib/Controller/IntrospectionController.php)
        assert response.json()["active"] is ("refresh_token_introspection" in idp.features)
        if "open_introspection" not in idp.features:
            # H2CK/oidc: neither the owner nor the resource's client -> inactive (IntrospectionController.php)
            outsider = await register(http, idp, auth_method="client_secret_basic", grant_types=[])
            response = await introspect(http, idp, outsider, tokens["access_token"])
            assert response.json() == {"active": False}


async def test_introspection_of_an_opaque_resource_token(
    idp: IdentityProvider, client: dict[str, Any], resource_server: dict[str, Any]
) -> None:
    """What our server does with MCP_TOKEN_VALIDATION=introspection: active, right audience and scopes."""
    require(idp, "opaque_resource")
    assert idp.opaque_resource is not None
    _, tokens = await _tokens(idp, client, scope=MCP_SCOPES, resource=idp.opaque_resource)
    assert tokens["access_token"].count(".") != 2, "expected an opaque token"
    async with http_client() as http:
        body = (await introspect(http, idp, resource_server, tokens["access_token"])).json()
    assert body["active"] is True
    assert body["aud"] in (idp.opaque_resource, [idp.opaque_resource])
    assert set(body["scope"].split()) == {"notes:read", "notes:write"}
    assert body["sub"] == "alice"


async def test_introspection_of_unknown_tokens_is_inactive(
    idp: IdentityProvider, resource_server: dict[str, Any]
) -> None:
    async with http_client() as http:
        response = await introspect(http, idp, resource_server, "not-a-token")
    assert response.status_code == 200
    assert response.json() == {"active": False}


async def test_introspection_needs_client_authentication(idp: IdentityProvider, client: dict[str, Any]) -> None:
    _, tokens = await _tokens(idp, client, scope=OIDC_SCOPES)
    async with http_client() as http:
        anonymous = await http.post(endpoint(idp, "introspection_endpoint"), data={"token": tokens["access_token"]})
        wrong = await introspect(
            http, idp, {"client_id": client["client_id"], "client_secret": "wrong"}, tokens["access_token"]
        )
    assert anonymous.status_code in (400, 401)
    assert anonymous.json()["error"] in ("invalid_client", "invalid_request")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"


async def test_another_public_client_learns_nothing(idp: IdentityProvider, client: dict[str, Any]) -> None:
    _, tokens = await _tokens(idp, client, scope=OIDC_SCOPES)
    async with http_client() as http:
        other = await register(http, idp)
        response = await introspect(http, idp, other, tokens["access_token"])
    assert response.json()["active"] is False


# revocation ---------------------------------------------------------------------------------------------------


async def test_revoked_tokens_are_inactive(
    idp: IdentityProvider, client: dict[str, Any], resource_server: dict[str, Any]
) -> None:
    require(idp, "revocation")
    _, tokens = await _tokens(idp, client, scope=f"{OIDC_SCOPES} offline_access", prompt="consent")
    async with http_client() as http:
        url = endpoint(idp, "revocation_endpoint")
        for token in (tokens["access_token"], tokens["refresh_token"]):
            response = await http.post(url, data={"token": token, "client_id": client["client_id"]})
            assert response.status_code == 200, response.text
            assert (await introspect(http, idp, resource_server, token)).json()["active"] is False
        again = await refresh(http, idp, client, tokens["refresh_token"])
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
