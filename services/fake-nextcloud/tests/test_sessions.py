"""PHP sessions on API requests, as Nextcloud keeps them (``core.identity``): every answer but status.php starts a
session and sends its cookie, a Basic or Bearer login sticks to it, and a request that carries a logged-in
session's cookie runs as that session's user whatever its ``Authorization`` header says. These are the facts
that make a cookie-keeping multi-user client serve one user's request as another (issue 13)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.core.session import LAX_COOKIE, SESSION_COOKIE, STRICT_COOKIE
from support.fake_oidc import create_client, token_for
from support.fake_support import ALICE, BOB, NOTES, OCS_HEADERS

pytestmark = pytest.mark.anyio
CLOUD_USER = "/ocs/v2.php/cloud/user?format=json"
DAV_FILES = "/remote.php/dav/files"


@pytest.fixture
async def browser(state: FakeState) -> AsyncIterator[httpx2.AsyncClient]:
    """A client that keeps cookies, as browsers and naive HTTP libraries do."""
    transport = httpx2.ASGITransport(app=build_app(state))
    async with httpx2.AsyncClient(transport=transport, base_url="http://nc.test") as http:
        yield http


async def _who(http: httpx2.AsyncClient, headers: dict[str, str] | None = None, **kwargs: Any) -> str | int:
    """The user id OCS says the request runs as, or the OCS status code."""
    body = (await http.get(CLOUD_USER, headers={**OCS_HEADERS, **(headers or {})}, **kwargs)).json()["ocs"]
    return body["data"]["id"] if body["meta"]["statuscode"] == 200 else int(body["meta"]["statuscode"])


async def test_api_answers_start_a_session_and_status_php_does_not(client: httpx2.AsyncClient) -> None:
    """``HttpKernel::initSession`` returns before starting a session only for status.php."""
    status = await client.get("/status.php")
    assert "set-cookie" not in status.headers
    for path in (CLOUD_USER, f"{NOTES}/notes", f"{DAV_FILES}/alice/"):
        method = "PROPFIND" if path.startswith(DAV_FILES) else "GET"
        response = await client.request(method, path, auth=ALICE, headers=OCS_HEADERS)
        names = {c.split("=", 1)[0] for c in response.headers.get_list("set-cookie")}
        assert {SESSION_COOKIE, LAX_COOKIE, STRICT_COOKIE} <= names, (path, names)


async def test_a_logged_in_cookie_wins_over_other_credentials_on_ocs(browser: httpx2.AsyncClient) -> None:
    """``ocs/v1.php`` calls ``handleLogin`` only when the session is not logged in."""
    assert await _who(browser, auth=ALICE) == "alice"
    assert await _who(browser, auth=BOB) == "alice"  # bob's credentials are never looked at
    assert await _who(browser, auth=("bob@corp", "wrong")) == "alice"
    browser.cookies.clear()
    assert await _who(browser, auth=BOB) == "b0b"


async def test_a_bearer_login_sticks_to_the_session(state: FakeState, browser: httpx2.AsyncClient) -> None:
    """user_oidc logs in through ``OC_User::loginWithApache``, which sets the session's user."""
    state.config.set_user_oidc("oidc_provider_bearer_validation", True)
    registered = await create_client(browser)
    token = (await token_for(build_app(state), browser, registered))["access_token"]
    browser.cookies.clear()
    assert await _who(browser, headers={"Authorization": f"Bearer {token}"}) == "alice"
    assert await _who(browser, auth=BOB) == "alice"
    assert await _who(browser, headers={"Authorization": "Bearer forged"}) == "alice"


