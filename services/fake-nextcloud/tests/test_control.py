"""The ``/__testbed__`` control API: reset, users, seeding, apps, clock, faults and the request log."""

from __future__ import annotations

import base64

import httpx2
import pytest

from fake_nextcloud import ConnectionDropped, FakeState, build_app
from support.fake_support import ALICE, ALICE_APP_PASSWORD, NOTES, OCS_HEADERS, T0

pytestmark = pytest.mark.anyio

CONTROL = "/__testbed__"


async def test_reset_restores_initial_users_and_clears_everything(state: FakeState, client: httpx2.AsyncClient) -> None:
    await client.post(f"{NOTES}/notes", json={"title": "t"}, auth=ALICE)
    await client.post(f"{CONTROL}/users", json={"login": "carol", "password": "pw"})
    await client.post(f"{CONTROL}/faults", json={"path": "^/status", "action": {"status": 500}})
    state.disable_app("notes")
    assert (await client.post(f"{CONTROL}/reset")).json() == {"status": "ok"}
    assert sorted(state.users) == ["admin", "alice", "b0b"]
    assert state.app_enabled("notes")
    assert (await client.get("/status.php")).status_code == 200
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).json() == []
    assert [r["path"] for r in (await client.get(f"{CONTROL}/requests")).json()["requests"]] == [
        "/status.php",
        f"{NOTES}/notes",
    ]


async def test_add_user_with_login_name_uid_and_app_password(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        f"{CONTROL}/users",
        json={"login": "carol@ldap", "uid": "c4r0l", "password": "pw", "app_passwords": ["carol-app"], "quota": "1 KB"},
    )
    assert response.status_code == 201
    assert response.json() == {
        "uid": "c4r0l",
        "login": "carol@ldap",
        "display_name": "c4r0l",
        "email": None,
        "groups": [],
        "quota": 1024,
        "language": "en",
        "app_passwords": 1,
    }
    me = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("carol@ldap", "carol-app"))
    assert me.json()["ocs"]["data"]["id"] == "c4r0l"
    users = (await client.get(f"{CONTROL}/users")).json()["users"]
    assert "pw" not in str(users)


async def test_seed_notes_with_readonly_flag_category_and_modified(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        f"{CONTROL}/seed/notes",
        json={
            "user": "bob@corp",
            "notes": [
                {"title": "Shared", "content": "x", "category": "team", "readonly": True, "modified": 1234},
                {"title": "Shared", "category": "team"},
            ],
        },
    )
    assert response.status_code == 201
    notes = response.json()["notes"]
    assert [(n["title"], n["category"], n["readonly"], n["modified"]) for n in notes] == [
        ("Shared", "team", True, 1234),
        ("Shared (2)", "team", False, T0),
    ]
    listed = await client.get(f"{NOTES}/notes", auth=("bob@corp", "bob-secret"))
    assert {n["id"] for n in listed.json()} == {n["id"] for n in notes}


async def test_seed_for_unknown_user_is_404(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{CONTROL}/seed/notes", json={"user": "nobody", "notes": []})
    assert response.status_code == 404


async def test_apps_can_be_disabled_and_enabled(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{CONTROL}/apps", json={"disable": ["notes"]})
    assert "notes" not in response.json()["enabled"]
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).status_code == 404
    await client.post(f"{CONTROL}/apps", json={"enable": ["notes"]})
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).status_code == 200
    assert (await client.post(f"{CONTROL}/apps", json={"enable": ["nope"]})).status_code == 404


async def test_clock_can_be_set_and_advanced(client: httpx2.AsyncClient) -> None:
    assert (await client.post(f"{CONTROL}/clock", json={"set": 2_000_000_000})).json() == {"now": 2_000_000_000}
    assert (await client.post(f"{CONTROL}/clock", json={"advance": 5})).json() == {"now": 2_000_000_005}
    note = await client.post(f"{NOTES}/notes", json={"title": "t"}, auth=ALICE)
    assert note.json()["modified"] == 2_000_000_005


