"""Dynamic client registration (RFC 7591), open, as MCP clients use it."""

from __future__ import annotations

import pytest

from conformance.oauth import CALLBACK, endpoint, http_client, register
from conformance.providers import IdentityProvider

pytestmark = pytest.mark.anyio


async def test_public_client(idp: IdentityProvider) -> None:
    async with http_client() as http:
        client = await register(http, idp, scope="openid offline_access notes:read notes:write")
    assert client["client_id"]
    assert not client.get("client_secret"), "a public client gets no secret"
    assert client["redirect_uris"] == [CALLBACK]
    assert client["token_endpoint_auth_method"] == "none"
    assert set(client["grant_types"]) == {"authorization_code", "refresh_token"}


async def test_confidential_client(idp: IdentityProvider) -> None:
    async with http_client() as http:
        client = await register(http, idp, auth_method="client_secret_basic")
    assert client["client_id"] and client["client_secret"]
    assert client["token_endpoint_auth_method"] == "client_secret_basic"
    assert client.get("client_secret_expires_at", 0) == 0 or client["client_secret_expires_at"] > 0


async def test_loopback_and_inspector_redirect_uris(idp: IdentityProvider) -> None:
    uris = ["http://localhost:6274/oauth/callback", "http://127.0.0.1:33418/callback"]
    async with http_client() as http:
        client = await register(http, idp, redirect_uris=uris)
    assert client["redirect_uris"] == uris


async def test_clients_are_distinct(idp: IdentityProvider) -> None:
    async with http_client() as http:
        first, second = await register(http, idp), await register(http, idp)
    assert first["client_id"] != second["client_id"]


@pytest.mark.parametrize(
    ("metadata", "errors"),
    [
        ({"redirect_uris": ["http://127.0.0.1:9/cb#fragment"]}, {"invalid_redirect_uri", "invalid_client_metadata"}),
        ({"redirect_uris": ["not a url"]}, {"invalid_redirect_uri", "invalid_client_metadata"}),
        ({"redirect_uris": "http://127.0.0.1:9/cb"}, {"invalid_redirect_uri", "invalid_client_metadata"}),
        ({"redirect_uris": [CALLBACK], "token_endpoint_auth_method": "bogus"}, {"invalid_client_metadata"}),
    ],
    ids=["fragment", "not-a-url", "not-a-list", "bad-auth-method"],
)
async def test_invalid_metadata_is_refused(
    idp: IdentityProvider, metadata: dict[str, object], errors: set[str]
) -> None:
    async with http_client() as http:
        response = await http.post(endpoint(idp, "registration_endpoint"), json=metadata)
    assert response.status_code == 400, response.text
    assert response.json()["error"] in errors
