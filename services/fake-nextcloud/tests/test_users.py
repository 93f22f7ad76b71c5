"""provisioning_api user search, group list and account administration (validated against provisioning_api.json
where the spec has the operation; nextcloud/server apps/provisioning_api/lib/Controller/UsersController.php,
GroupsController.php, lib/Middleware/ProvisioningApiMiddleware.php)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from support.fake_support import ADMIN, ALICE, BOB, OCS_HEADERS
from support.openapi import validate_nullable as validate

pytestmark = pytest.mark.anyio
V2 = "/ocs/v2.php/cloud"
NOT_SUBADMIN = "Logged in account must be at least a sub admin"


def _meta(response: httpx2.Response) -> tuple[int, str]:
    meta = response.json()["ocs"]["meta"]
    return int(meta["statuscode"]), str(meta["message"])


async def _ocs(client: httpx2.AsyncClient, method: str, path: str, auth: Any = ADMIN, **kw: Any) -> httpx2.Response:
    return await client.request(method, V2 + path, auth=auth, headers=OCS_HEADERS, **kw)


async def test_admin_searches_users(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{V2}/users", params={"search": "b"}, headers=OCS_HEADERS, auth=ADMIN)
    validate("provisioning_api.json", response)
    assert response.json()["ocs"]["data"]["users"] == ["b0b"]
    everyone = await client.get(f"{V2}/users", params={"limit": 2}, headers=OCS_HEADERS, auth=ADMIN)
    assert everyone.json()["ocs"]["data"]["users"] == ["admin", "alice"]


async def test_plain_users_may_not_list_users_or_groups(client: httpx2.AsyncClient) -> None:
    """``getUsers``, ``getUsersDetails`` and ``getGroups`` lack ``@NoSubAdminRequired``."""
    for path in ("/users", "/users/details", "/groups"):
        response = await _ocs(client, "GET", path, auth=ALICE)
        assert response.status_code == 403 and _meta(response) == (403, NOT_SUBADMIN), path
    v1 = await client.get("/ocs/v1.php/cloud/users", headers=OCS_HEADERS, auth=ALICE)
    assert v1.status_code == 200 and v1.json()["ocs"]["meta"]["statuscode"] == 403


async def test_users_details_and_groups(client: httpx2.AsyncClient) -> None:
    details = await client.get(f"{V2}/users/details", params={"search": "ali"}, headers=OCS_HEADERS, auth=ADMIN)
    validate("provisioning_api.json", details)
    assert details.json()["ocs"]["data"]["users"]["alice"]["displayname"] == "Alice A."
    groups = await _ocs(client, "GET", "/groups")
    validate("provisioning_api.json", groups)
    assert groups.json()["ocs"]["data"]["groups"] == ["admin"]


async def test_get_user_by_id_still_works(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{V2}/users/alice", headers=OCS_HEADERS, auth=ALICE)
    assert response.json()["ocs"]["data"]["id"] == "alice"


async def test_admin_creates_and_edits_a_user(client: httpx2.AsyncClient) -> None:
    assert (await _ocs(client, "POST", "/groups", data={"groupid": "staff"})).status_code == 200
    created = await _ocs(
        client,
        "POST",
        "/users",
        data={"userid": "carol", "password": "carol-secret", "displayName": "Carol C.", "groups[]": "staff"},
    )
    validate("provisioning_api.json", created)
    assert created.json()["ocs"]["data"] == {"id": "carol"}
    carol = ("carol", "carol-secret")
    me = await client.get(f"{V2}/user", headers=OCS_HEADERS, auth=carol)
    assert me.status_code == 200 and me.json()["ocs"]["data"]["groups"] == ["staff"]
    assert me.json()["ocs"]["data"]["displayname"] == "Carol C."
    for key, value in (("email", "Carol@Example.org"), ("quota", "1 GB"), ("phone", "+49 30 123456")):
        edited = await _ocs(client, "PUT", "/users/carol", json={"key": key, "value": value})
        assert edited.status_code == 200, (key, edited.text)
    data = (await _ocs(client, "GET", "/users/carol")).json()["ocs"]["data"]
    assert (data["email"], data["quota"]["quota"], data["phone"]) == ("carol@example.org", 1024**3, "+4930123456")
    bad = await _ocs(client, "PUT", "/users/carol", json={"key": "quota", "value": "lots"})
    assert bad.status_code == 400 and _meta(bad) == (102, "Invalid quota value lots")
    unknown_key = await _ocs(client, "PUT", "/users/carol", json={"key": "shoe_size", "value": "9"})
    assert _meta(unknown_key) == (113, "")
    again = await _ocs(client, "POST", "/users", data={"userid": "Carol", "password": "x-secret-1"})
    assert again.status_code == 400 and _meta(again) == (102, "User already exists")


async def test_add_user_errors_in_controller_order(client: httpx2.AsyncClient) -> None:
    no_group = await _ocs(client, "POST", "/users", json={"userid": "dave", "password": "pw", "groups": ["nope"]})
    assert _meta(no_group) == (104, "group nope does not exist")
    no_mail = await _ocs(client, "POST", "/users", json={"userid": "dave"})
    assert _meta(no_mail) == (108, "To send a password link to the user an email address is required.")
    bad_id = await _ocs(client, "POST", "/users", json={"userid": "da/ve", "password": "pw"})
    assert bad_id.status_code == 400 and _meta(bad_id)[0] == 101
    assert "Only the following characters are allowed" in _meta(bad_id)[1]
    admin_sub = await _ocs(client, "POST", "/users", json={"userid": "dave", "password": "pw", "subadmin": ["admin"]})
    assert _meta(admin_sub) == (103, "Cannot create subadmins for admin group")
    missing = await _ocs(client, "POST", "/users", json={"password": "pw"})
    assert missing.status_code == 500  # string $userid without default: TypeError, OCS 996
    # the language is set after the account exists: the error answers, the account stays
    lang = await _ocs(client, "POST", "/users", json={"userid": "erin", "password": "pw", "language": "xx"})
    assert _meta(lang) == (102, "Invalid language")
    assert (await _ocs(client, "GET", "/users/erin")).status_code == 200


async def test_delete_disable_and_self_protection(client: httpx2.AsyncClient) -> None:
    self_delete = await _ocs(client, "DELETE", "/users/admin")
    assert _meta(self_delete) == (101, "")
    assert (await _ocs(client, "PUT", "/users/alice/disable")).status_code == 200
    assert (await _ocs(client, "GET", "/users/alice")).json()["ocs"]["data"]["enabled"] is False
    assert (await _ocs(client, "PUT", "/users/alice/enable")).status_code == 200
    assert _meta(await _ocs(client, "PUT", "/users/ghost/disable")) == (101, "")
    forbidden = await _ocs(client, "DELETE", "/users/b0b", auth=ALICE)
    assert forbidden.status_code == 403 and _meta(forbidden) == (403, NOT_SUBADMIN)
    assert (await _ocs(client, "DELETE", "/users/b0b")).status_code == 200
    gone = await _ocs(client, "GET", "/users/b0b")
    assert gone.status_code == 404 and _meta(gone) == (404, "User does not exist")
    assert (await client.get(f"{V2}/user", headers=OCS_HEADERS, auth=BOB)).status_code == 401


async def test_groups_membership_and_admin_rules(client: httpx2.AsyncClient) -> None:
    assert _meta(await _ocs(client, "POST", "/groups", data={"groupid": ""})) == (101, "Invalid group name")
    assert (
        await _ocs(client, "POST", "/groups", data={"groupid": "team", "displayname": "The Team"})
    ).status_code == 200
    assert _meta(await _ocs(client, "POST", "/groups", data={"groupid": "team"})) == (102, "group exists")
    denied = await _ocs(client, "POST", "/groups", auth=ALICE, data={"groupid": "x"})
    assert denied.status_code == 403 and "must be an admin" in _meta(denied)[1]
    assert _meta(await _ocs(client, "POST", "/users/alice/groups", data={"groupid": "nope"})) == (102, "")
    assert _meta(await _ocs(client, "POST", "/users/ghost/groups", data={"groupid": "team"})) == (103, "")
    assert (await _ocs(client, "POST", "/users/alice/groups", data={"groupid": "team"})).status_code == 200
    members = await _ocs(client, "GET", "/groups/team")
    validate("provisioning_api.json", members)
    assert members.json()["ocs"]["data"]["users"] == ["alice"]
    details = await _ocs(client, "GET", "/groups/details")
    validate("provisioning_api.json", details)
    team = next(g for g in details.json()["ocs"]["data"]["groups"] if g["id"] == "team")
    assert (team["displayname"], team["usercount"]) == ("The Team", 1)
    assert (await _ocs(client, "DELETE", "/users/alice/groups", params={"groupid": "team"})).status_code == 200
    assert (await _ocs(client, "GET", "/groups/team")).json()["ocs"]["data"]["users"] == []  # the group stays
    me_admin = await _ocs(client, "DELETE", "/users/admin/groups", params={"groupid": "admin"})
    assert _meta(me_admin) == (105, "Cannot remove yourself from the admin group")
    assert _meta(await _ocs(client, "DELETE", "/groups/admin")) == (102, "")
    assert (await _ocs(client, "DELETE", "/groups/team")).status_code == 200
    assert _meta(await _ocs(client, "DELETE", "/groups/team")) == (101, "")


async def test_subadmin_manages_only_their_group(client: httpx2.AsyncClient) -> None:
    await _ocs(client, "POST", "/groups", data={"groupid": "sales"})
    await _ocs(client, "POST", "/groups", data={"groupid": "ops"})
    await _ocs(client, "POST", "/users/b0b/groups", data={"groupid": "sales"})
    assert (await _ocs(client, "POST", "/users/alice/subadmins", data={"groupid": "sales"})).status_code == 200
    subadmins = await _ocs(client, "GET", "/users/alice/subadmins")
    validate("provisioning_api.json", subadmins)
    assert subadmins.json()["ocs"]["data"] == ["sales"]
    not_admin = await _ocs(client, "GET", "/users/alice/subadmins", auth=ALICE)
    assert _meta(not_admin) == (403, "Logged in account must be an admin")
    assert (await _ocs(client, "GET", "/users", auth=ALICE)).json()["ocs"]["data"]["users"] == ["b0b"]
    made = await _ocs(
        client, "POST", "/users", auth=ALICE, json={"userid": "sam", "password": "pw", "groups": ["sales"]}
    )
    assert made.status_code == 200
    no_group = await _ocs(client, "POST", "/users", auth=ALICE, json={"userid": "tim", "password": "pw"})
    assert _meta(no_group) == (106, "no group specified (required for subadmins)")
    other = await _ocs(
        client, "POST", "/users", auth=ALICE, json={"userid": "tim", "password": "pw", "groups": ["ops"]}
    )
    assert _meta(other) == (105, "insufficient privileges for group ops")
    assert _meta(await _ocs(client, "POST", "/users/b0b/groups", auth=ALICE, data={"groupid": "ops"})) == (104, "")
    last = await _ocs(client, "DELETE", "/users/b0b/groups", auth=ALICE, params={"groupid": "sales"})
    assert _meta(last) == (105, "Not viable to remove user from the last group you are SubAdmin of")
    assert _meta(await _ocs(client, "DELETE", "/users/admin", auth=ALICE)) == (998, "")
    assert (await _ocs(client, "PUT", "/users/sam/disable", auth=ALICE)).status_code == 200
    assert (await _ocs(client, "GET", "/groups/ops", auth=ALICE)).status_code == 403
    removed = await _ocs(client, "DELETE", "/users/alice/subadmins", data={"groupid": "ops"})
    assert _meta(removed) == (102, "User is not a subadmin of this group")
    assert (await _ocs(client, "DELETE", "/users/alice/subadmins", data={"groupid": "sales"})).status_code == 200
    assert (await _ocs(client, "GET", "/users", auth=ALICE)).status_code == 403


async def test_edit_user_permissions(client: httpx2.AsyncClient) -> None:
    own = await _ocs(client, "PUT", "/users/alice", auth=ALICE, json={"key": "displayname", "value": "Al"})
    assert own.status_code == 200
    own_quota = await _ocs(client, "PUT", "/users/alice", auth=ALICE, json={"key": "quota", "value": "1 GB"})
    assert _meta(own_quota) == (113, "")  # only admins edit their own quota
    other = await _ocs(client, "PUT", "/users/b0b", auth=ALICE, json={"key": "displayname", "value": "B"})
    assert other.status_code == 404 and _meta(other) == (998, "")
    scope = await _ocs(client, "PUT", "/users/alice", auth=ALICE, json={"key": "phoneScope", "value": "v2-nowhere"})
    assert _meta(scope) == (101, "Invalid Invalid scope")
    bad_phone = await _ocs(client, "PUT", "/users/alice", auth=ALICE, json={"key": "phone", "value": "0301234"})
    assert _meta(bad_phone) == (101, "Invalid phone")
    password = await _ocs(client, "PUT", "/users/alice", auth=ALICE, json={"key": "password", "value": "new-secret"})
    assert password.status_code == 200
    assert (await client.get(f"{V2}/user", headers=OCS_HEADERS, auth=("alice", "new-secret"))).status_code == 200


async def test_required_arguments_are_type_errors_after_the_permission_checks(client: httpx2.AsyncClient) -> None:
    """``UsersController::editUser(string $userId, string $key, string $value)``, ``removeFromGroup(string $userId,
    string $groupid)``, ``addSubAdmin``/``removeSubAdmin(string $userId, string $groupid)``, ``GroupsController::
    addGroup(string $groupid, string $displayname = '')`` and ``updateGroup(string $groupId, string $key, string
    $value)``: the dispatcher passes ``null`` for a missing one, a ``TypeError`` that ``ocs/v2.php`` answers with
    996 / HTTP 500 (XML unless ``?format=``: ``OC_API::requestedFormat``)."""
    cases = [
        ("PUT", "/users/alice", {"key": "email"}),
        ("DELETE", "/users/alice/groups", {}),
        ("POST", "/users/alice/subadmins", {}),
        ("DELETE", "/users/alice/subadmins", {}),
        ("POST", "/groups", {"displayname": "Nameless"}),
        ("PUT", "/groups/admin", {"key": "displayname"}),
    ]
    for method, path, body in cases:
        response = await _ocs(client, method, path, params={"format": "json"}, json=body)
        assert (response.status_code, _meta(response)) == (500, (996, "Internal Server Error\n")), (method, path)
    xml = await _ocs(client, "POST", "/groups")
    assert xml.status_code == 500 and "<statuscode>996</statuscode>" in xml.text
    # beforeController (SecurityMiddleware, ProvisioningApiMiddleware) runs before executeController binds them
    assert _meta(await _ocs(client, "POST", "/users", auth=ALICE, json={})) == (403, NOT_SUBADMIN)
    assert _meta(await _ocs(client, "POST", "/users/b0b/subadmins", auth=ALICE, json={}))[0] == 403
    assert "special right" in _meta(await _ocs(client, "POST", "/groups", auth=ALICE, json={}))[1]
    # addToGroup(string $userId, string $groupid = ''): the default is there, and '' is OCS 101
    assert _meta(await _ocs(client, "POST", "/users/alice/groups")) == (101, "")


async def test_add_user_binds_php_arrays(client: httpx2.AsyncClient) -> None:
    """``addUser(…, array $groups = [], array $subadmin = [], …)``: a form body's ``groups[]=a&groups[]=b`` is one
    PHP array (``parse_str``), a JSON list or object is taken as it is, and a string is a ``TypeError``."""
    for gid in ("g1", "g2"):
        assert (await _ocs(client, "POST", "/groups", data={"groupid": gid})).status_code == 200
    form = {"userid": "zoe", "password": "zoe-secret", "groups[]": ["g1", "g2"], "subadmin[0]": "g2"}
    assert (await _ocs(client, "POST", "/users", data=form)).status_code == 200
    assert (await _ocs(client, "GET", "/users/zoe/groups")).json()["ocs"]["data"]["groups"] == ["g1", "g2"]
    assert (await _ocs(client, "GET", "/users/zoe/subadmins")).json()["ocs"]["data"] == ["g2"]
    keyed = {"userid": "yan", "password": "yan-secret", "groups": {"a": "g1"}}
    assert (await _ocs(client, "POST", "/users", json=keyed)).status_code == 200
    assert (await _ocs(client, "GET", "/users/yan/groups")).json()["ocs"]["data"]["groups"] == ["g1"]
    scalar = await _ocs(client, "POST", "/users", json={"userid": "xia", "password": "pw", "groups": "g1"})
    assert scalar.status_code == 500
    assert (await _ocs(client, "GET", "/users/xia")).status_code == 404  # nothing was created
