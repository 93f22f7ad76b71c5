"""Token endpoint: PKCE, code reuse, client authentication, expiry, refresh rotation, JWT and ID token claims."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx2
import jwt
import pytest
from jwt.types import Options

from fake_nextcloud import FakeState, ManualClock, build_app
from support.fake_oidc import (
    CALLBACK,
    TOKEN,
    USERINFO,
    Browser,
    auth_params,
    create_client,
    exchange,
    jwks_decode,
    pkce,
    query_of,
    token_for,
)
from support.fake_support import T0

pytestmark = pytest.mark.anyio


async def _code(state: FakeState, client: dict[str, Any], **params: str) -> str:
    async with Browser(build_app(state)) as browser:
        return query_of(await browser.authorize(auth_params(client, **params)))["code"]


async def test_token_response_shape(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    response = await exchange(client, registered, await _code(state, registered))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "id_token"}  # no scope, no refresh token
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900


async def test_wrong_code_verifier_is_invalid_grant_and_deletes_the_grant(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    registered = await create_client(client)
    verifier, challenge = pkce()
    code = await _code(state, registered, code_challenge=challenge, code_challenge_method="S256")
    wrong = await exchange(client, registered, code, "x" * 50)
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid code_verifier."},
    )
    retry = await exchange(client, registered, code, verifier)
    assert retry.json()["error_description"] == "Could not find access token for code or refresh_token."


async def test_missing_verifier_when_a_challenge_was_stored(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    _, challenge = pkce()
    code = await _code(state, registered, code_challenge=challenge)
    response = await exchange(client, registered, code)
    assert response.json() == {"error": "invalid_grant", "error_description": "code_verifier required for PKCE flow."}


async def test_plain_pkce(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    verifier = "v" * 43
    code = await _code(state, registered, code_challenge=verifier, code_challenge_method="plain")
    assert (await exchange(client, registered, code, verifier)).status_code == 200


async def test_missing_challenge_method_defaults_to_s256(state: FakeState, client: httpx2.AsyncClient) -> None:
    """LoginRedirectorController: "Default to S256 if method not specified" (RFC 7636 says plain)."""
    registered = await create_client(client)
    verifier, challenge = pkce()
    code = await _code(state, registered, code_challenge=challenge)
    assert (await exchange(client, registered, code, verifier)).status_code == 200
    plain_value = "p" * 43
    code = await _code(state, registered, code_challenge=plain_value)
    assert (await exchange(client, registered, code, plain_value)).json()["error"] == "invalid_grant"


async def test_code_reuse_revokes_the_issued_token(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    code = await _code(state, registered)
    token = (await exchange(client, registered, code)).json()["access_token"]
    assert (await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})).status_code == 200
    again = await exchange(client, registered, code)
    assert again.json() == {"error": "invalid_grant", "error_description": "Authorization code has already been used."}
    gone = await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert gone.json()["error_description"] == "Could not find provided bearer token."


async def test_code_lifetime_is_expire_time(state: FakeState, clock: ManualClock, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    code = await _code(state, registered)
    clock.advance(901)
    assert (await exchange(client, registered, code)).json()["error_description"] == "Access token already expired."


async def test_client_secret_basic_is_url_decoded(state: FakeState, client: httpx2.AsyncClient) -> None:
    """RFC 6749 §2.3.1; the Basic header does not log a Nextcloud user in (BasicAuthRequestSanitizer)."""
    registered = await create_client(client, client_secret="s3cr%t/with+special&chars=0123456789abc")
    code = await _code(state, registered)
    creds = f"{quote(registered['client_id'], safe='')}:{quote(registered['client_secret'], safe='')}"
    headers = {"Authorization": "Basic " + base64.b64encode(creds.encode()).decode()}
    data = {"grant_type": "authorization_code", "code": code}
    response = await client.post(TOKEN, data=data, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("data", "description"),
    [
        ({"client_secret": "wrong"}, "Client authentication failed."),
        ({"client_id": "unknown"}, "Client not found."),
        ({"client_id": " "}, "Missing client_id."),
    ],
)
async def test_client_errors_are_http_400(
    state: FakeState, client: httpx2.AsyncClient, data: dict[str, str], description: str
) -> None:
    registered = await create_client(client)
    code = await _code(state, registered)
    body = {"grant_type": "authorization_code", "code": code, "client_id": registered["client_id"]} | data
    response = await client.post(TOKEN, data=body)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid_client", "error_description": description},
    )


async def test_public_client_needs_only_its_id(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client, type="public")
    code = await _code(state, registered)
    response = await client.post(
        TOKEN, data={"grant_type": "authorization_code", "code": code, "client_id": registered["client_id"]}
    )
    assert response.status_code == 200


async def test_grant_of_another_client(state: FakeState, client: httpx2.AsyncClient) -> None:
    first, second = await create_client(client), await create_client(client)
    response = await exchange(client, second, await _code(state, first))
    assert response.json()["error_description"] == "Grant is not valid for this client."


async def test_expired_dcr_client(state: FakeState, clock: ManualClock, client: httpx2.AsyncClient) -> None:
    """Past client_expire_time the token endpoint and userinfo answer 400 expired_client."""
    state.config.set_app_value("oidc", "client_expire_time", "100")
    registered = (await client.post("/index.php/apps/oidc/register", json={"redirect_uris": [CALLBACK]})).json()
    token = (await exchange(client, registered, await _code(state, registered))).json()["access_token"]
    code = await _code(state, registered)
    clock.advance(101)
    response = await exchange(client, registered, code)
    assert (response.status_code, response.json()["error"]) == (400, "expired_client")
    info = await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert (info.status_code, info.json()["error"]) == (400, "expired_client")


async def test_refresh_token_only_with_offline_access_and_rotation(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    registered = await create_client(client)
    assert "refresh_token" not in (await exchange(client, registered, await _code(state, registered))).json()
    first = (await exchange(client, registered, await _code(state, registered, scope="openid offline_access"))).json()
    assert first["refresh_expires_in"] == 900
    base = {
        "grant_type": "refresh_token",
        "client_id": registered["client_id"],
        "client_secret": registered["client_secret"],
    }
    second = await client.post(TOKEN, data=base | {"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    old = await client.post(TOKEN, data=base | {"refresh_token": first["refresh_token"]})
    assert old.json()["error"] == "invalid_grant"  # rotated
    # the previous access token was replaced on the same row
    stale = await client.get(USERINFO, headers={"Authorization": f"Bearer {first['access_token']}"})
    assert stale.status_code == 400


async def test_provide_refresh_token_always(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.set_app_value("oidc", "provide_refresh_token_always", "true")
    registered = await create_client(client)
    assert "refresh_token" in (await exchange(client, registered, await _code(state, registered))).json()


async def test_refresh_token_lifetime_counts_from_the_access_token_expiry(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    """refreshed = issue + expire_time, checked as now > refreshed + refresh_expire_time."""
    registered = await create_client(client)
    body = (await exchange(client, registered, await _code(state, registered, scope="openid offline_access"))).json()
    data = {
        "grant_type": "refresh_token",
        "refresh_token": body["refresh_token"],
        "client_id": registered["client_id"],
        "client_secret": registered["client_secret"],
    }
    clock.advance(1800)  # expire_time + refresh_expire_time
    assert (await client.post(TOKEN, data=data)).status_code == 200
    clock.advance(2 * 1800 + 1)
    data["refresh_token"] = (await client.post(TOKEN, data=data)).json().get("refresh_token", "")
    assert data["refresh_token"] == ""


async def test_access_token_lives_twice_expire_time(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    """The token endpoint stores refreshed = now + expire_time; validity is now <= refreshed + expire_time.
    (user_oidc's bearer validation is off here: it would delete the expired row before the controller runs.)"""
    state.config.set_user_oidc("oidc_provider_bearer_validation", False)
    registered = await create_client(client)
    token = (await exchange(client, registered, await _code(state, registered))).json()["access_token"]
    clock.advance(1800)
    assert (await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})).status_code == 200
    clock.advance(1)
    expired = await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert expired.json() == {"error": "invalid_grant", "error_description": "Access token already expired."}


