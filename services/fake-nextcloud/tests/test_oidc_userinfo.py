"""UserInfo (HTTP 400 errors, claims by scope) and token introspection (client auth, ownership rules)."""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock, build_app
from support.fake_oidc import INTROSPECT, USERINFO, create_client, token_for
from support.fake_support import T0

pytestmark = pytest.mark.anyio


async def _token(
    state: FakeState, client: httpx2.AsyncClient, spec: dict[str, Any] | None = None, **params: str
) -> str:
    registered = await create_client(client, **(spec or {}))
    body = await token_for(build_app(state), client, registered, **params)
    token: str = body["access_token"]
    return token


async def test_claims_by_scope(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.users["alice"].groups = ["staff"]
    state.users["alice"].quota = 5 * 1024**3
    token = await _token(state, client, scope="openid profile email roles groups")
    info = await client.post(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert info.headers["access-control-allow-origin"] == "*"
    assert info.json() == {
        "sub": "alice",
        "preferred_username": "alice",
        "scope": "openid profile email roles groups",
        "roles": ["staff"],
        "groups": ["staff"],
        "updated_at": T0,
        "name": "Alice A.",
        "family_name": "A.",
        "given_name": "Alice",
        "picture": "http://nc.test/avatar/alice/64",
        "quota": "5 GB",
        "email": "alice@example.org",
        "email_verified": False,
    }


async def test_post_body_token_and_restrictions(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.set_app_value("oidc", "restrict_user_information", "avatar")
    state.config.set_app_value("oidc", "overwrite_email_verified", "true")
    token = await _token(state, client, scope="openid profile email")
    info = (await client.post(USERINFO, data={"access_token": token})).json()
    assert "picture" not in info and info["email_verified"] is True


@pytest.mark.parametrize(
    ("headers", "description"),
    [
        ({}, "No bearer token found in request."),
        ({"Authorization": "Bearer unknown-token"}, "Could not find provided bearer token."),
    ],
)
async def test_userinfo_errors_are_400(client: httpx2.AsyncClient, headers: dict[str, str], description: str) -> None:
    response = await client.get(USERINFO, headers=headers)
    assert response.status_code == 400
    assert "www-authenticate" not in response.headers
    assert response.json() == {"error": "invalid_request", "error_description": description}


async def test_expired_token_at_userinfo(state: FakeState, clock: ManualClock, client: httpx2.AsyncClient) -> None:
    state.config.set_user_oidc("oidc_provider_bearer_validation", False)
    token = await _token(state, client)
    clock.advance(1801)
    response = await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def _creds(client: dict[str, Any]) -> dict[str, str]:
    return {"client_id": client["client_id"], "client_secret": client["client_secret"]}


async def test_introspection_client_authentication(client: httpx2.AsyncClient) -> None:
    caller = await create_client(client)
    assert (await client.post(INTROSPECT, data={"token": "x"})).status_code == 401
    wrong = await client.post(INTROSPECT, data={**_creds(caller), "client_secret": "nope", "token": "x"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    missing = await client.post(INTROSPECT, data=_creds(caller))
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    unknown = await client.post(INTROSPECT, data={**_creds(caller), "token": "unknown"})
    assert unknown.json() == {"active": False}
    basic = base64.b64encode(f"{caller['client_id']}:{caller['client_secret']}".encode()).decode()
    response = await client.post(INTROSPECT, data={"token": "unknown"}, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200  # client_secret_basic; no user login attempted (BasicAuthRequestSanitizer)


async def test_introspection_ownership(state: FakeState, client: httpx2.AsyncClient) -> None:
    """Active only for the owning client or a client whose id / resource_url equals the token's resource."""
    owner = await create_client(client)
    rs = await create_client(client, resource_url="http://127.0.0.1:9/mcp")
    stranger = await create_client(client)
    body = await token_for(
        build_app(state), client, owner, resource="http://127.0.0.1:9/mcp", scope="openid notes:read"
    )
    token = body["access_token"]
    active = (await client.post(INTROSPECT, data={**_creds(owner), "token": token})).json()
    assert active == {
        "active": True,
        "scope": "openid notes:read",
        "client_id": owner["client_id"],
        "username": "alice",
        "token_type": "Bearer",
        "exp": T0 + 2 * 900,  # refreshed (= issue + expire_time) + expire_time
        "iat": T0,
        "sub": "alice",
        "aud": owner["client_id"],  # the owning client, not the resource
    }
    assert (await client.post(INTROSPECT, data={**_creds(rs), "token": token})).json()["active"] is True
    assert (await client.post(INTROSPECT, data={**_creds(stranger), "token": token})).json() == {"active": False}
    other = (await token_for(build_app(state), client, owner, resource=stranger["client_id"]))["access_token"]
    assert (await client.post(INTROSPECT, data={**_creds(stranger), "token": other})).json()["active"] is True


async def test_introspection_of_an_expired_token(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    owner = await create_client(client)
    token = (await token_for(build_app(state), client, owner))["access_token"]
    clock.advance(1801)
    assert (await client.post(INTROSPECT, data={**_creds(owner), "token": token})).json() == {"active": False}


async def test_request_log_counts_validations_without_secrets(state: FakeState, client: httpx2.AsyncClient) -> None:
    owner = await create_client(client)
    body = await token_for(build_app(state), client, owner)
    await client.delete("/__testbed__/requests")
    await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
    await client.post(INTROSPECT, data={**_creds(owner), "token": body["access_token"]})
    await client.get(USERINFO, params={"access_token": body["access_token"], "code": "c0de"})
    log = (await client.get("/__testbed__/requests")).json()["requests"]
    assert [r["path"] for r in log] == [USERINFO, INTROSPECT, USERINFO]
    assert log[0]["user"] == "alice"  # user_oidc logged the Bearer in
    text = str(log)
    assert body["access_token"] not in text and owner["client_secret"] not in text and "c0de" not in text
