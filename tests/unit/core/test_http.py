"""NextcloudHTTP: the one status map, retries, OCS envelopes (MockTransport, no sockets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs, raise_for_status

pytestmark = pytest.mark.anyio
AUTH = httpx2.BasicAuth("alice", "pw")


def _response(status: int, headers: dict[str, str] | None = None, **kw: Any) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, request=httpx2.Request("PUT", "http://nc.test/x/y?secret=1"), **kw)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequest),
        (401, errors.AuthenticationFailed),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (405, errors.BadRequest),
        (409, errors.Conflict),
        (412, errors.Conflict),
        (423, errors.Locked),
        (429, errors.RateLimited),
        (500, errors.Unavailable),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (504, errors.Unavailable),
        (507, errors.InsufficientStorage),
    ],
)
def test_every_status_maps_to_one_error(status: int, cls: type[errors.NextcloudError]) -> None:
    with pytest.raises(cls) as info:
        raise_for_status(_response(status))
    exc = info.value
    assert type(exc) is cls
    assert (exc.status, exc.method, exc.path) == (status, "PUT", "/x/y")
    assert "secret" not in str(exc)  # query strings are never echoed
    assert str(status) in str(exc)


def test_success_statuses_do_not_raise() -> None:
    for status in (200, 201, 204, 207, 304):
        raise_for_status(_response(status))


def test_retry_after_seconds_and_dates_are_parsed() -> None:
    with pytest.raises(errors.RateLimited) as info:
        raise_for_status(_response(429, {"Retry-After": "7"}))
    assert info.value.retry_after == 7.0
    with pytest.raises(errors.RateLimited) as info:
        raise_for_status(_response(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert info.value.retry_after == 0.0


def test_ocs_envelope_parsing() -> None:
    ok = _response(
        200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200, "message": "OK"}, "data": {"id": "a"}}}
    )
    assert parse_ocs(ok) == {"id": "a"}
    # OCS v1 answers HTTP 200 with the failure in the envelope (nextcloud/server V1Response.php)
    v1_fail = _response(
        200, json={"ocs": {"meta": {"status": "failure", "statuscode": 998, "message": "Nope"}, "data": []}}
    )
    with pytest.raises(errors.BadRequest, match="998: Nope"):
        parse_ocs(v1_fail)
    for bad in (_response(200, text="<html>"), _response(200, json={"data": 1}), _response(200, json=[1])):
        with pytest.raises(errors.ProtocolError):
            parse_ocs(bad)


def _client(settings: Settings, handler: Callable[[httpx2.Request], httpx2.Response]) -> NextcloudHTTP:
    return NextcloudHTTP(settings, transport=httpx2.MockTransport(handler))


async def test_idempotent_reads_retry_on_503_then_succeed(make_settings: Callable[..., Settings]) -> None:
    calls: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.method)
        return httpx2.Response(503 if len(calls) < 3 else 200, headers={"Retry-After": "0"}, json={})

    http = _client(make_settings(NEXTCLOUD_RETRIES=2), handler)
    assert (await http.request("GET", "/status.php", auth=AUTH)).status_code == 200
    assert calls == ["GET"] * 3
    await http.aclose()


async def test_writes_are_never_resent_after_a_server_error(make_settings: Callable[..., Settings]) -> None:
    calls: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.method)
        return httpx2.Response(502)

    http = _client(make_settings(NEXTCLOUD_RETRIES=2), handler)
    with pytest.raises(errors.Unavailable):
        await http.request("POST", "/x", auth=AUTH, json={})
    assert calls == ["POST"]
    await http.aclose()


async def test_writes_are_retried_when_the_connection_never_opened(make_settings: Callable[..., Settings]) -> None:
    calls: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx2.ConnectError("refused", request=request)
        return httpx2.Response(200, json={})

    http = _client(make_settings(NEXTCLOUD_RETRIES=1), handler)
    assert (await http.request("POST", "/x", auth=AUTH)).status_code == 200
    assert calls == ["POST", "POST"]
    await http.aclose()


async def test_read_timeout_on_write_says_the_outcome_is_unknown(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow", request=request)

    http = _client(make_settings(), handler)
    with pytest.raises(errors.Unavailable, match="may or may not have been applied"):
        await http.request("PUT", "/x", auth=AUTH)
    await http.aclose()


async def test_long_retry_after_is_not_waited(make_settings: Callable[..., Settings]) -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return httpx2.Response(429, headers={"Retry-After": "3600"})

    http = _client(make_settings(), handler)
    with pytest.raises(errors.RateLimited) as info:
        await http.request("GET", "/x", auth=AUTH)
    assert info.value.retry_after == 3600
    assert calls == 1
    await http.aclose()


async def test_requests_carry_only_the_given_auth_and_no_redirects(make_settings: Callable[..., Settings]) -> None:
    seen: list[str | None] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx2.Response(302, headers={"Location": "http://evil.example/steal"})

    http = _client(make_settings(), handler)
    response = await http.request("GET", "/a", auth=httpx2.BasicAuth("bob", "b"), ok=(302,))
    assert response.status_code == 302  # not followed: credentials never leave for another host
    await http.request("GET", "/status.php", auth=None, ok=(302,))
    assert seen[0] is not None
    assert seen[0].startswith("Basic ")
    assert seen[1] is None
    with pytest.raises(ValueError, match="relative"):
        await http.request("GET", "http://evil.example/", auth=AUTH)
    await http.aclose()


async def test_ocs_sends_the_required_header_and_json_format(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["OCS-APIRequest"] == "true"
        assert request.url.params["format"] == "json"
        assert request.url.path == "/ocs/v2.php/cloud/user"
        return httpx2.Response(
            200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": {"id": "alice"}}}
        )

    http = _client(make_settings(), handler)
    assert await http.ocs("GET", "/cloud/user", auth=AUTH) == {"id": "alice"}
    await http.aclose()


def test_cors_401_explains_the_missing_bearer_patch() -> None:
    with pytest.raises(errors.AuthenticationFailed, match="Bearer patch") as info:
        raise_for_status(_response(401, json={"message": "CORS requires basic auth"}))
    assert "docs/authentication.md" in str(info.value)
    with pytest.raises(errors.AuthenticationFailed, match="rejected the credentials"):
        raise_for_status(_response(401, json={"message": "Current user is not logged in"}))


# --- the advice matches the cause (issue 16) ----------------------------------------------------------------


def _at(status: int, path: str, method: str = "PUT", **kw: Any) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request(method, "http://nc.test" + path), **kw)


DAV_FILE = "/remote.php/dav/files/alice/Projects/plan.md"
OCS_SHARE = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
NOTES = "/index.php/apps/notes/api/v1/notes/7"


@pytest.mark.parametrize(
    ("response", "cls", "says"),
    [
        # RFC 4918: WebDAV answers 409 when a parent collection is missing; app APIs use it for "already exists"
        (_at(409, DAV_FILE), errors.Conflict, "parent folder (WebDAV collection) of this item does not exist"),
        (_at(409, DAV_FILE), errors.Conflict, "nc_files_create_folder"),
        (_at(409, "/remote.php/dav/calendars/alice/work/x.ics"), errors.Conflict, "check the calendar or address"),
        (_at(409, OCS_SHARE, "POST"), errors.Conflict, "conflicts with existing data"),
        (_at(412, DAV_FILE), errors.Conflict, "changed in Nextcloud since it was read"),
        # SecurityMiddleware's 412s are no version conflicts (AppNotEnabledException, CSRF, strict cookie)
        (_at(412, NOTES, json={"message": "App is not enabled"}), errors.Conflict, "notes app is not enabled"),
        (_at(412, NOTES, json={"message": "CSRF check failed"}), errors.Conflict, "cross-site request"),
        (_at(423, DAV_FILE), errors.Locked, "cannot change until the lock is released"),
        (_at(429, NOTES), errors.RateLimited, "occ security:bruteforce:reset"),
        (_at(507, DAV_FILE), errors.InsufficientStorage, "nc_files_delete_trash"),
        (
            _at(404, NOTES, method="GET", text="<html>", headers={"Content-Type": "text/html"}),
            errors.NotFound,
            "notes app is not installed or not enabled",
        ),
        (
            _at(404, NOTES, method="GET", json={"message": "Note not found"}),
            errors.NotFound,
            "does not exist or is not visible",
        ),
        (_at(503, NOTES, headers={"X-Nextcloud-Maintenance-Mode": "1"}), errors.Maintenance, "maintenance mode"),
        (_at(502, NOTES), errors.Unavailable, "proxy in front of Nextcloud"),
        (_at(500, NOTES), errors.Unavailable, "nextcloud.log"),
    ],
)
def test_the_advice_matches_the_cause(response: httpx2.Response, cls: type[errors.NextcloudError], says: str) -> None:
    with pytest.raises(cls) as info:
        raise_for_status(response)
    assert says in str(info.value), str(info.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 415, 422, 423, 429, 451, 507])
@pytest.mark.parametrize("path", [DAV_FILE, OCS_SHARE, NOTES])
def test_no_client_error_says_try_again_later(status: int, path: str) -> None:
    with pytest.raises(errors.NextcloudError) as info:
        raise_for_status(_at(status, path))
    assert "try again later" not in str(info.value).lower()
    assert str(info.value).strip()  # never empty


async def test_maintenance_mode_is_not_retried(make_settings: Callable[..., Settings]) -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1  # ocs/v1.php: 503 + X-Nextcloud-Maintenance-Mode, no Retry-After
        return httpx2.Response(503, headers={"X-Nextcloud-Maintenance-Mode": "1"}, json={"ocs": {}})

    http = _client(make_settings(NEXTCLOUD_RETRIES=2), handler)
    with pytest.raises(errors.Maintenance, match="occ maintenance:mode --off"):
        await http.ocs("GET", "/cloud/capabilities", auth=AUTH)
    assert calls == 1
    await http.aclose()
