"""files_sharing OCS API: create/list/get/update/delete shares, pending shares, sharees (validated against
files_sharing.json)."""

from __future__ import annotations

import httpx2
import pytest

from support.fake_support import ADMIN, ALICE, BOB, OCS_HEADERS
from support.openapi import validate_nullable as validate

pytestmark = pytest.mark.anyio

SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"


@pytest.fixture
async def files(client: httpx2.AsyncClient) -> None:
    specs = [
        {"path": "Docs/report.md", "content": "# r"},
        {"path": "Docs", "folder": True},
        {"path": "a.txt", "content": "a"},
    ]
    response = await client.post("/__testbed__/seed/files", json={"user": "alice", "files": specs})
    assert response.status_code == 201


async def _create(client: httpx2.AsyncClient, **params: object) -> httpx2.Response:
    return await client.post(SHARES, headers=OCS_HEADERS, auth=ALICE, data={k: str(v) for k, v in params.items()})


@pytest.mark.usefixtures("files")
async def test_user_share_lifecycle(client: httpx2.AsyncClient) -> None:
    created = await _create(client, path="/a.txt", shareType=0, shareWith="b0b")
    assert created.status_code == 200, created.text
    validate("files_sharing.json", created)
    share = created.json()["ocs"]["data"]
    assert share["share_type"] == 0
    assert share["share_with"] == "b0b"
    assert share["share_with_displayname"] == "Bob"
    assert share["permissions"] == 19  # 31 without create/delete for a file
    assert share["path"] == "/a.txt"
    assert share["item_type"] == "file"
    listed = await client.get(SHARES, headers=OCS_HEADERS, auth=ALICE)
    validate("files_sharing.json", listed)
    assert [s["id"] for s in listed.json()["ocs"]["data"]] == [share["id"]]
    received = await client.get(SHARES, params={"shared_with_me": "true"}, headers=OCS_HEADERS, auth=BOB)
    assert [s["id"] for s in received.json()["ocs"]["data"]] == [share["id"]]
    one = await client.get(f"{SHARES}/{share['id']}", headers=OCS_HEADERS, auth=ALICE)
    validate("files_sharing.json", one)
    assert one.json()["ocs"]["data"][0]["id"] == share["id"]
    updated = await client.put(f"{SHARES}/{share['id']}", headers=OCS_HEADERS, auth=ALICE, data={"note": "hi"})
    validate("files_sharing.json", updated)
    assert updated.json()["ocs"]["data"]["note"] == "hi"
    deleted = await client.delete(f"{SHARES}/{share['id']}", headers=OCS_HEADERS, auth=ALICE)
    assert deleted.status_code == 200
    gone = await client.get(f"{SHARES}/{share['id']}", headers=OCS_HEADERS, auth=ALICE)
    assert gone.status_code == 404
    assert gone.json()["ocs"]["meta"]["message"] == "Wrong share ID, share does not exist"


@pytest.mark.usefixtures("files")
async def test_link_share_with_password_expiry_and_label(client: httpx2.AsyncClient) -> None:
    created = await _create(
        client,
        path="Docs",
        shareType=3,
        password="pw-123456",
        expireDate="2030-01-31",
        label="team",
        publicUpload="true",
    )
    validate("files_sharing.json", created)
    share = created.json()["ocs"]["data"]
    assert share["permissions"] == 15
    assert share["expiration"] == "2030-01-31 00:00:00"
    assert share["label"] == "team"
    assert share["url"] == f"http://nc.test/index.php/s/{share['token']}"
    assert len(share["token"]) == 15
    assert share["share_with_displayname"] == "(Shared link)"
    assert "pw-123456" not in created.text


