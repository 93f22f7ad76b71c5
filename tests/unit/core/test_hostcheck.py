"""NEXTCLOUD_HOST that does not reach Nextcloud: redirects, web pages, a missing sub-path or an extra /index.php.

The answers are the real shapes: a web server's redirect of `http://` to `https://`, Apache's 404 page outside
the Nextcloud folder (the fake's web root), Nextcloud's own HTML 404 for a route that does not exist
(`/index.php/...` below a base URL that already ends in `/index.php`). `status.php` decides; it is asked
without credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import build_app
from fake_nextcloud.core.config import InstanceConfig
from fake_nextcloud.core.state import FakeState
from nextcloud_mcp.config import Settings, load_settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import read_status
from nextcloud_mcp.server.build import build_server
from support.mcp_helpers import error_text

pytestmark = pytest.mark.anyio
AUTH = httpx2.BasicAuth("alice", "pw")
STATUS = {"installed": True, "maintenance": False, "needsDbUpgrade": False, "version": "34.0.2.1"}
PAGE = {"Content-Type": "text/html; charset=UTF-8"}


def _client(settings: Settings, handler: Callable[[httpx2.Request], httpx2.Response]) -> NextcloudHTTP:
    return NextcloudHTTP(settings, transport=httpx2.MockTransport(handler))


async def test_a_redirect_to_https_names_the_url_and_is_not_followed(make_settings: Callable[..., Settings]) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(str(request.url))
        target = str(request.url.copy_with(scheme="https"))
        return httpx2.Response(301, headers={"Location": target})

    http = _client(make_settings(NEXTCLOUD_HOST="http://cloud.example.com/nc"), handler)
    with pytest.raises(errors.WrongHost) as info:
        await http.request("GET", "/index.php/apps/notes/api/v1/notes", auth=AUTH)
    assert info.value.suggestion == "https://cloud.example.com/nc"
    assert "Set NEXTCLOUD_HOST=https://cloud.example.com/nc" in str(info.value)
    assert seen == ["http://cloud.example.com/nc/index.php/apps/notes/api/v1/notes"]
    # a redirect that names the real base URL is raised even when the caller accepts 3xx
    with pytest.raises(errors.WrongHost):
        await http.request("GET", "/status.php", auth=None, ok=(301,))
    await http.aclose()


async def test_a_redirect_elsewhere_says_so_without_its_query(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(302, headers={"Location": "https://sso.example.com/login?rd=secret-state"})

    http = _client(make_settings(), handler)
    with pytest.raises(errors.WrongHost) as info:
        await http.request("GET", "/ocs/v2.php/cloud/user", auth=AUTH)
    text = str(info.value)
    assert "redirect (HTTP 302) to https://sso.example.com/login" in text and "secret-state" not in text
    assert info.value.suggestion is None and "never follows redirects" in text
    assert (await http.request("GET", "/x", auth=AUTH, ok=(302,))).status_code == 302  # the caller asked for it
    await http.aclose()


async def test_not_modified_is_no_redirect(make_settings: Callable[..., Settings]) -> None:
    http = _client(make_settings(), lambda request: httpx2.Response(304))
    assert (await http.request("GET", "/remote.php/dav/files/alice/a.txt", auth=AUTH)).status_code == 304
    await http.aclose()


def _real_nextcloud_at(root: str, requests: list[httpx2.Request]) -> Callable[[httpx2.Request], httpx2.Response]:
    """Nextcloud installed at `root`: its status.php answers; any other path below it gets Nextcloud's HTML 404
    (index.php routes nothing else here), anything outside it the web server's 404 page."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        if request.url.path == root + "/status.php":
            return httpx2.Response(200, json=STATUS)
        return httpx2.Response(404, text="<html>Not Found</html>", headers=PAGE)

    return handler


async def test_a_host_given_with_index_php_names_the_base_url(make_settings: Callable[..., Settings]) -> None:
    """`https://host/index.php` as NEXTCLOUD_HOST: every API path lands below index.php, Nextcloud's 404 page."""
    requests: list[httpx2.Request] = []
    http = _client(
        make_settings(NEXTCLOUD_HOST="https://cloud.example.com/index.php"), _real_nextcloud_at("", requests)
    )
    with pytest.raises(errors.WrongHost) as info:
        await http.ocs("GET", "/cloud/capabilities", auth=AUTH)
    assert info.value.suggestion == "https://cloud.example.com"
    assert "Nextcloud answers at https://cloud.example.com: set NEXTCLOUD_HOST=https://cloud.example.com" in str(
        info.value
    )
    probes = [r for r in requests if r.url.path.endswith("/status.php")]
    assert probes and all("Authorization" not in r.headers for r in probes)  # asked without credentials
    await http.aclose()


