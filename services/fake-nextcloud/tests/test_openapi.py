"""The fake's responses validated against the OpenAPI specs in ``shared/nextcloud-openapi``.

Caveats (see that folder's README): ``notes.json`` marks every Note field required, so id-only entries of
``pruneBefore`` lists are not validated; the neon specs are lower bounds (extra fields are tolerated).
"""

from __future__ import annotations

import httpx2
import pytest
from openapi_core.validation.response.exceptions import InvalidData

from support.fake_support import ADMIN, ALICE, NOTES, OCS_HEADERS
from support.openapi import validate

pytestmark = pytest.mark.anyio


async def test_capabilities_match_core_spec(client: httpx2.AsyncClient) -> None:
    for auth in (ALICE, None):
        response = await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=auth)
        validate("core.json", response)


async def test_current_user_and_user_details_match_provisioning_spec(client: httpx2.AsyncClient) -> None:
    validate("provisioning_api.json", await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=ALICE))
    validate(
        "provisioning_api.json", await client.get("/ocs/v2.php/cloud/users/alice", headers=OCS_HEADERS, auth=ADMIN)
    )


async def test_notes_responses_match_notes_spec(client: httpx2.AsyncClient) -> None:
    created = await client.post(f"{NOTES}/notes", json={"title": "t", "content": "c", "category": "x"}, auth=ALICE)
    validate("notes.json", created)
    note_id = created.json()["id"]
    validate("notes.json", await client.get(f"{NOTES}/notes", auth=ALICE))
    validate("notes.json", await client.get(f"{NOTES}/notes/{note_id}", auth=ALICE))
    validate("notes.json", await client.put(f"{NOTES}/notes/{note_id}", json={"content": "new"}, auth=ALICE))
    validate("notes.json", await client.get(f"{NOTES}/settings", auth=ALICE))
    validate("notes.json", await client.put(f"{NOTES}/settings", json={"fileSuffix": ".txt"}, auth=ALICE))
    validate("notes.json", await client.delete(f"{NOTES}/notes/{note_id}", auth=ALICE))


async def test_validation_catches_a_wrong_shape(client: httpx2.AsyncClient) -> None:
    """The adapter really validates: a pruned (id-only) entry violates notes.json's Note schema."""
    created = await client.post(f"{NOTES}/notes", json={"title": "t"}, auth=ALICE)
    assert created.status_code == 200
    pruned = await client.get(f"{NOTES}/notes", params={"pruneBefore": 2_000_000_000}, auth=ALICE)
    assert pruned.json() == [{"id": created.json()["id"]}]
    with pytest.raises(InvalidData, match="not valid for schema"):
        validate("notes.json", pruned)