@pytest.mark.usefixtures("files")
async def test_create_errors(client: httpx2.AsyncClient) -> None:
    missing = await _create(client, path="/nope.txt", shareType=0, shareWith="b0b")
    assert missing.status_code == 404
    assert missing.json()["ocs"]["meta"]["message"] == "Wrong path, file/folder does not exist"
    no_user = await _create(client, path="/a.txt", shareType=0, shareWith="ghost")
    assert no_user.status_code == 404
    bad_type = await _create(client, path="/a.txt", shareType=42)
    assert bad_type.status_code == 400
    bad_date = await _create(client, path="/a.txt", shareType=3, expireDate="31.01.2030")
    assert bad_date.status_code == 404  # OCSNotFoundException for a bad date
    assert bad_date.json()["ocs"]["meta"]["message"] == "Invalid date, date format must be YYYY-MM-DD"


@pytest.mark.usefixtures("files")
async def test_bob_cannot_share_or_see_alices_shares(client: httpx2.AsyncClient) -> None:
    created = (await _create(client, path="/a.txt", shareType=3)).json()["ocs"]["data"]
    bob_share = await client.post(SHARES, headers=OCS_HEADERS, auth=BOB, data={"path": "/a.txt", "shareType": "3"})
    assert bob_share.status_code == 404
    seen = await client.get(f"{SHARES}/{created['id']}", headers=OCS_HEADERS, auth=BOB)
    assert seen.status_code == 404


@pytest.mark.usefixtures("files")
async def test_list_by_path_and_subfiles(client: httpx2.AsyncClient) -> None:
    await _create(client, path="/Docs/report.md", shareType=0, shareWith="admin")
    await _create(client, path="/a.txt", shareType=0, shareWith="admin")
    by_path = await client.get(SHARES, params={"path": "/a.txt"}, headers=OCS_HEADERS, auth=ALICE)
    assert [s["path"] for s in by_path.json()["ocs"]["data"]] == ["/a.txt"]
    sub = await client.get(SHARES, params={"path": "/Docs", "subfiles": "true"}, headers=OCS_HEADERS, auth=ALICE)
    assert [s["path"] for s in sub.json()["ocs"]["data"]] == ["/Docs/report.md"]
    missing = await client.get(SHARES, params={"path": "/zzz"}, headers=OCS_HEADERS, auth=ALICE)
    assert missing.status_code == 404


async def test_pending_shares_empty_and_accept_unknown(client: httpx2.AsyncClient) -> None:
    pending = await client.get(f"{SHARES}/pending", headers=OCS_HEADERS, auth=BOB)
    validate("files_sharing.json", pending)
    assert pending.json()["ocs"]["data"] == []
    unknown = await client.post(f"{SHARES}/pending/999", headers=OCS_HEADERS, auth=BOB)
    assert unknown.status_code == 404


def test_validation_adapter_rejects_a_pruned_share() -> None:
    request = httpx2.Request("GET", f"http://nc.test{SHARES}")
    body = {"ocs": {"meta": {"status": "ok", "statuscode": 200, "message": "OK"}, "data": [{"id": "1"}]}}
    pruned = httpx2.Response(200, json=body, request=request)
    with pytest.raises(Exception, match=r"InvalidData|required"):
        validate("files_sharing.json", pruned)


async def test_sharees(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        "/ocs/v2.php/apps/files_sharing/api/v1/sharees",
        params={"search": "bo", "itemType": "file"},
        headers=OCS_HEADERS,
        auth=ALICE,
    )
    validate("files_sharing.json", response)
    data = response.json()["ocs"]["data"]
    assert [u["value"]["shareWith"] for u in data["users"]] == ["b0b"]
    exact = await client.get(
        "/ocs/v2.php/apps/files_sharing/api/v1/sharees", params={"search": "admin"}, headers=OCS_HEADERS, auth=ALICE
    )
    body = exact.json()["ocs"]["data"]
    assert [u["value"]["shareWith"] for u in body["exact"]["users"]] == ["admin"]
    assert [g["value"]["shareWith"] for g in body["exact"]["groups"]] == ["admin"]
    own = await client.get(
        "/ocs/v2.php/apps/files_sharing/api/v1/sharees", params={"search": "admin"}, headers=OCS_HEADERS, auth=ADMIN
    )
    assert own.json()["ocs"]["data"]["exact"]["users"] == []


