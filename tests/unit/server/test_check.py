"""The pieces of `check` and of the start-up checks, each against a scripted Nextcloud (`httpx2.MockTransport`):
app versions and probes, half-set credentials, the report, `status.php` answers, the cached credentials check."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest
from pydantic import SecretStr

from nextcloud_mcp.apps import cookbook
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.app import Probe, format_version
from nextcloud_mcp.core.errors import AuthenticationFailed
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import ServerStatus
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.server import state as state_module
from nextcloud_mcp.server.check_http import read_status
from nextcloud_mcp.server.check_report import Line, Report
from nextcloud_mcp.server.credentials import missing_credential
from nextcloud_mcp.server.probe import run_probe
from nextcloud_mcp.server.state import AppState

pytestmark = pytest.mark.anyio
HOST = "http://nc.test"
BASE = {"NEXTCLOUD_HOST": HOST, "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "pw", "NEXTCLOUD_RETRIES": "0"}
STATUS = {"installed": True, "maintenance": False, "needsDbUpgrade": False, "version": "34.0.2.1"}
Handler = Callable[[httpx2.Request], httpx2.Response]


@pytest.mark.parametrize(
    ("value", "text"),
    [("6.0.2", "6.0.2"), ([0, 11, 4], "0.11.4"), ([0, 11, 10, "-alpha1"], "0.11.10-alpha1"), (2, "2")],
)
def test_app_versions_read_as_people_write_them(value: object, text: str) -> None:
    assert format_version(value) == text


def test_the_cookbook_declares_its_version_route_as_probe() -> None:
    probe = cookbook.APP.probe
    assert probe == Probe("/index.php/apps/cookbook/api/version", "cookbook_version")
    assert probe.version({"cookbook_version": [0, 11, 4], "api_version": {}}) == "0.11.4"
    assert probe.version({"api_version": {}}) is None and probe.version(["x"]) is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"NEXTCLOUD_USERNAME": "alice"}, "NEXTCLOUD_PASSWORD is missing"),
        ({"NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": ""}, "NEXTCLOUD_PASSWORD is missing"),
        ({"NEXTCLOUD_PASSWORD": "pw"}, "NEXTCLOUD_USERNAME is missing"),
        ({"NEXTCLOUD_USERNAME": "alice", "MCP_AUTH_MODE": "oauth"}, None),
        ({"NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "pw"}, None),
        ({}, None),
    ],
)
def test_half_a_pair_of_credentials_names_the_missing_half(env: dict[str, str], expected: str | None) -> None:
    problem = missing_credential(load_settings(environ={"NEXTCLOUD_HOST": HOST, **env}))
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem
        assert "BasicAuth mode" in problem and "OAuth mode" in problem  # how to get either mode working


def test_the_report_fails_only_on_a_failed_line_and_prints_each_fix() -> None:
    report = Report()
    report.add("ok", "nextcloud", "Nextcloud 34 answers")
    report.add("info", "apps", "deck: not installed", "install it")
    clean = report.failed
    assert not clean and report.render().endswith("No blocking problem found.")
    report.add("fail", "credentials", "rejected", "create an app password")
    text = report.render()
    failed = report.failed
    assert failed and "[FAIL] credentials" in text and "fix: create an app password" in text
    assert text.endswith("1 problem(s) to fix; the server would not work as configured.")


def _transport(handler: Handler, seen: list[str] | None = None) -> httpx2.MockTransport:
    def record(request: httpx2.Request) -> httpx2.Response:
        if seen is not None:
            seen.append(f"{request.method} {request.url.path}")
        return handler(request)

    return httpx2.MockTransport(record)


async def test_status_php_answers_are_read_as_the_server_would() -> None:
    settings = load_settings(environ=BASE)
    found = await read_status(settings, _transport(lambda _: httpx2.Response(200, json=STATUS)))
    assert isinstance(found, ServerStatus) and found.version == "34.0.2.1"


async def test_a_redirect_names_the_address_to_set() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.host == "nc.test":
            return httpx2.Response(301, headers={"Location": f"https://cloud.test{request.url.path}"})
        return httpx2.Response(200, json=STATUS)

    found = await read_status(load_settings(environ=BASE), _transport(handler))
    assert isinstance(found, Line) and found.status == "fail"
    assert "NEXTCLOUD_HOST=https://cloud.test" in found.text


async def test_a_missing_sub_path_is_found_and_named() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/nextcloud/status.php":
            return httpx2.Response(200, json=STATUS)
        return httpx2.Response(404, text="<html>Not found</html>", headers={"Content-Type": "text/html"})

    found = await read_status(load_settings(environ=BASE), _transport(handler))
    assert isinstance(found, Line) and found.status == "fail" and found.topic == "web root"
    assert "NEXTCLOUD_HOST=http://nc.test/nextcloud" in found.text


async def _probe(handler: Handler) -> tuple[bool | None, str | None]:
    def routed(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/status.php"):  # the host is Nextcloud: answers are about the app
            return httpx2.Response(200, json={"installed": True, "version": "34.0.2.1"})
        return handler(request)

    settings = load_settings(environ=BASE)
    http = NextcloudHTTP(settings, transport=_transport(routed))
    try:
        session = NextcloudSession(http, httpx2.BasicAuth("alice", "pw"), "k", {})
        answer = await run_probe(session, Probe("/index.php/apps/cookbook/api/version", "cookbook_version"))
    finally:
        await http.aclose()
    return answer.found, answer.version


async def test_a_probe_tells_found_missing_and_cannot_say_apart() -> None:
    version = {"cookbook_version": [0, 11, 4], "api_version": {"epoch": 0, "major": 1, "minor": 2}}
    assert await _probe(lambda _: httpx2.Response(200, json=version)) == (True, "0.11.4")
    assert await _probe(lambda _: httpx2.Response(404, text="<html/>")) == (False, None)
    assert await _probe(lambda _: httpx2.Response(412, json={"message": "App is not enabled"})) == (False, None)
    assert await _probe(lambda _: httpx2.Response(200, text="<html>a proxy page</html>")) == (False, None)
    cors = httpx2.Response(401, json={"message": "CORS requires basic auth"})
    assert await _probe(lambda _: cors) == (True, None)
    assert await _probe(lambda _: httpx2.Response(503)) == (None, None)


async def test_the_credentials_check_is_cached_and_names_the_basicauth_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    status = {"code": 401}

    def handler(request: httpx2.Request) -> httpx2.Response:
        if status["code"] == 401:
            return httpx2.Response(401, json={"message": "Unauthorized"})
        return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok"}, "data": {"id": "alice"}}})

    settings = load_settings(environ=BASE)
    state = AppState(settings, BasicCredentials("alice", SecretStr("pw")), transport=_transport(handler, seen))
    async with state.running():
        first = await state.credentials_problem()
        again = await state.credentials_problem()
        assert isinstance(first, AuthenticationFailed) and again is first
        assert "NEXTCLOUD_USERNAME=alice" in first.message and "app password" in first.message
        assert "user_oidc" not in first.message and "OAuth" not in first.message
        assert seen == ["GET /ocs/v2.php/cloud/user"]
        monkeypatch.setattr(state_module, "CREDENTIALS_TTL", 0.0)
        status["code"] = 200
        state._credentials_checked = None  # as if the cached answer had expired
        assert await state.credentials_problem() is None


async def test_oauth_mode_has_no_configured_credentials_to_check() -> None:
    settings = load_settings(environ={"NEXTCLOUD_HOST": HOST, "MCP_TRANSPORT": "streamable-http"})
    state = AppState(settings, None, transport=_transport(lambda _: httpx2.Response(500)))
    async with state.running():
        assert await state.credentials_problem() is None
        assert state.rejected_message() is None
