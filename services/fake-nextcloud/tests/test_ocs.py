"""OCS envelopes, status mapping, format negotiation, CSRF, capabilities and user details."""

from __future__ import annotations

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.fake_support import ADMIN, ALICE, BOB, NOTES, OCS_HEADERS

pytestmark = pytest.mark.anyio


async def test_v1_success_is_http_200_with_statuscode_100(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v1.php/cloud/user", headers=OCS_HEADERS, auth=ALICE)
    assert response.status_code == 200
    assert response.json()["ocs"]["meta"] == {
        "status": "ok",
        "statuscode": 100,
        "message": "OK",
        "totalitems": "",
        "itemsperpage": "",
    }


async def test_v2_success_statuscode_equals_http_status(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=ALICE)
    assert response.status_code == 200
    assert response.json()["ocs"]["meta"] == {"status": "ok", "statuscode": 200, "message": "OK"}


async def test_v1_reports_failure_in_body_with_http_200_while_v2_uses_http_status(client: httpx2.AsyncClient) -> None:
    """Another user's details without admin rights: OCSException(998). V1: HTTP 200; V2: 404."""
    v1 = await client.get("/ocs/v1.php/cloud/users/b0b", headers=OCS_HEADERS, auth=ALICE)
    assert v1.status_code == 200
    assert v1.json()["ocs"]["meta"]["status"] == "failure"
    assert v1.json()["ocs"]["meta"]["statuscode"] == 998
    v2 = await client.get("/ocs/v2.php/cloud/users/b0b", headers=OCS_HEADERS, auth=ALICE)
    assert v2.status_code == 404
    assert v2.json()["ocs"]["meta"] == {"status": "failure", "statuscode": 998, "message": ""}
    assert v2.json()["ocs"]["data"] == []


async def test_unknown_user_is_ocs_not_found_exception(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/users/nobody", headers=OCS_HEADERS, auth=ADMIN)
    assert response.status_code == 404
    assert response.json()["ocs"]["meta"] == {"status": "failure", "statuscode": 404, "message": "User does not exist"}


async def test_own_details_via_users_endpoint_include_scopes(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/users/b0b", headers=OCS_HEADERS, auth=BOB)
    data = response.json()["ocs"]["data"]
    assert data["id"] == "b0b"
    assert data["emailScope"] == "v2-federated"
    assert "enabled" not in data  # only admins see it


async def test_admin_sees_enabled_and_storage_location(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/users/alice", headers=OCS_HEADERS, auth=ADMIN)
    data = response.json()["ocs"]["data"]
    assert data["enabled"] is True
    assert data["storageLocation"].endswith("/alice")
    assert "emailScope" not in data  # scopes only for oneself


async def test_missing_ocs_apirequest_header_fails_the_csrf_check(client: httpx2.AsyncClient) -> None:
    """SecurityMiddleware: no #[NoCSRFRequired], no OCS-APIRequest: 412 plain JSON (not an envelope)."""
    for version in (1, 2):
        response = await client.get(
            f"/ocs/v{version}.php/cloud/user", auth=ALICE, headers={"Accept": "application/json"}
        )
        assert response.status_code == 412
        assert response.json() == {"message": "CSRF check failed"}


async def test_any_ocs_apirequest_value_passes_the_csrf_check(client: httpx2.AsyncClient) -> None:
    """Request::passesCSRFCheck only tests that the header is non-empty."""
    response = await client.get("/ocs/v2.php/cloud/user?format=json", headers={"OCS-APIRequest": "1"}, auth=ALICE)
    assert response.status_code == 200


async def test_anonymous_capabilities_need_the_header_and_show_only_public_ones(client: httpx2.AsyncClient) -> None:
    assert (await client.get("/ocs/v2.php/cloud/capabilities?format=json")).status_code == 412
    response = await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS)
    data = response.json()["ocs"]["data"]
    assert data["version"]["string"] == "34.0.2"
    assert set(data["capabilities"]) == {"bruteforce"}


async def test_capabilities_advertise_notes_api_versions(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=ALICE)
    caps = response.json()["ocs"]["data"]["capabilities"]
    assert caps["notes"] == {"api_version": ["0.2", "1.3", "1.4"], "version": "6.0.2", "notes_path": "Notes"}
    assert caps["core"]["webdav-root"] == "remote.php/webdav"
    assert response.json()["ocs"]["data"]["version"] == {
        "major": 34,
        "minor": 0,
        "micro": 2,
        "string": "34.0.2",
        "edition": "",
        "extendedSupport": False,
    }


async def test_disabled_notes_app_has_no_capability_and_no_routes(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.disable_app("notes")
    response = await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=ALICE)
    assert "notes" not in response.json()["ocs"]["data"]["capabilities"]
    for path in (f"{NOTES}/notes", "/apps/notes/api/v1/notes"):
        notes = await client.get(path, auth=ALICE)
        assert notes.status_code == 404
        assert "x-fake-nextcloud" not in notes.headers  # a real 404: routes of disabled apps do not exist


async def test_capabilities_etag_and_if_none_match(client: httpx2.AsyncClient) -> None:
    first = await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=ALICE)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    second = await client.get(
        "/ocs/v2.php/cloud/capabilities", headers={**OCS_HEADERS, "If-None-Match": etag}, auth=ALICE
    )
    assert second.status_code == 304
    assert second.content == b""


async def test_format_negotiation_defaults_to_xml(client: httpx2.AsyncClient) -> None:
    """Dispatcher: ?format, else the first Accept entry with a responder, else xml."""
    xml = await client.get("/ocs/v2.php/cloud/user", headers={"OCS-APIRequest": "true"}, auth=ALICE)
    assert xml.headers["content-type"] == "application/xml; charset=utf-8"
    assert xml.text.startswith('<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>ok</status>')
    assert "<id>alice</id>" in xml.text
    assert "<subadmin/>" in xml.text
    accept = await client.get(
        "/ocs/v2.php/cloud/user",
        headers={"OCS-APIRequest": "true", "Accept": "text/html, application/json"},
        auth=ALICE,
    )
    assert accept.headers["content-type"] == "application/json; charset=utf-8"
    param = await client.get("/ocs/v2.php/cloud/user?format=json", headers={"OCS-APIRequest": "true"}, auth=ALICE)
    assert param.json()["ocs"]["data"]["id"] == "alice"


async def test_json_escapes_slashes_like_php(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=ALICE)
    assert '"webdav-root":"remote.php\\/webdav"' in response.text


async def test_unknown_ocs_route_is_marked_not_implemented(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        "/ocs/v2.php/apps/files_sharing/api/v1/remote_shares?format=json", headers=OCS_HEADERS, auth=ALICE
    )
    assert response.status_code == 404
    assert response.headers["x-fake-nextcloud"] == "not-implemented"
    assert response.json()["ocs"]["meta"]["statuscode"] == 998


async def test_wrong_method_on_ocs_route_is_405(client: httpx2.AsyncClient) -> None:
    response = await client.post("/ocs/v2.php/cloud/user?format=json", headers=OCS_HEADERS, auth=ALICE)
    assert response.status_code == 405
    assert response.content == b""


async def test_quota_reflects_note_sizes(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.users["alice"].quota = 1000
    await client.post(f"{NOTES}/notes", json={"title": "t", "content": "x" * 100}, auth=ALICE)
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=ALICE)
    assert response.json()["ocs"]["data"]["quota"] == {
        "free": 900,
        "used": 100,
        "total": 1000,
        "relative": 10.0,
        "quota": 1000,
    }
    unlimited = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=BOB)
    assert unlimited.json()["ocs"]["data"]["quota"] == {"free": -3, "used": 0, "total": -3, "relative": 0, "quota": -3}


async def test_maintenance_mode(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.maintenance = True
    assert (await client.get("/status.php")).json()["maintenance"] is True
    ocs = await client.get("/ocs/v1.php/cloud/user?format=json", headers=OCS_HEADERS, auth=ALICE)
    assert ocs.status_code == 503  # ApiHelper::respond(..., 503) even for v1
    assert ocs.headers["x-nextcloud-maintenance-mode"] == "1"
    notes = await client.get(f"{NOTES}/notes", auth=ALICE)
    assert notes.status_code == 503
