"""Control API of the oidc / user_oidc apps and the CLI flags that configure them."""

from __future__ import annotations

import argparse

import httpx2
import pytest

from fake_nextcloud import FakeState
from fake_nextcloud.cli import _parser, config_from_args
from support.fake_oidc import CALLBACK, DISCOVERY

pytestmark = pytest.mark.anyio


async def test_create_and_list_clients(client: httpx2.AsyncClient) -> None:
    spec = {
        "name": "mcp-server",
        "redirect_uris": [CALLBACK],
        "type": "public",
        "token_type": "jwt",
        "resource_url": "http://127.0.0.1:9/mcp",
        "allowed_scopes": "openid notes:read",
        "client_id": "c" * 40,
        "client_secret": "s" * 40,
    }
    created = await client.post("/__testbed__/oidc/clients", json=spec)
    assert created.status_code == 201
    assert created.json()["client_id"] == "c" * 40
    [listed] = (await client.get("/__testbed__/oidc/clients")).json()["clients"]
    assert (listed["type"], listed["token_type"], listed["resource_url"]) == ("public", "jwt", "http://127.0.0.1:9/mcp")
    duplicate = await client.post("/__testbed__/oidc/clients", json=spec)
    assert duplicate.status_code == 400


@pytest.mark.parametrize(
    "spec",
    [{"redirect_uris": []}, {"client_id": "short"}, {"client_secret": "with:colon" * 4}, {"resource_url": "nope"}],
)
async def test_client_validation(client: httpx2.AsyncClient, spec: dict[str, object]) -> None:
    body = {"name": "x", "redirect_uris": [CALLBACK]} | spec
    assert (await client.post("/__testbed__/oidc/clients", json=body)).status_code == 400


async def test_delete_client(client: httpx2.AsyncClient) -> None:
    created = (await client.post("/__testbed__/oidc/clients", json={"name": "x", "redirect_uris": [CALLBACK]})).json()
    assert (await client.delete(f"/__testbed__/oidc/clients/{created['client_id']}")).status_code == 200
    assert (await client.delete(f"/__testbed__/oidc/clients/{created['client_id']}")).status_code == 404


async def test_config_round_trip_and_reset(state: FakeState, client: httpx2.AsyncClient) -> None:
    body = {
        "expire_time": 60,
        "dynamic_client_registration": False,
        "allow_user_settings": "enabled",
        "bearer_validation": False,
        "bearer_patch": False,
        "overwritehost": "cloud.example",
        "overwriteprotocol": "https",
    }
    config = (await client.post("/__testbed__/oidc/config", json=body)).json()
    assert config["oidc"]["expire_time"] == "60" and config["oidc"]["dynamic_client_registration"] == "false"
    assert (config["bearer_validation"], config["bearer_patch"]) == (False, False)
    assert state.config.oidc_int("expire_time") == 60
    doc = (await client.get(DISCOVERY)).json()
    assert doc["issuer"] == "https://cloud.example" and "registration_endpoint" not in doc
    await client.post("/__testbed__/oidc/config", json={"overwritehost": None})
    assert (await client.get("/__testbed__/oidc/config")).json()["overwritehost"] is None
    await client.post("/__testbed__/reset")
    config = (await client.get("/__testbed__/oidc/config")).json()
    assert config["oidc"]["expire_time"] == "900" and config["bearer_patch"] is True


async def test_providers(client: httpx2.AsyncClient) -> None:
    spec = {"identifier": "ext", "discovery_uri": "http://127.0.0.1:1/.well-known/openid-configuration"}
    assert (await client.post("/__testbed__/user_oidc/providers", json=spec)).status_code == 201
    [provider] = (await client.get("/__testbed__/user_oidc/providers")).json()["providers"]
    assert provider["check_bearer"] is True and provider["unique_uid"] is False and provider["mapping_uid"] == "sub"
    assert (await client.delete("/__testbed__/user_oidc/providers/ext")).json() == {"providers": []}
    assert (await client.delete("/__testbed__/user_oidc/providers/ext")).status_code == 404


def _args(*argv: str) -> argparse.Namespace:
    return _parser().parse_args(list(argv))


def test_cli_defaults_are_the_testbed_stack() -> None:
    config = config_from_args(_args())
    assert config.oidc("dynamic_client_registration") == "true"
    assert config.user_oidc("oidc_provider_bearer_validation") is True and config.bearer_patch is True
    assert config.oidc("allow_user_settings") == "no" and config.oidc("default_token_type") == "opaque"
    assert (config.oidc_int("expire_time"), config.oidc_int("client_expire_time")) == (900, 3600)


def test_cli_flags() -> None:
    config = config_from_args(
        _args(
            "--no-dcr", "--no-bearer-validation", "--no-bearer-patch", "--consent",
            "--overwritehost", "nc.example:8443", "--overwriteprotocol", "https",
            "--oidc-token-type", "jwt", "--oidc-expire-time", "60",
            "--oidc-client-expire-time", "120", "--oidc-provider-client-id", "nextcloud", "--no-audience-check",
            "--oidc-provider", "kc=http://127.0.0.1:8080/.well-known/openid-configuration",
        )
    )  # fmt: skip
    assert config.oidc("dynamic_client_registration") == "false" and config.oidc("allow_user_settings") == "enabled"
    assert config.user_oidc("oidc_provider_bearer_validation") is False and config.bearer_patch is False
    assert config.system["overwritehost"] == "nc.example:8443" and config.system["overwriteprotocol"] == "https"
    assert (config.oidc("default_token_type"), config.oidc("expire_time"), config.oidc("client_expire_time")) == (
        "jwt",
        "60",
        "120",
    )
    [provider] = config.oidc_providers
    assert (provider.identifier, provider.client_id, provider.check_bearer) == ("kc", "nextcloud", True)
    assert config.user_oidc("selfencoded_bearer_validation_audience_check") is False


def test_cli_rejects_bad_provider() -> None:
    with pytest.raises(SystemExit):
        _args("--oidc-provider", "no-url")