async def test_server_version_and_maintenance(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{CONTROL}/server", json={"version": "33.0.7", "maintenance": False})
    assert response.json()["version"] == "33.0.7.1"
    assert (await client.get("/status.php")).json()["versionstring"] == "33.0.7"


async def test_fault_latency_delays_the_answer(client: httpx2.AsyncClient) -> None:
    await client.post(f"{CONTROL}/faults", json={"path": "^/status\\.php$", "action": {"latency_ms": 60}, "times": 1})
    assert (await client.get("/status.php")).status_code == 200
    assert (await client.get("/status.php")).status_code == 200
    records = (await client.get(f"{CONTROL}/requests")).json()["requests"]
    assert records[0]["duration_ms"] >= 60
    assert records[0]["fault"] is not None
    assert records[1]["fault"] is None


async def test_fault_status_with_retry_after_and_body(client: httpx2.AsyncClient) -> None:
    rule = await client.post(
        f"{CONTROL}/faults",
        json={
            "method": "GET",
            "path": "/apps/notes/api/v1/notes$",
            "action": {"status": 503, "body": {"message": "busy"}, "headers": {"Retry-After": "7"}},
            "times": 2,
        },
    )
    assert rule.status_code == 201
    for _ in range(2):
        response = await client.get(f"{NOTES}/notes", auth=ALICE)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "7"
        assert response.json() == {"message": "busy"}
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).status_code == 200
    faults = (await client.get(f"{CONTROL}/faults")).json()["faults"]
    assert faults[0]["hits"] == 2
    assert faults[0]["times"] == 0


async def test_fault_can_target_one_user_by_login_or_uid(client: httpx2.AsyncClient) -> None:
    await client.post(f"{CONTROL}/faults", json={"path": "notes", "user": "b0b", "action": {"status": 429}})
    assert (await client.get(f"{NOTES}/notes", auth=("bob@corp", "bob-secret"))).status_code == 429
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).status_code == 200
    assert (await client.delete(f"{CONTROL}/faults")).json() == {"deleted": 1}
    assert (await client.get(f"{NOTES}/notes", auth=("bob@corp", "bob-secret"))).status_code == 200


async def test_fault_drop_connection_in_process_raises(client: httpx2.AsyncClient) -> None:
    """In-process there is no socket: the app raises ConnectionDropped (over TCP the connection is
    aborted instead; see test_cli.py)."""
    await client.post(f"{CONTROL}/faults", json={"path": "^/status", "action": {"drop": True}, "times": 1})
    with pytest.raises(ConnectionDropped):
        await client.get("/status.php")
    assert (await client.get("/status.php")).status_code == 200
    record = (await client.get(f"{CONTROL}/requests")).json()["requests"][0]
    assert record["dropped"] is True
    assert record["status"] is None


async def test_invalid_fault_is_rejected(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{CONTROL}/faults", json={"path": "(", "action": {"status": 500}})
    assert response.status_code == 400
    response = await client.post(f"{CONTROL}/faults", json={"path": "x", "action": {"status": 999}})
    assert response.status_code == 400


async def test_request_log_has_method_path_status_user_and_no_secrets(client: httpx2.AsyncClient) -> None:
    await client.get(f"{NOTES}/notes", auth=("alice", ALICE_APP_PASSWORD))
    await client.get(f"{NOTES}/notes", params={"access_token": "tok-123", "category": "x"}, auth=ALICE)
    await client.get(f"{NOTES}/notes", auth=("alice", "wrong-password"))
    response = await client.get(f"{CONTROL}/requests")
    text = response.text
    for secret in (
        ALICE_APP_PASSWORD,
        "secret",
        "wrong-password",
        "tok-123",
        base64.b64encode(b"alice:secret").decode(),
    ):
        assert secret not in text
    records = response.json()["requests"]
    assert [(r["method"], r["path"], r["status"], r["user"]) for r in records] == [
        ("GET", f"{NOTES}/notes", 200, "alice"),
        ("GET", f"{NOTES}/notes", 200, "alice"),
        ("GET", f"{NOTES}/notes", 401, None),
    ]
    assert records[1]["query"] == "access_token=%2A%2A%2A&category=x"
    await client.delete(f"{CONTROL}/requests")
    assert (await client.get(f"{CONTROL}/requests")).json() == {"requests": []}


async def test_control_api_can_be_left_out(state: FakeState) -> None:
    transport = httpx2.ASGITransport(app=build_app(state, control=False))
    async with httpx2.AsyncClient(transport=transport, base_url="http://nc.test") as http:
        assert (await http.post(f"{CONTROL}/reset")).status_code == 404
        assert (await http.get("/status.php")).status_code == 200


async def test_control_rejects_invalid_json(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{CONTROL}/users", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "invalid JSON" in response.json()["error"]
