"""Notifications OCS API of the fake (nextcloud/notifications v34.0.2 lib/Controller/EndpointController.php),
validated against ``notifications.json`` (that tag's ``openapi.json``), and the notifications other apps create."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState
from fake_nextcloud.apps.files_sharing.models import SharingBackend
from support.fake_support import ADMIN, ALICE, BOB, T0
from support.openapi import validate as validate_spec

pytestmark = pytest.mark.anyio
API = "/ocs/v2.php/apps/notifications/api/v2/notifications"
H = {"OCS-APIRequest": "true", "Accept": "application/json"}
SPEC = "notifications.json"
RICH = {"file": {"type": "file", "id": "7", "name": "a.txt", "path": "Docs/a.txt"}}
ACTION = {"label": "Open", "link": "https://nc.test/x", "type": "WEB", "primary": True}


def _empty_as_object(node: Any) -> Any:
    if isinstance(node, list):
        return [_empty_as_object(n) for n in node]
    if not isinstance(node, dict):
        return node
    rich = ("subjectRichParameters", "messageRichParameters")
    return {k: {} if k in rich and v == [] else _empty_as_object(v) for k, v in node.items()}


def validate(spec: str, response: httpx2.Response) -> None:
    """Against the spec, except for one documented deviation: PHP's ``json_encode`` sends an empty rich parameter
    list as ``[]`` where ``RichObjectParameters`` says object (``INotification::getRichSubjectParameters(): array``)."""
    if response.status_code in (204, 304) or not response.content:
        validate_spec(spec, response)
        return
    body = json.dumps(_empty_as_object(response.json())).encode()
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    validate_spec(spec, httpx2.Response(response.status_code, headers=headers, content=body, request=response.request))


async def _seed(client: httpx2.AsyncClient, user: str, *specs: dict[str, Any]) -> list[int]:
    response = await client.post("/__testbed__/seed/notifications", json={"user": user, "notifications": list(specs)})
    assert response.status_code == 201, response.text
    ids: list[int] = response.json()["notifications"]
    return ids


async def _get(client: httpx2.AsyncClient, path: str = "", auth: Any = ALICE, **kw: Any) -> httpx2.Response:
    return await client.get(API + path, auth=auth, headers={**H, **kw.pop("headers", {})}, **kw)


async def test_list_get_and_the_rich_format(client: httpx2.AsyncClient) -> None:
    first, second = await _seed(
        client, "alice",
        {"subject": "Backup of {file} done", "subject_parameters": RICH, "message": "All good", "time": T0},
        {"subject": "Call", "app": "spreed", "message": "{file} shared", "message_parameters": RICH,
         "actions": [ACTION], "link": "https://nc.test/call", "time": T0 + 60},
    )  # fmt: skip
    listed = await _get(client)
    assert listed.status_code == 200 and listed.headers["X-Nextcloud-User-Status"] == "online"
    validate(SPEC, listed)
    data = listed.json()["ocs"]["data"]
    assert [n["notification_id"] for n in data] == [second, first]  # newest id first
    admin = data[1]
    assert admin["app"] == "admin_notifications" and admin["subject"] == "Backup of Docs/a.txt done"  # richToParsed
    assert admin["subjectRich"] == "Backup of {file} done" and admin["subjectRichParameters"] == RICH
    assert admin["message"] == "All good" and admin["datetime"] == "2023-11-14T22:13:20+00:00"
    assert admin["object_type"] == "admin_notifications" and admin["object_id"] == format(T0, "x")
    call = data[0]
    assert (
        call["actions"] == [ACTION]
        and call["link"] == "https://nc.test/call"
        and call["message"] == "Docs/a.txt shared"
    )
    assert call["subjectRichParameters"] == []  # json_encode([]) of an empty parameter list
    one = await _get(client, f"/{first}")
    validate(SPEC, one)
    assert one.json()["ocs"]["data"] == admin
    v1 = await client.get(API.replace("/v2/", "/v1/"), auth=ALICE, headers=H)
    assert "subjectRich" not in v1.json()["ocs"]["data"][0] and "ETag" not in v1.headers


async def test_etag_and_not_modified(client: httpx2.AsyncClient) -> None:
    await _seed(client, "alice", {"subject": "one"})
    listed = await _get(client)
    assert (await _get(client, headers={"If-None-Match": listed.headers["ETag"]})).status_code == 304
    await _seed(client, "alice", {"subject": "two"})
    assert (await _get(client, headers={"If-None-Match": listed.headers["ETag"]})).status_code == 200


async def test_at_most_25_newest(client: httpx2.AsyncClient) -> None:
    ids = await _seed(client, "alice", *({"subject": f"n{i}"} for i in range(30)))
    data = (await _get(client)).json()["ocs"]["data"]
    assert [n["notification_id"] for n in data] == ids[::-1][:25]


async def test_unknown_and_foreign_ids_and_deletes(client: httpx2.AsyncClient) -> None:
    (mine,) = await _seed(client, "alice", {"subject": "mine"})
    (bobs,) = await _seed(client, "bob@corp", {"subject": "bob's"})
    for path in (f"/{bobs}", "/999", "/0"):
        missing = await _get(client, path)
        assert missing.status_code == 404 and missing.json()["ocs"]["data"] is None
        validate(SPEC, missing)
    assert (await _get(client, "/abc")).status_code == 404  # 'id' => '\d+': no route
    assert (await client.get(API.replace("/v2/", "/v3/"), auth=ALICE, headers=H)).status_code == 404
    foreign = await client.delete(f"{API}/{bobs}", auth=ALICE, headers=H)
    assert foreign.status_code == 200 and foreign.json()["ocs"]["data"] == []  # swallowed, nothing deleted
    validate(SPEC, foreign)
    assert (await _get(client, f"/{bobs}", auth=BOB)).status_code == 200
    assert (await client.delete(f"{API}/0", auth=ALICE, headers=H)).status_code == 404
    exists = await client.post(f"{API}/exists", auth=ALICE, headers=H, json={"ids": [mine, bobs, "x", mine]})
    validate(SPEC, exists)
    assert exists.json()["ocs"]["data"] == [mine]
    too_many = await client.post(f"{API}/exists", auth=ALICE, headers=H, json={"ids": list(range(1, 202))})
    assert too_many.status_code == 400
    assert (await client.delete(f"{API}/{mine}", auth=ALICE, headers=H)).status_code == 200
    assert (await _get(client, f"/{mine}")).status_code == 404
    await _seed(client, "alice", {"subject": "a"}, {"subject": "b"})
    cleared = await client.delete(API, auth=ALICE, headers=H)
    validate(SPEC, cleared)
    assert (await _get(client)).json()["ocs"]["data"] == []
    assert len((await _get(client, auth=BOB)).json()["ocs"]["data"]) == 1  # bob's untouched


async def test_capability_and_disabled_app(client: httpx2.AsyncClient, state: FakeState) -> None:
    caps = await client.get("/ocs/v2.php/cloud/capabilities", auth=ALICE, headers=H)
    assert "delete-all" in caps.json()["ocs"]["data"]["capabilities"]["notifications"]["ocs-endpoints"]
    await _seed(client, "alice", {"subject": "x"})
    state.disable_app("notifications")
    caps = await client.get("/ocs/v2.php/cloud/capabilities", auth=ALICE, headers=H)
    assert "notifications" not in caps.json()["ocs"]["data"]["capabilities"]
    assert (await _get(client)).status_code == 404
    assert (await client.get(API, headers=H)).status_code == 401  # not logged in


async def test_notifications_of_a_disabled_app_are_hidden(client: httpx2.AsyncClient, state: FakeState) -> None:
    (row,) = await _seed(client, "alice", {"subject": "card", "app": "deck", "actions": [ACTION]})
    state.disable_app("deck")
    assert (await _get(client)).json()["ocs"]["data"] == [] and (await _get(client, f"/{row}")).status_code == 404
    state.enable_app("deck")  # IncompleteParsedNotificationException skipped it; the row stayed
    assert [n["notification_id"] for n in (await _get(client)).json()["ocs"]["data"]] == [row]


async def test_pending_share_notifies_the_recipient(client: httpx2.AsyncClient, state: FakeState) -> None:
    SharingBackend.of(state).accept_required = True
    await client.request("MKCOL", "/remote.php/dav/files/alice/Shared", auth=ALICE)
    share = await client.post(
        "/ocs/v2.php/apps/files_sharing/api/v1/shares", auth=ALICE, headers=H,
        json={"path": "/Shared", "shareType": 0, "shareWith": "b0b"},
    )  # fmt: skip
    share_id = share.json()["ocs"]["data"]["id"]
    data = (await _get(client, auth=BOB)).json()["ocs"]["data"]
    assert len(data) == 1 and data[0]["app"] == "files_sharing" and data[0]["object_id"] == f"ocinternal:{share_id}"
    assert data[0]["subject"] == "You received /Shared as a share by @Alice A."
    accept, decline = data[0]["actions"]
    assert (accept["label"], accept["type"], accept["primary"]) == ("Accept", "POST", True)
    assert accept["link"].endswith(f"/ocs/v2.php/apps/files_sharing/api/v1/shares/pending/{share_id}")
    assert (decline["label"], decline["type"]) == ("Decline", "DELETE")
    assert (await _get(client)).json()["ocs"]["data"] == []  # alice (the sharer) gets none
    await client.post(f"/ocs/v2.php/apps/files_sharing/api/v1/shares/pending/{share_id}", auth=BOB, headers=H)
    assert (await _get(client, auth=BOB)).json()["ocs"]["data"] == []  # AlreadyProcessedException: gone
    assert (await _get(client, f"/{data[0]['notification_id']}", auth=BOB)).status_code == 404


async def test_deck_assignment_and_board_share(client: httpx2.AsyncClient) -> None:
    seeded = await client.post(
        "/__testbed__/seed/deck",
        json={"user": "alice", "boards": [{"title": "Plan", "stacks": [{"title": "Do", "cards": [{"title": "C"}]}]}]},
    )
    board = seeded.json()["boards"][0]
    card = board["stacks"][0]["cards"][0]
    ocs = "/ocs/v2.php/apps/deck/api/v1.0"
    await client.post(f"{ocs}/boards/{board['id']}/acl", auth=ALICE, headers=H, json={
        "type": 0, "participant": "b0b", "permissionEdit": True, "permissionShare": False, "permissionManage": False,
    })  # fmt: skip
    for user in ("b0b", "alice"):
        assigned = await client.post(f"{ocs}/cards/{card}/assign", auth=ALICE, headers=H, json={"userId": user})
        assert assigned.status_code == 200, assigned.text
    listed = await _get(client, auth=BOB)
    validate(SPEC, listed)
    assigned, shared = listed.json()["ocs"]["data"]
    assert assigned["subject"] == 'The card "C" on "Plan" has been assigned to you by Alice A..'  # sprintf('… by %s.')
    assert assigned["subjectRichParameters"]["deck-card"]["stackname"] == "Do"
    assert assigned["link"].endswith(f"/index.php/apps/deck/#/board/{board['id']}/card/{card}")
    assert shared["subject"] == 'The board "Plan" has been shared with you by Alice A..'
    assert (await _get(client)).json()["ocs"]["data"] == []  # assigning oneself notifies nobody
    await client.put(f"{ocs}/cards/{card}/unassign", auth=ALICE, headers=H, json={"userId": "b0b"})
    assert [n["object_type"] for n in (await _get(client, auth=BOB)).json()["ocs"]["data"]] == ["board"]


async def test_seed_errors(client: httpx2.AsyncClient) -> None:
    unknown = await client.post("/__testbed__/seed/notifications", json={"user": "nobody", "notifications": []})
    assert unknown.status_code == 404
    bad = await client.post("/__testbed__/seed/notifications", json={"user": "alice", "notifications": [{}]})
    assert bad.status_code == 400
    admin = await _seed(client, "admin", {"subject": "for admin"})
    assert (await _get(client, f"/{admin[0]}", auth=ADMIN)).status_code == 200