async def test_jwt_access_token_claims(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client, token_type="jwt")
    body = await token_for(build_app(state), client, registered, scope="openid profile email notes:read")
    header = jwt.get_unverified_header(body["access_token"])
    kid = (await client.get("/index.php/apps/oidc/jwks")).json()["keys"][0]["kid"]
    assert header == {"typ": "at+JWT", "alg": "RS256", "kid": kid}
    claims = await jwks_decode(client, body["access_token"])
    assert list(claims)[:12] == [
        "iss", "sub", "aud", "exp", "auth_time", "iat", "acr", "client_id", "azp", "preferred_username", "scope", "jti",
    ]  # fmt: skip
    assert "nbf" not in claims
    assert claims["iss"] == "http://nc.test" and claims["sub"] == "alice" and claims["acr"] == "0"
    assert claims["aud"] == registered["client_id"] == claims["client_id"] == claims["azp"]
    assert claims["exp"] == claims["iat"] + 900 == T0 + 900
    assert claims["scope"] == "openid profile email notes:read" and claims["jti"].isdigit()
    assert claims["name"] == "Alice A." and claims["given_name"] == "Alice" and claims["family_name"] == "A."
    assert claims["picture"] == "http://nc.test/avatar/alice/64"
    assert claims["email"] == "alice@example.org" and claims["email_verified"] is False


