"""Discovery, issuer, JWKS and RP-initiated logout of the oidc app."""

from __future__ import annotations

import httpx2
import pytest

from fake_nextcloud import FakeState, build_app
from support.fake_oidc import USERINFO, Browser, auth_params, create_client, jwks_decode, query_of, token_for

pytestmark = pytest.mark.anyio

PATHS = ["/index.php/.well-known/openid-configuration", "/.well-known/openid-configuration"]
PATHS += ["/index.php/apps/oidc/openid-configuration"]


@pytest.mark.parametrize("path", PATHS)
async def test_discovery_document(client: httpx2.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    doc = response.json()
    assert doc["issuer"] == "http://nc.test"
    assert doc["authorization_endpoint"] == "http://nc.test/index.php/apps/oidc/authorize"
    assert doc["token_endpoint"] == "http://nc.test/index.php/apps/oidc/token"
    assert doc["registration_endpoint"] == "http://nc.test/index.php/apps/oidc/register"
    assert doc["introspection_endpoint"] == "http://nc.test/index.php/apps/oidc/introspect"
    assert doc["introspection_endpoint_auth_methods_supported"] == ["client_secret_post", "client_secret_basic"]
    assert doc["code_challenge_methods_supported"] == ["S256", "plain"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post", "client_secret_basic"]
    assert doc["grant_types_supported"] == ["authorization_code", "implicit", "refresh_token"]
    assert doc["claims_supported"].count("website") == 2  # DiscoveryGenerator lists it twice
    assert "authorization_response_iss_parameter_supported" not in doc


async def test_registration_endpoint_only_with_dcr(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.set_app_value("oidc", "dynamic_client_registration", "false")
    assert "registration_endpoint" not in (await client.get(PATHS[0])).json()


async def test_scopes_supported_aggregates_client_scopes(client: httpx2.AsyncClient) -> None:
    await create_client(client, allowed_scopes="openid Notes:Read notes:write")
    scopes = (await client.get(PATHS[0])).json()["scopes_supported"]
    assert scopes == ["openid", "profile", "email", "roles", "groups", "offline_access", "notes:read", "notes:write"]


async def test_issuer_follows_the_request_host(state: FakeState) -> None:
    transport = httpx2.ASGITransport(app=build_app(state))
    async with httpx2.AsyncClient(transport=transport, base_url="https://cloud.example:8443") as http:
        doc = (await http.get(PATHS[0])).json()
    assert doc["issuer"] == "https://cloud.example:8443"
    assert doc["jwks_uri"] == "https://cloud.example:8443/index.php/apps/oidc/jwks"


async def test_issuer_with_overwritehost_and_protocol_also_in_tokens(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    state.config.system |= {"overwritehost": "nc.example.org", "overwriteprotocol": "https"}
    doc = (await client.get(PATHS[1])).json()
    assert doc["issuer"] == "https://nc.example.org"
    assert doc["userinfo_endpoint"] == "https://nc.example.org/index.php/apps/oidc/userinfo"
    state.config.system.pop("overwritehost")
    state.config.system.pop("overwriteprotocol")
    registered = await create_client(client, token_type="jwt")
    app = build_app(state)
    async with Browser(app) as browser:
        code = query_of(await browser.authorize(auth_params(registered)))["code"]
    state.config.system |= {"overwritehost": "nc.example.org", "overwriteprotocol": "https"}
    data = {"grant_type": "authorization_code", "code": code, "client_id": registered["client_id"]}
    body = (
        await client.post("/index.php/apps/oidc/token", data=data | {"client_secret": registered["client_secret"]})
    ).json()
    assert (await jwks_decode(client, body["access_token"]))["iss"] == "https://nc.example.org"


async def test_app_route_is_cors_and_echoes_the_origin(client: httpx2.AsyncClient) -> None:
    response = await client.get(PATHS[2], headers={"Origin": "http://127.0.0.1:5173"})
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"  # CORSMiddleware


async def test_preflight(client: httpx2.AsyncClient) -> None:
    response = await client.options("/index.php/apps/oidc/token")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


async def test_discovery_is_gone_with_the_app(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.disable_app("oidc")
    assert (await client.get(PATHS[0])).status_code == 404
    assert (await client.get(PATHS[2])).status_code == 404


async def test_jwks_has_one_stable_rsa_key(state: FakeState, client: httpx2.AsyncClient) -> None:
    keys = (await client.get("/index.php/apps/oidc/jwks")).json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert {k: key[k] for k in ("kty", "use", "alg", "key_ops")} == {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "key_ops": ["verify"],
    }
    assert len(key["kid"]) == 36 and key["e"] == "AQAB"
    await client.post("/__testbed__/reset")
    assert (await client.get("/index.php/apps/oidc/jwks")).json()["keys"] == keys


async def test_logout_revokes_the_users_tokens_and_redirects_to_login(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    registered = await create_client(client)
    app = build_app(state)
    body = await token_for(app, client, registered)
    async with Browser(app) as browser:
        await browser.authorize(auth_params(registered))
        response = await browser.request("GET", "/index.php/apps/oidc/logout")
        assert (response.status_code, response.headers["location"]) == (303, "/index.php/login")
        again = await browser.request("GET", f"/index.php/apps/oidc/authorize?client_id={registered['client_id']}")
        assert again.headers["location"].startswith("/index.php/login?")  # logged out
    gone = await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert gone.status_code == 400


async def test_post_logout_redirect_needs_a_valid_hint_and_a_registered_uri(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    registered = await create_client(client)
    body = await token_for(build_app(state), client, registered)
    target = "http://127.0.0.1:1/bye"
    logout = "/index.php/apps/oidc/logout"
    params = {"post_logout_redirect_uri": target, "state": "s 1"}
    assert (await client.get(logout, params=params)).headers["location"] == "/index.php/login"  # no hint
    hinted = params | {"id_token_hint": body["id_token"]}
    assert (await client.get(logout, params=hinted)).headers["location"] == "/index.php/login"  # not registered
    await client.post("/__testbed__/oidc/config", json={"logout_redirect_uris": [target]})
    body = await token_for(build_app(state), client, registered)
    hinted["id_token_hint"] = body["id_token"]
    assert (await client.get(logout, params=hinted)).headers["location"] == f"{target}?state=s+1"
    bad = await client.get(logout, params={"id_token_hint": "not.a.jwt"})
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_jwt")
