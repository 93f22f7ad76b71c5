"""user_oidc Bearer login: tokens of the fake's own oidc app (TokenValidationRequestListener), the #[CORS]
problem and the Bearer patch, and an external provider validated like SelfEncodedValidator."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import jwt
import pytest

from fake_nextcloud import FakeState, ManualClock, build_app
from support.fake_oidc import CALLBACK, create_client, exchange, token_for
from support.fake_support import ALICE_APP_PASSWORD, NOTES, T0
from support.jwks_idp import Idp, public_jwk, rsa_key, running_idp

pytestmark = pytest.mark.anyio
CLOUD_USER = "/ocs/v2.php/cloud/user"
JSON = {"Accept": "application/json"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **JSON}


async def _token(state: FakeState, client: httpx2.AsyncClient, **spec: Any) -> str:
    registered = await create_client(client, **spec)
    token: str = (await token_for(build_app(state), client, registered))["access_token"]
    return token


async def _who(client: httpx2.AsyncClient, token: str) -> str | int:
    """The OCS user id, or the OCS status code when not logged in."""
    body = (await client.get(CLOUD_USER, headers=_bearer(token))).json()["ocs"]
    return body["data"]["id"] if body["meta"]["statuscode"] == 200 else int(body["meta"]["statuscode"])


@pytest.mark.parametrize("token_type", ["opaque", "jwt"])
async def test_own_tokens_log_in_on_ocs(state: FakeState, client: httpx2.AsyncClient, token_type: str) -> None:
    assert await _who(client, await _token(state, client, token_type=token_type)) == "alice"


async def test_cors_routes_need_the_bearer_patch(state: FakeState, client: httpx2.AsyncClient) -> None:
    """CORSMiddleware::beforeController logs a Bearer-authenticated "session" out and wants Basic auth
    (nextcloud/server#44365); cors-bearer-token.patch (nextcloud/server PR #55878) returns early instead."""
    token = await _token(state, client)
    assert (await client.get(f"{NOTES}/notes", headers=_bearer(token))).status_code == 200
    state.config.bearer_patch = False
    refused = await client.get(f"{NOTES}/notes", headers=_bearer(token))
    assert (refused.status_code, refused.json()) == (401, {"message": "CORS requires basic auth"})
    assert (await client.get(f"{NOTES}/notes", auth=("alice", ALICE_APP_PASSWORD))).status_code == 200
    assert await _who(client, token) == "alice"  # OCS is not #[CORS]


async def test_patch_lets_any_bearer_through_cors_but_not_past_login(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{NOTES}/notes", headers=_bearer("forged"))
    assert (response.status_code, response.json()) == (401, {"message": "Current user is not logged in"})


async def test_unknown_bearer_is_anonymous_not_a_login_failure(client: httpx2.AsyncClient) -> None:
    response = await client.get(CLOUD_USER, headers=_bearer("forged") | {"OCS-APIRequest": "true"})
    assert response.json()["ocs"]["meta"]["message"] == "Current user is not logged in"


async def test_validation_off_or_apps_disabled(state: FakeState, client: httpx2.AsyncClient) -> None:
    token = await _token(state, client)
    state.config.set_user_oidc("oidc_provider_bearer_validation", False)
    assert await _who(client, token) == 997
    state.config.set_user_oidc("oidc_provider_bearer_validation", True)
    state.disable_app("user_oidc")
    assert await _who(client, token) == 997
    state.enable_app("user_oidc")
    assert await _who(client, token) == "alice"


async def test_no_audience_scope_or_client_check(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    """Any live token of any client works - even one for another resource, whose client is expired and
    cleaned up (TokenValidationRequestListener only looks at the token row)."""
    state.config.set_app_value("oidc", "client_expire_time", "10")
    registered = (await client.post("/index.php/apps/oidc/register", json={"redirect_uris": [CALLBACK]})).json()
    token = (await token_for(build_app(state), client, registered, resource="https://other.example/"))["access_token"]
    clock.advance(11)
    await client.post("/index.php/apps/oidc/register", json={"redirect_uris": [CALLBACK]})  # cleanUp
    assert registered["client_id"] not in str((await client.get("/__testbed__/oidc/clients")).json())
    assert await _who(client, token) == "alice"


async def test_expired_token_is_refused_and_deleted(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    token = await _token(state, client)
    clock.advance(1801)
    assert await _who(client, token) == 997
    assert (await client.get("/__testbed__/oidc/tokens")).json()["tokens"] == []


async def test_id_tokens_need_preferred_username(state: FakeState, client: httpx2.AsyncClient) -> None:
    """The listener's JWT branch takes `preferred_username`, which token-endpoint ID tokens lack since 2.0.0."""
    registered = await create_client(client)
    body = await token_for(build_app(state), client, registered)
    assert await _who(client, body["id_token"]) == 997
    state.config.set_app_value("oidc", "always_include_scope_claims", "true")
    body = await token_for(build_app(state), client, registered)
    assert await _who(client, body["id_token"]) == "alice"


async def test_revoked_consent_invalidates_tokens_and_refresh(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    body = await token_for(build_app(state), client, registered, scope="openid offline_access")
    revoke = await client.post(
        "/__testbed__/oidc/tokens/revoke", json={"user": "alice", "client_id": registered["client_id"]}
    )
    assert revoke.json() == {"revoked_tokens": 1}
    assert await _who(client, body["access_token"]) == 997
    data = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]} | {
        "client_id": registered["client_id"],
        "client_secret": registered["client_secret"],
    }
    assert (await client.post("/index.php/apps/oidc/token", data=data)).json()["error"] == "invalid_grant"


async def test_code_exchange_needs_no_user_login(state: FakeState, client: httpx2.AsyncClient) -> None:
    """The token endpoint works with a Bearer header of garbage too (PublicPage, no login needed)."""
    registered = await create_client(client)
    body = await token_for(build_app(state), client, registered)
    assert body["token_type"] == "Bearer"
    assert (await exchange(client, registered, "no-such-code")).json()["error"] == "invalid_grant"


# -- external provider (occ user_oidc:provider ... --check-bearer=1) --------------------------------------------


@pytest.fixture
async def idp(state: FakeState, client: httpx2.AsyncClient) -> AsyncIterator[Idp]:
    async with running_idp() as provider:
        spec = {"identifier": "ext", "discovery_uri": provider.discovery_url, "client_id": "nextcloud"}
        assert (await client.post("/__testbed__/user_oidc/providers", json=spec)).status_code == 201
        yield provider


async def test_external_jwt_logs_in_and_provisions_the_user(
    state: FakeState, client: httpx2.AsyncClient, idp: Idp
) -> None:
    token = idp.token({"sub": "carol", "aud": "nextcloud", "name": "Carol C.", "email": "carol@example.org"}, now=T0)
    assert await _who(client, token) == "carol"
    carol = state.users["carol"]
    assert (carol.backend, carol.display_name, carol.email) == ("user_oidc", "Carol C.", "carol@example.org")
    assert await _who(client, idp.token({"sub": "alice", "aud": ["x", "nextcloud"]}, now=T0)) == "alice"  # existing
    assert idp.hits == {"discovery": 1, "jwks": 1}  # cached for an hour


@pytest.mark.parametrize(
    ("claims", "key_name", "kid"),
    [
        ({"aud": "someone-else"}, "main", "k1"),
        ({"iss": "http://127.0.0.1:1"}, "main", "k1"),
        ({"exp": T0 - 1}, "main", "k1"),
        ({"iat": T0 + 120}, "main", "k1"),
        ({"exp": None}, "main", "k1"),
        ({}, "other", "k1"),  # signed with another key
        ({}, "main", "unknown"),
        ({}, "main", None),  # firebase JWT needs a kid to pick from a key set
    ],
)
async def test_external_jwt_refused(
    client: httpx2.AsyncClient, idp: Idp, claims: dict[str, Any], key_name: str, kid: str | None
) -> None:
    token = idp.token({"sub": "alice", "aud": "nextcloud"} | claims, now=T0, key=rsa_key(2048, key_name), kid=kid)
    assert await _who(client, token) == 997


async def test_audience_check_can_be_disabled_and_missing_aud_passes(
    state: FakeState, client: httpx2.AsyncClient, idp: Idp
) -> None:
    token = idp.token({"sub": "alice", "aud": "http://127.0.0.1:18765/mcp"}, now=T0)
    assert await _who(client, token) == 997
    await client.post(
        "/__testbed__/oidc/config", json={"user_oidc": {"selfencoded_bearer_validation_audience_check": False}}
    )
    assert await _who(client, token) == "alice"
    state.config.set_user_oidc("selfencoded_bearer_validation_audience_check", True)
    assert await _who(client, idp.token({"sub": "alice"}, now=T0)) == "alice"  # neither string nor array


async def test_unique_uid_and_auto_provision(state: FakeState, client: httpx2.AsyncClient, idp: Idp) -> None:
    spec = {"identifier": "ext", "discovery_uri": idp.discovery_url, "client_id": "nextcloud", "unique_uid": True}
    await client.post("/__testbed__/user_oidc/providers", json=spec)
    uid = hashlib.sha256(b"1_0_dave").hexdigest()
    assert await _who(client, idp.token({"sub": "dave", "aud": "nextcloud"}, now=T0)) == uid
    state.config.set_user_oidc("auto_provision", False)
    assert await _who(client, idp.token({"sub": "erin", "aud": "nextcloud"}, now=T0)) == 997
    assert "erin" not in state.users


async def test_weak_keys_and_local_addresses_are_refused(
    state: FakeState, client: httpx2.AsyncClient, idp: Idp
) -> None:
    idp.keys = [public_jwk(rsa_key(1024, "weak"), "k1")]
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        weak = idp.token({"sub": "alice", "aud": "nextcloud"}, now=T0, key=rsa_key(1024, "weak"))
    assert await _who(client, weak) == 997
    state.config.system["allow_local_remote_servers"] = False
    idp.keys = [public_jwk(rsa_key(), "k1")]
    await client.post(
        "/__testbed__/user_oidc/providers",
        json={"identifier": "ext", "discovery_uri": idp.discovery_url, "client_id": "nextcloud"},
    )
    assert await _who(client, idp.token({"sub": "alice", "aud": "nextcloud"}, now=T0)) == 997
    assert idp.hits.get("jwks", 0) == 1  # only the first (weak) fetch went out


async def test_provider_reached_through_an_injected_transport(state: FakeState, client: httpx2.AsyncClient) -> None:
    """In-process tests can answer the provider's discovery/JWKS with a MockTransport (no socket at all)."""
    issuer = "https://idp.example"

    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/openid-configuration"):
            return httpx2.Response(200, json={"issuer": issuer, "jwks_uri": f"{issuer}/jwks"})
        return httpx2.Response(200, json={"keys": [public_jwk(rsa_key(), "k1")]})

    state.http_transport = httpx2.MockTransport(answer)
    spec = {"identifier": "mock", "discovery_uri": f"{issuer}/.well-known/openid-configuration", "client_id": "nc"}
    await client.post("/__testbed__/user_oidc/providers", json=spec)
    token = Idp(issuer=issuer).token({"sub": "alice", "aud": "nc"}, now=T0)
    assert await _who(client, token) == "alice"
