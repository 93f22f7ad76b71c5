"""Dynamic client registration (RFC 7591), open, as MCP clients use it."""

from __future__ import annotations

import pytest

from conformance.oauth import CALLBACK, endpoint, http_client, register
from conformance.providers import IdentityProvider

pytestmark = pytest.mark.anyio

# H2CK/oidc (lib/Controller/DynamicRegistrationController.php::registerClient): every DCR client is confidential,
# answered with `client_secret_post` whatever was asked, and only `authorization_code` as grant type
NEXTCLOUD_DCR_CLIENT = {"token_endpoint_auth_method": "client_secret_post", "grant_types": ["authorization_code"]}


async def test_public_client(idp: IdentityProvider) -> None:
    async with http_client() as http:
        client = await register(http, idp, scope="openid offline_access notes:read notes:write")
    assert client["client_id"]
    assert client["redirect_uris"] == [CALLBACK]
    if "public_clients" not in idp.features:
        assert client.get("client_secret"), client
        assert {k: client[k] for k in NEXTCLOUD_DCR_CLIENT} == NEXTCLOUD_DCR_CLIENT
        assert client["scope"] == "openid offline_access notes:read notes:write"  # the client's allowed scopes
        return
    assert not client.get("client_secret"), "a public client gets no secret"
    assert client["token_endpoint_auth_method"] == "none"
    assert set(client["grant_types"]) == {"authorization_code", "refresh_token"}


async def test_confidential_client(idp: IdentityProvider) -> None:
    async with http_client() as http:
        client = await register(http, idp, auth_method="client_secret_basic")
    assert client["client_id"] and client["client_secret"]
    if "dcr_auth_method" in idp.features:
        assert client["token_endpoint_auth_method"] == "client_secret_basic"
    else:
        assert {k: client[k] for k in NEXTCLOUD_DCR_CLIENT} == NEXTCLOUD_DCR_CLIENT
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


REDIRECT_ERRORS = {"invalid_redirect_uri", "invalid_client_metadata"}


@pytest.mark.parametrize(
    ("metadata", "errors", "nextcloud"),
    [
        ({"redirect_uris": ["http://127.0.0.1:9/cb#fragment"]}, REDIRECT_ERRORS, 201),
        ({"redirect_uris": ["not a url"]}, REDIRECT_ERRORS, 201),
        ({"redirect_uris": "http://127.0.0.1:9/cb"}, REDIRECT_ERRORS, 500),
        ({"redirect_uris": [CALLBACK], "token_endpoint_auth_method": "bogus"}, {"invalid_client_metadata"}, 201),
        ({"client_name": "no redirect URIs"}, REDIRECT_ERRORS, "no_redirect_uris_provided"),
    ],
    ids=["fragment", "not-a-url", "not-a-list", "bad-auth-method", "missing"],
)
async def test_invalid_metadata_is_refused(
    idp: IdentityProvider, metadata: dict[str, object], errors: set[str], nextcloud: int | str
) -> None:
    """`nextcloud`: what H2CK/oidc answers instead (lib/Controller/DynamicRegistrationController.php::
    registerClient): the redirect URIs are stored unchecked and the auth method is ignored (201), a string for
    the `array` parameter is a PHP TypeError (500), a missing list is a 400 with a code of its own."""
    async with http_client() as http:
        response = await http.post(endpoint(idp, "registration_endpoint"), json=metadata)
    if "dcr_metadata_validation" not in idp.features:
        if isinstance(nextcloud, int):
            assert response.status_code == nextcloud, response.text
        else:
            assert response.status_code == 400, response.text
            assert response.json()["error"] == nextcloud
        return
    assert response.status_code == 400, response.text
    assert response.json()["error"] in errors
