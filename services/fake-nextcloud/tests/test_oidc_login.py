"""Browser login (core LoginController): form, session cookies, CSRF/Origin checks, errors, logout, and how a
browser session meets the API routes."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx2
import pytest

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.core.session import SESSION_COOKIE
from support.fake_oidc import BASE, Browser, forms
from support.fake_support import ALICE_APP_PASSWORD, NOTES, OCS_HEADERS

pytestmark = pytest.mark.anyio
REDIRECT = "/index.php/apps/files/"


async def _login_page(browser: Browser, **params: str) -> httpx2.Response:
    response = await browser.request("GET", "/index.php/login" + ("?" + urlencode(params) if params else ""))
    assert response.status_code == 200
    return response


async def test_login_form_fields_and_session_cookies(state: FakeState) -> None:
    async with Browser(build_app(state)) as browser:
        page = await _login_page(browser, redirect_url=REDIRECT)
        [form] = forms(page.text)
        assert (form.method, form.action) == ("POST", "/index.php/login")
        assert form.inputs["user"].items() >= {"type": "text", "id": "user", "name": "user"}.items()
        assert form.inputs["password"].items() >= {"type": "password", "id": "password"}.items()
        assert set(form.fields) == {"user", "password", "redirect_url", "timezone", "timezone_offset", "requesttoken"}
        assert form.fields["redirect_url"] == REDIRECT
        assert [b.get("type") for b in form.buttons] == ["submit"]
        assert "data-login-form-submit" in form.buttons[0]
        cookies = browser.http.cookies
        assert cookies["nc_sameSiteCookiestrict"] == "true" and cookies["nc_sameSiteCookielax"] == "true"
        first_session = cookies[SESSION_COOKIE]
        response = await browser.submit(form, user="alice", password="secret")
        assert (response.status_code, response.headers["location"]) == (303, BASE + REDIRECT)
        assert browser.http.cookies[SESSION_COOKIE] != first_session  # regenerated on login
        assert browser.http.cookies["nc_session_id"] == browser.http.cookies[SESSION_COOKIE]
        again = await browser.request("GET", "/index.php/login")
        assert (again.status_code, again.headers["location"]) == (303, "http://nc.test/index.php/apps/dashboard/")
        back = await browser.request("GET", "/index.php/login?redirect_url=%2Findex.php%2Fapps%2Fnotes%2F")
        assert back.headers["location"] == "http://nc.test/index.php/apps/notes/"  # linkToDefaultPageUrl


async def test_every_page_has_a_fresh_request_token_for_the_same_session(state: FakeState) -> None:
    async with Browser(build_app(state)) as browser:
        one = forms((await _login_page(browser)).text)[0].fields["requesttoken"]
        two = forms((await _login_page(browser)).text)[0]
        assert one != two.fields["requesttoken"]
        response = await browser.submit(two, user="alice", password="secret", requesttoken=one)
        assert response.headers["location"] == "http://nc.test/index.php/apps/dashboard/"  # both are valid


async def test_wrong_password_redirects_back_with_the_error(state: FakeState) -> None:
    """createLoginFailedResponse: 303 to the login page with user + direct=1 (+ redirect_url)."""
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser, redirect_url=REDIRECT)).text)
        response = await browser.submit(form, user="alice", password="wrong")
        assert response.status_code == 303
        expected = "/index.php/login?" + urlencode({"user": "alice", "direct": "1", "redirect_url": REDIRECT})
        assert response.headers["location"] == expected
        page = await browser.request("GET", expected)
        assert "Wrong login or password." in page.text
        [form] = forms(page.text)
        assert form.fields["user"] == "alice"
        assert "Wrong login" not in (await browser.request("GET", expected)).text  # shown once


@pytest.mark.parametrize(
    ("user", "password", "ok"),
    [
        ("alice@example.org", "secret", True),  # unique e-mail address
        ("ALICE", "secret", True),
        ("bob@corp", "bob-secret", True),  # login name != user id
        ("alice", ALICE_APP_PASSWORD, False),  # app passwords are not for the browser login
    ],
)
async def test_login_names(state: FakeState, user: str, password: str, ok: bool) -> None:
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        response = await browser.submit(form, user=user, password=password)
        assert response.headers["location"].startswith("http://nc.test/") is ok


async def test_origin_must_be_trusted(state: FakeState) -> None:
    """NC >= 31 tryLogin: no or a foreign Origin header -> invalidOrigin (a browser always sends Origin)."""
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        data = form.fields | {"user": "alice", "password": "secret"}
        for headers in ({}, {"Origin": "http://evil.example"}):
            response = await browser.http.post("/index.php/login", data=data, headers=headers)
            assert response.headers["location"].startswith("/index.php/login?user=alice&direct=1")
        assert "Please try again." in (await browser.request("GET", response.headers["location"])).text
        [form] = forms((await _login_page(browser)).text)  # the failure logged the session out: a new one
        data = form.fields | {"user": "alice", "password": "secret"}
        loopback = await browser.http.post("/index.php/login", data=data, headers={"Origin": "http://127.0.0.1:3"})
        assert loopback.headers["location"] == "http://nc.test/index.php/apps/dashboard/"  # localhost: trusted


async def test_csrf_token_and_strict_cookie_are_required(state: FakeState) -> None:
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        response = await browser.submit(form, user="alice", password="secret", requesttoken="forged:token")
        assert response.headers["location"].startswith("/index.php/login?")
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        browser.http.cookies.delete("nc_sameSiteCookiestrict")
        response = await browser.submit(form, user="alice", password="secret")
        assert response.headers["location"].startswith("/index.php/login?")  # passesStrictCookieCheck


async def test_redirect_url_with_at_sign_goes_to_the_default_page(state: FakeState) -> None:
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser, redirect_url="/x@evil.example")).text)
        response = await browser.submit(form, user="alice", password="secret")
        assert response.headers["location"] == "http://nc.test/index.php/apps/dashboard/"


async def test_absolute_redirect_url_stays_on_the_server(state: FakeState) -> None:
    """generateRedirect uses getAbsoluteURL, which prefixes the base URL - no open redirect."""
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser, redirect_url="https://evil.example/")).text)
        response = await browser.submit(form, user="alice", password="secret")
        assert response.headers["location"] == "http://nc.test/https://evil.example/"


async def test_disabled_account(state: FakeState) -> None:
    state.users["alice"].enabled = False
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        response = await browser.submit(form, user="alice", password="secret")
        assert "This account is disabled" in (await browser.request("GET", response.headers["location"])).text


async def test_logout_needs_the_request_token(state: FakeState) -> None:
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        await browser.submit(form, user="alice", password="secret")
        refused = await browser.http.get("/index.php/logout", headers={"Accept": "text/html"})
        assert refused.status_code == 412
        page = await browser.request("GET", "/index.php/apps/oidc/redirect")
        token = page.text.split('data-requesttoken="', 1)[1].split('"', 1)[0]
        response = await browser.request("GET", "/index.php/logout?" + urlencode({"requesttoken": token}))
        assert (response.status_code, response.headers["location"]) == (303, "http://nc.test/index.php/login?clear=1")
        assert len(state.sessions) == 0


async def test_session_on_ocs_and_on_cors_routes(state: FakeState) -> None:
    """A browser session works on OCS (with OCS-APIRequest) and on #[CORS] routes only with a request token;
    without one CORSMiddleware logs the session out and asks for Basic auth."""
    async with Browser(build_app(state)) as browser:
        [form] = forms((await _login_page(browser)).text)
        await browser.submit(form, user="alice", password="secret")
        ocs = await browser.http.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS)
        assert ocs.json()["ocs"]["data"]["id"] == "alice"
        page = await browser.request("GET", "/index.php/apps/oidc/redirect")
        token = page.text.split('data-requesttoken="', 1)[1].split('"', 1)[0]
        assert (await browser.http.get(f"{NOTES}/notes", headers={"requesttoken": token})).status_code == 200
        bare = await browser.http.get(f"{NOTES}/notes")
        assert bare.json() == {"message": "CORS requires basic auth"}
        after = await browser.http.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS)
        assert after.status_code == 401  # the CORS check destroyed the session


async def test_pages_needing_a_login_redirect_with_the_full_request_uri(state: FakeState) -> None:
    """SecurityMiddleware: NotLoggedIn + Accept html -> 303 to the login page, redirect_url = REQUEST_URI."""
    async with Browser(build_app(state)) as browser:
        response = await browser.http.get(
            "/index.php/apps/oidc/redirect?client_id=abc", headers={"Accept": "text/html"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/index.php/login?" + urlencode(
            {"redirect_url": "/index.php/apps/oidc/redirect?client_id=abc"}
        )
