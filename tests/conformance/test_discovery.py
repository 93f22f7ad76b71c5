"""Discovery (OpenID Connect Discovery 1.0, RFC 8414) and the JWKS: what an MCP client and our server read first."""

from __future__ import annotations

import httpx2
import pytest

from conformance.oauth import MCP_SCOPES, endpoint, http_client, register
from conformance.providers import IdentityProvider, origin_of, require

ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "userinfo_endpoint",
    "introspection_endpoint",
)


def test_issuer_and_endpoints(idp: IdentityProvider) -> None:
    doc = idp.discovery
    assert doc["issuer"] == idp.issuer
    parts = httpx2.URL(idp.issuer)
    assert parts.scheme in ("http", "https") and not parts.query and not parts.fragment, idp.issuer
    for name in ENDPOINTS:
        url = endpoint(idp, name)
        assert url.startswith(("http://", "https://")), (name, url)
        assert origin_of(url) == origin_of(idp.issuer), (name, url)


def test_pkce_and_code_flow_advertised(idp: IdentityProvider) -> None:
    doc = idp.discovery
    assert "S256" in doc["code_challenge_methods_supported"]
    # H2CK/oidc advertises (and accepts) `plain` too (lib/Util/DiscoveryGenerator.php)
    assert ("plain" in doc["code_challenge_methods_supported"]) == ("pkce_required" not in idp.features)
    assert "code" in doc["response_types_supported"]
    assert {"authorization_code", "refresh_token"} <= set(doc.get("grant_types_supported", ["authorization_code"]))
    if "public_clients" in idp.features:
        assert "none" in doc["token_endpoint_auth_methods_supported"], "public clients (MCP) need auth method none"
    else:  # H2CK/oidc: public clients exist (occ only), `none` is not advertised (lib/Util/DiscoveryGenerator.php)
        assert {"client_secret_post", "client_secret_basic"} == set(doc["token_endpoint_auth_methods_supported"])
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


@pytest.mark.anyio
async def test_scopes_advertised(idp: IdentityProvider) -> None:
    wanted = {"openid", "offline_access", "notes:read", "notes:write"}
    if "resource_scopes_advertised" in idp.features:
        assert wanted <= set(idp.discovery["scopes_supported"])
        return
    # H2CK/oidc: the OIDC scopes plus every client's allowed scopes (lib/Util/DiscoveryGenerator.php::
    # getAggregatedScopes), so the resource scopes appear once a client is registered with them
    assert {"openid", "offline_access"} <= set(idp.discovery["scopes_supported"])
    async with http_client() as http:
        await register(http, idp, scope=f"openid offline_access {MCP_SCOPES}")
        response = await http.get(idp.issuer.rstrip("/") + "/.well-known/openid-configuration")
    assert wanted <= set(response.json()["scopes_supported"])


@pytest.mark.anyio
async def test_openid_configuration_is_served_at_the_issuer(idp: IdentityProvider) -> None:
    async with http_client() as http:
        response = await http.get(idp.issuer.rstrip("/") + "/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["issuer"] == idp.issuer


@pytest.mark.anyio
async def test_rfc8414_metadata(idp: IdentityProvider) -> None:
    """MCP clients look here first (RFC 8414 §3: inserted between host and path of the issuer)."""
    require(idp, "rfc8414")
    parts = httpx2.URL(idp.issuer)
    url = f"{parts.scheme}://{parts.netloc.decode()}/.well-known/oauth-authorization-server{parts.path.rstrip('/')}"
    async with http_client() as http:
        response = await http.get(url)
    assert response.status_code == 200, url
    doc = response.json()
    assert doc["issuer"] == idp.issuer
    for name in ("authorization_endpoint", "token_endpoint", "registration_endpoint"):
        assert doc[name] == idp.discovery[name]
    assert "S256" in doc["code_challenge_methods_supported"]


@pytest.mark.anyio
async def test_jwks_publishes_public_rsa_signing_keys_only(idp: IdentityProvider) -> None:
    async with http_client() as http:
        response = await http.get(endpoint(idp, "jwks_uri"))
    assert response.status_code == 200
    keys = response.json()["keys"]
    rsa = [k for k in keys if k["kty"] == "RSA" and k.get("use", "sig") == "sig"]
    assert rsa, keys
    for key in keys:
        assert key.get("kid"), key
        private = {"d", "p", "q", "dp", "dq", "qi", "k"} & set(key)
        assert not private, f"private key material published: {sorted(private)}"


@pytest.mark.anyio
async def test_cors_for_loopback_origins(idp: IdentityProvider) -> None:
    """Browser-based MCP clients (e.g. the Inspector on localhost:6274) read discovery and the JWKS cross-origin."""
    require(idp, "cors")
    origin = "http://localhost:6274"
    async with http_client() as http:
        for url in (idp.issuer.rstrip("/") + "/.well-known/openid-configuration", endpoint(idp, "jwks_uri")):
            response = await http.get(url, headers={"Origin": origin})
            assert response.headers.get("access-control-allow-origin") in ("*", origin), url
        preflight = await http.options(
            endpoint(idp, "token_endpoint"),
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
    assert preflight.status_code in (200, 204)
    assert preflight.headers.get("access-control-allow-origin") in ("*", origin)
