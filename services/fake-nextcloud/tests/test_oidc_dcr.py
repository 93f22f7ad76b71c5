"""Dynamic client registration (RFC 7591) and client configuration management (RFC 7592)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock
from support.fake_oidc import CALLBACK, REGISTER
from support.fake_support import T0

pytestmark = pytest.mark.anyio


async def _register(client: httpx2.AsyncClient, **body: Any) -> httpx2.Response:
    return await client.post(REGISTER, json={"redirect_uris": [CALLBACK], **body})


async def test_registration_response(client: httpx2.AsyncClient) -> None:
    response = await _register(
        client, client_name="e2e", scope="openid notes:read", token_endpoint_auth_method="none",
        grant_types=["authorization_code", "refresh_token"],
    )  # fmt: skip
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == "*"
    data = response.json()
    assert list(data) == [
        "client_name", "client_id", "client_secret", "registration_access_token", "registration_client_uri",
        "redirect_uris", "token_endpoint_auth_method", "response_types", "grant_types", "id_token_signed_response_alg",
        "application_type", "client_id_issued_at", "client_secret_expires_at", "scope", "token_type",
    ]  # fmt: skip
    assert data["client_name"] == "e2e" and len(data["client_id"]) == 64 and len(data["client_secret"]) == 64
    assert data["token_endpoint_auth_method"] == "client_secret_post"  # the requested "none" is ignored
    assert data["grant_types"] == ["authorization_code"] and data["response_types"] == ["code"]
    assert data["token_type"] == "opaque" and data["scope"] == "openid notes:read"
    assert data["client_id_issued_at"] == T0 and data["client_secret_expires_at"] == T0 + 3600
    assert data["registration_client_uri"] == f"http://nc.test/index.php/apps/oidc/register/{data['client_id']}"
    clients = (await client.get("/__testbed__/oidc/clients")).json()["clients"]
    assert [(c["type"], c["dcr"]) for c in clients] == [("confidential", True)]


async def test_registration_disabled(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.set_app_value("oidc", "dynamic_client_registration", "false")
    response = await _register(client)
    assert (response.status_code, response.json()["error"]) == (400, "dynamic_registration_not_allowed")


async def test_token_type_resource_url_and_default_name(state: FakeState, client: httpx2.AsyncClient) -> None:
    data = (await _register(client, token_type="jwt", resource_url=" http://127.0.0.1:9/mcp ")).json()
    assert data["token_type"] == "jwt" and data["resource_url"] == "http://127.0.0.1:9/mcp"
    state.config.set_app_value("oidc", "default_token_type", "jwt")
    assert (await _register(client)).json()["token_type"] == "opaque"  # the PHP default parameter wins
    assert (await _register(client, token_type="JWT")).json()["token_type"] == "jwt"  # invalid -> app default
    forwarded = await client.post(REGISTER, json={"redirect_uris": [CALLBACK]}, headers={"X-Forwarded-For": "10.1.2.3"})
    assert forwarded.json()["client_name"] == "DCR-10.1.2.3"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"redirect_uris": None}, "no_redirect_uris_provided"),
        ({"redirect_uris": []}, "no_redirect_uris_provided"),
        ({"scope": "openid <script>"}, "invalid_scope"),
        ({"resource_url": "not a url"}, "invalid_resource_url"),
        ({"resource_url": "http://x/" + "a" * 600}, "invalid_resource_url"),
    ],
)
async def test_registration_errors(client: httpx2.AsyncClient, body: dict[str, Any], error: str) -> None:
    response = await _register(client, **body)
    assert (response.status_code, response.json()["error"]) == (400, error)


async def test_more_than_100_clients(client: httpx2.AsyncClient) -> None:
    """getNumDcrClients() > 100 is checked before inserting: the 101st registration still succeeds."""
    for _ in range(101):
        assert (await _register(client)).status_code == 201
    response = await _register(client)
    assert (response.status_code, response.json()["error"]) == (400, "max_num_clients_exceeded")


async def test_expired_clients_are_cleaned_up_on_registration(
    state: FakeState, clock: ManualClock, client: httpx2.AsyncClient
) -> None:
    old = (await _register(client)).json()
    clock.advance(3601)
    await _register(client)
    ids = [c["client_id"] for c in (await client.get("/__testbed__/oidc/clients")).json()["clients"]]
    assert old["client_id"] not in ids and len(ids) == 1


async def test_client_configuration_management(client: httpx2.AsyncClient) -> None:
    data = (await _register(client, client_name="first")).json()
    uri = data["registration_client_uri"].removeprefix("http://nc.test")
    auth = {"Authorization": f"Bearer {data['registration_access_token']}"}
    read = await client.get(uri, headers=auth)
    assert read.status_code == 200 and read.json()["client_name"] == "first"
    assert "registration_access_token" not in read.json()
    updated = await client.put(
        uri, headers=auth, json={"client_name": "second", "redirect_uris": ["http://127.0.0.1:2/cb"]}
    )
    assert updated.json()["redirect_uris"] == ["http://127.0.0.1:2/cb"]
    new_auth = {"Authorization": f"Bearer {updated.json()['registration_access_token']}"}
    assert (await client.get(uri, headers=auth)).status_code == 401  # rotated
    assert (await client.get(uri, headers=new_auth)).json()["client_name"] == "second"
    assert (await client.delete(uri, headers=new_auth)).status_code == 204
    assert (await client.get("/__testbed__/oidc/clients")).json()["clients"] == []


async def test_client_management_errors(client: httpx2.AsyncClient) -> None:
    one, two = (await _register(client)).json(), (await _register(client)).json()
    uri = f"/index.php/apps/oidc/register/{one['client_id']}"
    missing = await client.get(uri)
    assert (missing.status_code, missing.json()["error"]) == (401, "invalid_token")
    other = await client.get(uri, headers={"Authorization": f"Bearer {two['registration_access_token']}"})
    assert (other.status_code, other.json()["error"]) == (403, "unauthorized_client")