@pytest.mark.parametrize(
    ("resource_url", "resource", "expected"),
    [
        (None, "http://127.0.0.1:9/mcp", "http://127.0.0.1:9/mcp"),
        ("http://127.0.0.1:8/rs", None, "http://127.0.0.1:8/rs"),
        ("http://127.0.0.1:8/rs", "http://127.0.0.1:9/mcp", "http://127.0.0.1:9/mcp"),
        (None, None, "client_id"),
    ],
)
async def test_jwt_audience(
    state: FakeState, client: httpx2.AsyncClient, resource_url: str | None, resource: str | None, expected: str
) -> None:
    """aud = the `resource` parameter, else the client's resource_url, else the client id."""
    spec: dict[str, Any] = {"token_type": "jwt"} | ({"resource_url": resource_url} if resource_url else {})
    registered = await create_client(client, **spec)
    extra = {"resource": resource} if resource else {}
    body = await token_for(build_app(state), client, registered, **extra)
    claims = await jwks_decode(client, body["access_token"])
    assert claims["aud"] == (registered["client_id"] if expected == "client_id" else expected)


async def test_id_token(state: FakeState, client: httpx2.AsyncClient) -> None:
    """aud = client id, nonce echoed; from the token endpoint no at_hash and no scope claims (since 2.0.0)."""
    registered = await create_client(client)
    body = await token_for(build_app(state), client, registered, nonce="n-0S6", scope="openid profile")
    assert jwt.get_unverified_header(body["id_token"])["typ"] == "JWT"
    claims = await jwks_decode(client, body["id_token"], audience=registered["client_id"])
    assert set(claims) == {"iss", "sub", "aud", "exp", "auth_time", "iat", "acr", "azp", "nbf", "jti", "nonce"}
    assert claims["nonce"] == "n-0S6" and claims["azp"] == registered["client_id"]


async def test_hs256_client_signs_with_its_secret(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client, algorithm="HS256", token_type="jwt")
    body = await token_for(build_app(state), client, registered)
    options: Options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False}
    claims = jwt.decode(body["access_token"], registered["client_secret"], algorithms=["HS256"], options=options)
    assert claims["sub"] == "alice"


async def test_default_token_type_applies_to_control_clients(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.set_app_value("oidc", "default_token_type", "jwt")
    assert (await create_client(client))["token_type"] == "jwt"


async def test_with_bearer_validation_an_expired_token_is_already_gone_at_userinfo(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    """user_oidc runs during login, before the controller: TokenValidationRequestListener deletes the expired
    row, so UserInfo reports "Could not find provided bearer token" instead of "Access token already expired"."""
    registered = await create_client(client)
    token = (await exchange(client, registered, await _code(state, registered))).json()["access_token"]
    clock.advance(1801)
    response = await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"error": "invalid_request", "error_description": "Could not find provided bearer token."}


async def test_hybrid_and_implicit_responses_use_the_fragment(state: FakeState, client: httpx2.AsyncClient) -> None:
    """Clients with flow `code id_token`: the authorization response goes into the fragment; its ID token has
    `c_hash` (hybrid) or `at_hash` + scope claims (implicit `id_token token`); `nonce` is required."""
    registered = await create_client(client, flow="code id_token")
    base = auth_params(registered, scope="openid profile")
    async with Browser(build_app(state)) as browser:
        await browser.authorize(auth_params(registered))
        missing = await browser.request(
            "GET", f"/index.php/apps/oidc/authorize?{urlencode(base | {'response_type': 'id_token'})}"
        )
        assert "error=invalid_request&error_description=Missing%20nonce" in missing.headers["location"]
        hybrid = await browser.request(
            "GET",
            f"/index.php/apps/oidc/authorize?{urlencode(base | {'response_type': 'code id_token', 'nonce': 'n1'})}",
        )
        fragment = dict(parse_qsl(urlsplit(hybrid.headers["location"]).fragment))
        assert set(fragment) == {"state", "code", "id_token"}
        claims = await jwks_decode(client, fragment["id_token"])
        assert "c_hash" in claims and "at_hash" not in claims and "name" not in claims
        implicit = await browser.request(
            "GET",
            f"/index.php/apps/oidc/authorize?{urlencode(base | {'response_type': 'id_token token', 'nonce': 'n2'})}",
        )
    fragment = dict(parse_qsl(urlsplit(implicit.headers["location"]).fragment))
    assert {"access_token", "token_type", "expires_in", "scope", "id_token"} <= set(fragment)
    claims = await jwks_decode(client, fragment["id_token"])
    assert "at_hash" in claims and claims["name"] == "Alice A." and claims["preferred_username"] == "alice"


async def test_implicit_needs_a_client_allowing_it(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(auth_params(registered, response_type="id_token", nonce="n"))
    assert "error=unsupported_response_type" in callback