async def test_cors_routes_keep_the_session_with_ocs_apirequest_and_log_it_out_without(
    browser: httpx2.AsyncClient,
) -> None:
    """``CORSMiddleware::beforeController`` returns early when ``passesCSRFCheck`` (any ``OCS-APIRequest``
    header); otherwise it logs the session out and logs the Basic credentials in."""
    assert await _who(browser, auth=ALICE) == "alice"
    listed = await browser.get(f"{NOTES}/notes", auth=BOB, headers={"OCS-APIRequest": "true"})
    assert listed.status_code == 200
    log = (await browser.get("/__testbed__/requests")).json()["requests"]
    assert (log[-1]["user"], log[-1]["login"]) == ("alice", "session")
    relogged = await browser.get(f"{NOTES}/notes", auth=BOB)
    assert relogged.status_code == 200
    log = (await browser.get("/__testbed__/requests")).json()["requests"]
    assert log[-1]["user"] == "alice"  # the front controller served the cookie, CORSMiddleware switched users
    assert await _who(browser, auth=ALICE) == "b0b"  # the new session now belongs to bob


async def _last_user(http: httpx2.AsyncClient) -> tuple[str | None, str | None]:
    """Who the fake served the previous request as, and how that user was logged in."""
    record = (await http.get("/__testbed__/requests")).json()["requests"][-1]
    return record["user"], record["login"]


async def test_dav_serves_a_session_that_did_not_log_in_through_dav(browser: httpx2.AsyncClient) -> None:
    """``Auth::auth``: "fix for broken webdav clients" - a logged-in session without ``DAV_AUTHENTICATED`` is
    served for GET (no CSRF check), while other methods fail the CSRF check."""
    assert await _who(browser, auth=ALICE) == "alice"
    get = await browser.get(f"{DAV_FILES}/b0b/", auth=BOB)
    assert get.status_code == 404  # alice cannot reach bob's home
    assert await _last_user(browser) == ("alice", "session")
    propfind = await browser.request("PROPFIND", f"{DAV_FILES}/b0b/", auth=BOB)
    assert propfind.status_code == 401
    assert "CSRF check not passed." in propfind.text


async def test_dav_basic_login_marks_the_session_and_ignores_later_credentials(browser: httpx2.AsyncClient) -> None:
    """``validateUserPass`` accepts a session that logged in through DAV without looking at the credentials."""
    first = await browser.request("PROPFIND", f"{DAV_FILES}/alice/", auth=ALICE, headers={"Depth": "0"})
    assert first.status_code == 207
    assert await _last_user(browser) == ("alice", "basic")
    again = await browser.request("PROPFIND", f"{DAV_FILES}/b0b/", auth=BOB, headers={"Depth": "0"})
    assert again.status_code == 207
    assert await _last_user(browser) == ("alice", "session")
    browser.cookies.clear()
    await browser.request("PROPFIND", f"{DAV_FILES}/b0b/", auth=BOB, headers={"Depth": "0"})
    assert await _last_user(browser) == ("b0b", "basic")


async def test_cookies_without_the_same_site_markers_are_refused_outside_index_php(client: httpx2.AsyncClient) -> None:
    """``performSameSiteCookieProtection``: ocs and remote.php requests with cookies need the strict cookie."""
    cookie = {"Cookie": f"{SESSION_COOKIE}=whatever", "Accept": "application/json"}
    refused = await client.get(CLOUD_USER, headers=cookie, auth=ALICE)
    assert (refused.status_code, refused.json()) == (412, {"error": "Strict Cookie has not been found in request"})
    dav = await client.request("PROPFIND", f"{DAV_FILES}/alice/", headers=cookie, auth=ALICE)
    assert dav.status_code == 412
    with_header = await client.get(CLOUD_USER, headers={**cookie, "OCS-APIRequest": "true"}, auth=ALICE)
    assert with_header.status_code == 200  # the header satisfies the strict cookie check


async def test_a_client_without_cookies_is_always_served_as_its_credentials(client: httpx2.AsyncClient) -> None:
    for _ in range(2):
        assert await _who(client, auth=ALICE) == "alice"
        assert await _who(client, auth=BOB) == "b0b"
    log = (await client.get("/__testbed__/requests")).json()["requests"]
    assert {r["login"] for r in log if r["path"].startswith("/ocs/")} == {"basic"}