@pytest.mark.usefixtures("files")
async def test_flags_are_strings_compared_with_true(client: httpx2.AsyncClient) -> None:
    """``getShares(string $shared_with_me = 'false', …, string $subfiles = 'false', string $path = '', …)`` and
    ``createShare(…, ?string $publicUpload = null, …)`` compare with ``=== 'true'``: ``1`` or ``yes`` are not
    true (these are strings, not PHP ``bool`` parameters)."""
    own = (await _create(client, path="/a.txt", shareType=0, shareWith="b0b")).json()["ocs"]["data"]
    received = await client.get(SHARES, params={"shared_with_me": "1"}, headers=OCS_HEADERS, auth=BOB)
    assert received.json()["ocs"]["data"] == []  # Bob's own shares: none
    mine = await client.get(SHARES, params={"shared_with_me": "yes"}, headers=OCS_HEADERS, auth=ALICE)
    assert [s["id"] for s in mine.json()["ocs"]["data"]] == [own["id"]]
    plain = (await _create(client, path="Docs", shareType=3)).json()["ocs"]["data"]
    link = (await _create(client, path="Docs", shareType=3, publicUpload="1")).json()["ocs"]["data"]
    assert link["permissions"] == plain["permissions"]  # publicUpload was not 'true': no upload permissions


@pytest.mark.usefixtures("files")
async def test_an_array_for_a_string_argument_is_a_type_error(client: httpx2.AsyncClient) -> None:
    """``createShare(?string $path = null, …)`` called with a JSON list: PHP's ``TypeError``, OCS 996 (HTTP 500)."""
    response = await client.post(
        SHARES, params={"format": "json"}, headers=OCS_HEADERS, auth=ALICE, json={"path": ["/a.txt"], "shareType": 3}
    )
    assert response.status_code == 500 and response.json()["ocs"]["meta"]["statuscode"] == 996
    no_path = await client.post(SHARES, headers=OCS_HEADERS, auth=ALICE, json={"shareType": 3})
    assert no_path.status_code == 404  # the default is null: the method's own "Please specify a file or folder path"


@pytest.mark.usefixtures("files")
async def test_a_received_share_is_mounted_in_the_recipients_files_until_revoked(client: httpx2.AsyncClient) -> None:
    """apps/files_sharing/lib/MountProvider.php::getMountsForUser: the share appears at /<name> for bob (uid b0b),
    one node for both users; a node the owner moves out leaves bob's tree; a revoked share unmounts."""
    bob_docs = "/remote.php/dav/files/b0b/Docs"
    assert (await client.request("PROPFIND", bob_docs, auth=BOB, headers={"Depth": "1"})).status_code == 404
    share = (await _create(client, path="/Docs", shareType=0, shareWith="b0b")).json()["ocs"]["data"]
    listed = await client.request("PROPFIND", bob_docs, auth=BOB, headers={"Depth": "1"})
    assert listed.status_code == 207 and "Docs/report.md" in listed.text
    report = await client.get(f"{bob_docs}/report.md", auth=BOB)
    assert report.status_code == 200 and report.text == "# r"
    moved = await client.request(
        "MOVE",
        "/remote.php/dav/files/alice/Docs/report.md",
        auth=ALICE,
        headers={"Destination": "http://nc.test/remote.php/dav/files/alice/report.md"},
    )
    assert moved.status_code == 201, moved.text
    assert (await client.get(f"{bob_docs}/report.md", auth=BOB)).status_code == 404
    assert (await client.get("/remote.php/dav/files/alice/report.md", auth=ALICE)).text == "# r"
    deleted = await client.delete(f"{SHARES}/{share['id']}", headers=OCS_HEADERS, auth=ALICE)
    assert deleted.status_code == 200
    assert (await client.request("PROPFIND", bob_docs, auth=BOB, headers={"Depth": "1"})).status_code == 404
