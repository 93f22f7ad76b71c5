"""provisioning_api user search and group list (validated against provisioning_api.json)."""

from __future__ import annotations

import httpx2
import pytest

from support.fake_support import ADMIN, ALICE, OCS_HEADERS
from support.openapi import validate_nullable as validate

pytestmark = pytest.mark.anyio


async def test_admin_searches_users(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/users", params={"search": "b"}, headers=OCS_HEADERS, auth=ADMIN)
    validate("provisioning_api.json", response)
    assert response.json()["ocs"]["data"]["users"] == ["b0b"]
    everyone = await client.get("/ocs/v2.php/cloud/users", params={"limit": 2}, headers=OCS_HEADERS, auth=ADMIN)
    assert everyone.json()["ocs"]["data"]["users"] == ["admin", "alice"]


async def test_non_admin_gets_empty_list(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/users", params={"search": "b"}, headers=OCS_HEADERS, auth=ALICE)
    assert response.status_code == 200
    assert response.json()["ocs"]["data"]["users"] == []


async def test_users_details_and_groups(client: httpx2.AsyncClient) -> None:
    details = await client.get(
        "/ocs/v2.php/cloud/users/details", params={"search": "ali"}, headers=OCS_HEADERS, auth=ADMIN
    )
    validate("provisioning_api.json", details)
    assert details.json()["ocs"]["data"]["users"]["alice"]["displayname"] == "Alice A."
    groups = await client.get("/ocs/v2.php/cloud/groups", headers=OCS_HEADERS, auth=ALICE)
    validate("provisioning_api.json", groups)
    assert groups.json()["ocs"]["data"]["groups"] == ["admin"]


async def test_get_user_by_id_still_works(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/users/alice", headers=OCS_HEADERS, auth=ALICE)
    assert response.json()["ocs"]["data"]["id"] == "alice"