async def test_nextcloud_s_own_404_page_is_a_missing_app_not_a_wrong_host(
    make_settings: Callable[..., Settings],
) -> None:
    requests: list[httpx2.Request] = []
    http = _client(make_settings(), _real_nextcloud_at("", requests))
    for _ in range(2):
        with pytest.raises(errors.NotFound, match="cookbook app is not installed or not enabled"):
            await http.request("GET", "/index.php/apps/cookbook/api/v1/recipes", auth=AUTH)
    assert [r.url.path for r in requests].count("/status.php") == 1  # asked once, then known to be Nextcloud
    await http.aclose()


async def test_an_html_success_where_json_was_asked_is_checked(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, text="<html>Welcome to nginx!</html>", headers=PAGE)

    http = _client(make_settings(), handler)
    with pytest.raises(errors.WrongHost, match=r"status.php answers HTTP 200 \(text/html\)"):
        await http.ocs("GET", "/cloud/user", auth=AUTH)
    # a user's own .html file over WebDAV is a fine answer
    assert (await http.request("GET", "/remote.php/dav/files/alice/page.html", auth=AUTH)).status_code == 200
    await http.aclose()


async def test_status_php_that_is_not_nextcloud_s_is_a_wrong_host(make_settings: Callable[..., Settings]) -> None:
    answers: list[httpx2.Response] = [
        httpx2.Response(404, json={"error": "not found"}),  # some API gateway
        httpx2.Response(200, text="OK"),  # a health endpoint
        httpx2.Response(200, json={"status": "ok"}),  # other JSON
    ]
    for answer in answers:
        http = _client(make_settings(), lambda request, answer=answer: answer)  # type: ignore[misc]
        with pytest.raises(errors.WrongHost, match=r"http://nc.test/status.php answers HTTP"):
            await read_status(http)
        await http.aclose()


# --- against the fake Nextcloud -----------------------------------------------------------------------------


def _fake(webroot: str = "") -> Any:
    config = InstanceConfig.testbed()
    config.webroot = webroot
    state = FakeState(config=config)
    state.add_user("alice", "alice-secret")
    return build_app(state)


async def _call(fake: Any, host: str, tool: str = "nc_notes_list_notes") -> str:
    env = {"NEXTCLOUD_HOST": host, "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "alice-secret"}
    server = build_server(load_settings(environ=env), transport=httpx2.ASGITransport(app=fake))
    async with Client(server) as client:
        result = await client.call_tool(tool, {})
    assert result.is_error
    return error_text(result)


async def test_a_host_without_nextcloud_s_sub_path_names_it() -> None:
    """Nextcloud under /nextcloud, NEXTCLOUD_HOST the site's root: before, "The Notes API was not found"."""
    text = await _call(_fake("/nextcloud"), "http://nc.test")
    assert "Nextcloud answers at http://nc.test/nextcloud: set NEXTCLOUD_HOST=http://nc.test/nextcloud" in text
    assert "Notes API was not found" not in text


async def test_maintenance_mode_is_named_for_every_api() -> None:
    fake = _fake()
    fake.fake_state.maintenance = True
    for tool in ("nc_notes_list_notes", "nc_users_get_me", "nc_files_list_files"):
        text = await _call(fake, "http://nc.test", tool)
        assert "Nextcloud is in maintenance mode" in text, (tool, text)


def _behind_a_proxy(answer: httpx2.Response) -> Callable[[httpx2.Request], httpx2.Response]:
    """Nextcloud at /nextcloud behind a proxy that answers `answer` for every other path."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/nextcloud/status.php":
            return httpx2.Response(200, json=STATUS)
        return answer

    return handler


@pytest.mark.parametrize(
    "answer",
    [
        httpx2.Response(404, text="404 page not found"),  # Traefik without a matching router
        httpx2.Response(302, headers={"Location": "http://nc.test/nextcloud/"}),  # a redirect of the root only
    ],
)
async def test_a_proxy_s_answer_outside_the_sub_path_names_it(
    make_settings: Callable[..., Settings], answer: httpx2.Response
) -> None:
    http = _client(make_settings(), _behind_a_proxy(answer))
    with pytest.raises(errors.WrongHost) as info:
        await http.request("GET", "/index.php/apps/notes/api/v1/notes", auth=AUTH)
    assert info.value.suggestion == "http://nc.test/nextcloud", str(info.value)
    await http.aclose()


async def test_a_download_from_a_wrong_host_says_so(make_settings: Callable[..., Settings]) -> None:
    requests: list[httpx2.Request] = []
    http = _client(make_settings(), _real_nextcloud_at("/nextcloud", requests))
    with pytest.raises(errors.WrongHost, match=r"set NEXTCLOUD_HOST=http://nc\.test/nextcloud"):
        async with http.stream("GET", "/remote.php/dav/files/alice/a.bin", auth=AUTH):
            pass
    await http.aclose()
