"""Login Flow v2, app passwords and the device list, against nextcloud/server's source:

* ``core/Controller/ClientFlowLoginV2Controller.php`` (``init``, ``poll``, ``landing``, ``showAuthPickerPage``,
  ``grantPage``, ``generateAppPassword``), ``core/Service/LoginFlowV2Service.php`` (``createTokens``, ``poll``,
  ``flowDone``), ``core/Db/LoginFlowV2Mapper.php`` (``lifetime = 1200``, ``validateTimestamp``);
* ``core/Controller/AppPasswordController.php`` (``getAppPassword``, ``deleteAppPassword``,
  ``rotateAppPassword``);
* ``apps/settings/lib/Controller/AuthSettingsController.php`` (``create``, ``destroy``) and
  ``apps/settings/lib/Settings/Personal/Security/Authtokens.php`` (the ``app_tokens`` initial state);
* ``lib/private/AppFramework/Middleware/Security/PasswordConfirmationMiddleware.php``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from html import unescape

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock, build_app
from support.browser_login import chromium_path
from support.fake_support import ALICE, ALICE_APP_PASSWORD, OCS_HEADERS
from support.login_flow import DONE_MARKER, chromium_login_flow, form_login_flow

pytestmark = pytest.mark.anyio

BASE = "http://nc.test"
ORIGIN = {"Origin": BASE}
HTML = {"Accept": "text/html"}
DESKTOP_UA = (
    "Mozilla/5.0 (Linux) mirall/3.14.0 (Nextcloud, linux-6.1 ClientArchitecture: x86_64 OsArchitecture: x86_64)"
)


@pytest.fixture
async def browser(state: FakeState) -> AsyncIterator[httpx2.AsyncClient]:
    """A browser: keeps cookies."""
    transport = httpx2.ASGITransport(app=build_app(state))
    async with httpx2.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


def _transport(client: httpx2.AsyncClient) -> httpx2.AsyncBaseTransport:
    return client._transport  # the in-process app behind the cookie-less API client


def _requesttoken(html: str) -> str:
    match = re.search(r'name="requesttoken" value="([^"]*)"', html) or re.search(r'data-requesttoken="([^"]*)"', html)
    assert match is not None, html
    return unescape(match.group(1))


async def _log_in(browser: httpx2.AsyncClient, user: str = "alice", password: str = "secret") -> None:
    form = await browser.get("/index.php/login")
    response = await browser.post(
        "/index.php/login",
        data={"user": user, "password": password, "requesttoken": _requesttoken(form.text)},
        headers=ORIGIN,
    )
    assert response.status_code == 303 and "/login" not in response.headers["location"], response.headers


async def _init(client: httpx2.AsyncClient, user_agent: str = DESKTOP_UA) -> dict[str, object]:
    response = await client.post("/index.php/login/v2", headers={"User-Agent": user_agent})
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def _poll(client: httpx2.AsyncClient, token: str) -> httpx2.Response:
    return await client.post("/index.php/login/v2/poll", data={"token": token})


def _poll_token(flow: dict[str, object]) -> str:
    poll = flow["poll"]
    assert isinstance(poll, dict)
    return str(poll["token"])


async def _open_grant_page(browser: httpx2.AsyncClient, flow: dict[str, object]) -> str:
    """landing -> picker -> the "Log in" link; returns the grant page URL."""
    landing = await browser.get(str(flow["login"]))
    assert landing.status_code == 303
    picker = await browser.get(landing.headers["location"])
    assert picker.status_code == 200
    match = re.search(r'<a href="([^"]*/login/v2/grant[^"]*)"', picker.text)
    assert match is not None
    return unescape(match.group(1))


# --- init, poll ------------------------------------------------------------------------------------------------


async def test_init_answers_poll_token_endpoint_and_login_url(client: httpx2.AsyncClient) -> None:
    """``init``: ``linkToRouteAbsolute`` URLs, 128-character tokens (``createTokens``), a plain JSONResponse
    (``json_encode`` escapes slashes)."""
    response = await client.post("/index.php/login/v2", headers={"User-Agent": DESKTOP_UA})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "http:\\/\\/nc.test" in response.text
    flow = response.json()
    assert set(flow) == {"poll", "login"}
    assert flow["poll"]["endpoint"] == f"{BASE}/index.php/login/v2/poll"
    assert re.fullmatch(r"[0-9A-Za-z]{128}", flow["poll"]["token"])
    login_token = flow["login"].removeprefix(f"{BASE}/index.php/login/v2/flow/")
    assert re.fullmatch(r"[0-9A-Za-z]{128}", login_token) and login_token != flow["poll"]["token"]
    # the FrontpageRoute also answers without index.php (pretty URLs)
    assert (await client.post("/login/v2")).status_code == 200


async def test_poll_is_404_until_granted_then_answers_once(client: httpx2.AsyncClient) -> None:
    """``poll``: ``LoginFlowV2NotFoundException`` -> 404 ``[]`` ("Token not yet ready"); the credentials once,
    then the row is deleted (``$this->mapper->delete($data)``) and the poll is 404 again."""
    flow = await _init(client)
    token = _poll_token(flow)
    first = await _poll(client, token)
    assert (first.status_code, first.json()) == (404, [])
    page = await form_login_flow(str(flow["login"]), *ALICE, transport=_transport(client))
    assert DONE_MARKER in page
    granted = await _poll(client, token)
    assert granted.status_code == 200
    creds = granted.json()
    assert set(creds) == {"server", "loginName", "appPassword"}
    assert creds["server"] == BASE and creds["loginName"] == "alice"
    assert re.fullmatch(r"[0-9A-Za-z]{72}", creds["appPassword"])
    again = await _poll(client, token)
    assert (again.status_code, again.json()) == (404, [])
    assert (await _poll(client, "not-a-token")).status_code == 404


async def test_poll_without_token_is_a_type_error(client: httpx2.AsyncClient) -> None:
    """``poll(string $token)``: a missing token is ``null`` -> ``TypeError`` -> index.php's 500 page."""
    assert (await client.post("/index.php/login/v2/poll")).status_code == 500


async def test_the_app_password_works_for_basic_ocs_and_dav(client: httpx2.AsyncClient) -> None:
    """``flowDone`` -> ``generateToken(..., PERMANENT_TOKEN)``: a device token, accepted by
    ``Session::logClientIn`` for the login name on OCS and DAV."""
    flow = await _init(client)
    await form_login_flow(str(flow["login"]), *ALICE, transport=_transport(client))
    creds = (await _poll(client, _poll_token(flow))).json()
    auth = (creds["loginName"], creds["appPassword"])
    user = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=auth)
    assert user.status_code == 200 and user.json()["ocs"]["data"]["id"] == "alice"
    dav = await client.request("PROPFIND", "/remote.php/dav/files/alice/", headers={"Depth": "0"}, auth=auth)
    assert dav.status_code == 207


# --- the browser part ------------------------------------------------------------------------------------------


async def test_landing_with_an_unknown_token_is_403(browser: httpx2.AsyncClient) -> None:
    """``landing``: ``startLoginFlow`` false -> ``loginTokenForbiddenResponse`` (403)."""
    response = await browser.get("/index.php/login/v2/flow/nope")
    assert response.status_code == 403
    assert "Your login token is invalid or has expired" in response.text


async def test_landing_redirects_to_the_picker_which_needs_the_session(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``landing``: the login token goes into the session, then a 303 to the absolute
    ``showAuthPickerPage`` URL with ``user`` and ``direct``; the picker without that session is 403."""
    flow = await _init(client)
    landing = await browser.get(str(flow["login"]))
    assert landing.status_code == 303
    assert landing.headers["location"] == f"{BASE}/index.php/login/v2/flow?user=&direct=0"
    picker = await browser.get(landing.headers["location"])
    assert picker.status_code == 200
    assert "Please log in before granting <strong>" in picker.text and "mirall/3.14.0" in picker.text
    stranger = await client.get("/index.php/login/v2/flow")
    assert stranger.status_code == 403


async def test_the_grant_page_sends_a_browser_to_the_login_form_first(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``grantPage`` is not ``#[PublicPage]``: ``SecurityMiddleware`` redirects an HTML request to the login form
    with ``redirect_url``; after the login (``LoginController::tryLogin``, Origin + CSRF) it comes back."""
    flow = await _init(client)
    grant_url = await _open_grant_page(browser, flow)
    anonymous = await browser.get(grant_url, headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/index.php/login?redirect_url=%2Findex.php%2Flogin%2Fv2%2Fgrant")
    login_form = await browser.get(anonymous.headers["location"])
    token = _requesttoken(login_form.text)
    redirect_url = re.search(r'name="redirect_url" value="([^"]*)"', login_form.text)
    assert redirect_url is not None
    data = {"user": "alice", "password": "secret", "requesttoken": token, "redirect_url": unescape(redirect_url[1])}
    logged_in = await browser.post("/index.php/login", data=data, headers=ORIGIN)
    assert logged_in.status_code == 303
    grant = await browser.get(logged_in.headers["location"])
    assert grant.status_code == 200
    assert "Currently logged in as Alice A. (alice)." in grant.text and 'value="Grant access"' in grant.text


async def test_a_refused_login_loses_the_flow_kept_in_the_session(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``tryLogin`` with an untrusted ``Origin`` (or a failed CSRF check) calls ``$this->userSession->logout()``,
    which destroys the session and with it the flow's login and state tokens: after logging in, the grant page is
    403 until the person opens the client's login link again."""
    flow = await _init(client)
    grant_url = await _open_grant_page(browser, flow)
    login_form = await browser.get("/index.php/login")
    data = {"user": "alice", "password": "secret", "requesttoken": _requesttoken(login_form.text)}
    refused = await browser.post("/index.php/login", data=data, headers={"Origin": "http://evil.test"})
    assert refused.headers["location"].startswith("/index.php/login?user=alice")  # invalidOrigin
    await _log_in(browser)
    lost = await browser.get(grant_url)
    assert lost.status_code == 403 and "State token does not match" in lost.text
    grant = await browser.get(await _open_grant_page(browser, flow))
    assert grant.status_code == 200 and 'value="Grant access"' in grant.text


async def test_grant_checks_the_state_token(client: httpx2.AsyncClient, browser: httpx2.AsyncClient) -> None:
    """``grantPage``/``generateAppPassword``: ``stateTokenMissingResponse`` / ``stateTokenForbiddenResponse``."""
    await _log_in(browser)
    flow = await _init(client)
    await _open_grant_page(browser, flow)
    missing = await browser.get("/index.php/login/v2/grant")
    assert missing.status_code == 403 and "State token missing" in missing.text
    wrong = await browser.get("/index.php/login/v2/grant", params={"stateToken": "x" * 64})
    assert wrong.status_code == 403 and "State token does not match" in wrong.text


async def test_generate_app_password_needs_the_csrf_token_but_not_origin(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``generateAppPassword`` has no ``#[NoCSRFRequired]``: without the form's ``requesttoken``
    ``SecurityMiddleware`` answers 412; unlike ``tryLogin`` it does not check ``Origin``."""
    await _log_in(browser)
    flow = await _init(client)
    grant = await browser.get(await _open_grant_page(browser, flow))
    state_token = re.search(r'name="stateToken" value="([^"]*)"', grant.text)
    assert state_token is not None
    no_csrf = await browser.post("/index.php/login/v2/grant", data={"stateToken": state_token[1]}, headers=ORIGIN)
    assert no_csrf.status_code == 412
    assert (await _poll(client, _poll_token(flow))).status_code == 404
    done = await browser.post(
        "/index.php/login/v2/grant",
        data={"stateToken": state_token[1], "requesttoken": _requesttoken(grant.text)},
        headers={"Origin": "http://elsewhere.test"},
    )
    assert done.status_code == 200 and DONE_MARKER in done.text
    assert (await _poll(client, _poll_token(flow))).status_code == 200
    # the session's flow values are cleared: the same form cannot be sent twice
    twice = await browser.post(
        "/index.php/login/v2/grant", data={"stateToken": state_token[1], "requesttoken": _requesttoken(grant.text)}
    )
    assert twice.status_code == 403 and "State token does not match" in twice.text


async def test_generate_app_password_refuses_cookies_without_the_same_site_markers(
    state: FakeState, client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``Request::passesCSRFCheck`` starts with ``passesStrictCookieCheck``: a cross-site POST that carries the
    session cookie but not ``nc_sameSiteCookiestrict`` fails the CSRF check even with a valid token."""
    await _log_in(browser)
    flow = await _init(client)
    grant = await browser.get(await _open_grant_page(browser, flow))
    state_token = re.search(r'name="stateToken" value="([^"]*)"', grant.text)
    assert state_token is not None
    browser.cookies.delete("nc_sameSiteCookiestrict")
    response = await browser.post(
        "/index.php/login/v2/grant", data={"stateToken": state_token[1], "requesttoken": _requesttoken(grant.text)}
    )
    assert response.status_code == 412


async def test_the_grant_needs_a_recent_password_confirmation(
    clock: ManualClock, client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``#[PasswordConfirmationRequired(strict: false)]``: ``last-password-confirm`` (set by ``tryLogin``) must
    be at most 30 minutes + 15 s old, else ``NotConfirmedException`` (403 "Password confirmation is required");
    ``PUT /ocs/v2.php/core/apppassword/confirm`` renews it."""
    await _log_in(browser)
    clock.advance(30 * 60 + 16)
    flow = await _init(client)
    grant = await browser.get(await _open_grant_page(browser, flow))
    data = {
        "stateToken": re.search(r'name="stateToken" value="([^"]*)"', grant.text)[1],  # type: ignore[index]
        "requesttoken": _requesttoken(grant.text),
    }
    refused = await browser.post("/index.php/login/v2/grant", data=data)
    assert (refused.status_code, refused.json()) == (403, {"message": "Password confirmation is required"})
    wrong = await browser.put("/ocs/v2.php/core/apppassword/confirm", data={"password": "nope"}, headers=OCS_HEADERS)
    assert wrong.status_code == 403
    confirm = await browser.put(
        "/ocs/v2.php/core/apppassword/confirm", data={"password": "secret"}, headers=OCS_HEADERS
    )
    assert confirm.json()["ocs"]["data"] == {"lastLogin": int(clock.now())}
    done = await browser.post("/index.php/login/v2/grant", data=data)
    assert done.status_code == 200 and DONE_MARKER in done.text


# --- the 20-minute lifetime ------------------------------------------------------------------------------------


async def test_a_flow_lives_twenty_minutes(clock: ManualClock, client: httpx2.AsyncClient) -> None:
    """``LoginFlowV2Mapper::validateTimestamp``: ``timestamp < time() - 1200`` is expired (and deleted): at
    exactly 1200 s the flow still exists, one second later the poll is 404 and the login link 403."""
    flow = await _init(client)
    clock.advance(1200)
    assert (await _poll(client, _poll_token(flow))).status_code == 404  # exists, not granted yet
    landing = await client.get(str(flow["login"]))
    assert landing.status_code == 303
    clock.advance(1)
    assert (await _poll(client, _poll_token(flow))).status_code == 404
    expired = await client.get(str(flow["login"]))
    assert expired.status_code == 403 and "invalid or has expired" in expired.text


async def test_granted_credentials_expire_with_the_flow(clock: ManualClock, client: httpx2.AsyncClient) -> None:
    """The lifetime counts from ``init`` (``setTimestamp`` in ``createTokens``), not from the grant."""
    flow = await _init(client)
    await form_login_flow(str(flow["login"]), *ALICE, transport=_transport(client))
    clock.advance(1201)
    assert (await _poll(client, _poll_token(flow))).status_code == 404


async def test_granting_an_expired_flow_fails(
    clock: ManualClock, client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``generateAppPassword``: ``getFlowByLoginToken`` fails -> ``loginTokenForbiddenResponse``."""
    await _log_in(browser)
    flow = await _init(client)
    grant = await browser.get(await _open_grant_page(browser, flow))
    clock.advance(1201)
    data = {
        "stateToken": re.search(r'name="stateToken" value="([^"]*)"', grant.text)[1],  # type: ignore[index]
        "requesttoken": _requesttoken(grant.text),
    }
    response = await browser.post("/index.php/login/v2/grant", data=data)
    assert response.status_code == 403 and "invalid or has expired" in response.text


# --- app passwords over OCS ------------------------------------------------------------------------------------


async def test_getapppassword_turns_a_password_login_into_an_app_password(client: httpx2.AsyncClient) -> None:
    """``getAppPassword``: 72 characters, a device token named after the ``User-Agent``; a cookie-less Basic
    client has no session token, so ``#[PasswordConfirmationRequired]`` does not apply."""
    response = await client.get(
        "/ocs/v2.php/core/getapppassword", headers={**OCS_HEADERS, "User-Agent": "my-client"}, auth=ALICE
    )
    assert response.status_code == 200
    password = response.json()["ocs"]["data"]["apppassword"]
    assert re.fullmatch(r"[0-9A-Za-z]{72}", password)
    check = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice", password))
    assert check.status_code == 200


async def test_getapppassword_refuses_an_app_password_login(client: httpx2.AsyncClient) -> None:
    """``getAppPassword``: ``$this->session->exists('app_password')`` (set by ``Session::logClientIn``) ->
    ``OCSForbiddenException``."""
    response = await client.get(
        "/ocs/v2.php/core/getapppassword", headers=OCS_HEADERS, auth=("alice", ALICE_APP_PASSWORD)
    )
    assert response.status_code == 403
    assert response.json()["ocs"]["meta"]["message"] == "You cannot request an new apppassword with an apppassword"


async def test_getapppassword_needs_the_ocs_header(client: httpx2.AsyncClient) -> None:
    """Not ``#[NoCSRFRequired]``: without ``OCS-APIRequest: true`` the CSRF check fails (412)."""
    response = await client.get("/ocs/v2.php/core/getapppassword", headers={"Accept": "application/json"}, auth=ALICE)
    assert response.status_code == 412


async def test_delete_apppassword_revokes_the_app_password_in_use(client: httpx2.AsyncClient) -> None:
    """``deleteAppPassword``: ``invalidateTokenById`` for the request's app password -> ``[]``; its next use is
    401. With a password login: 403 "no app password in use"."""
    with_password = await client.delete("/ocs/v2.php/core/apppassword", headers=OCS_HEADERS, auth=ALICE)
    assert with_password.status_code == 403
    assert with_password.json()["ocs"]["meta"]["message"] == "no app password in use"
    auth = ("alice", ALICE_APP_PASSWORD)
    response = await client.delete("/ocs/v2.php/core/apppassword", headers=OCS_HEADERS, auth=auth)
    assert response.status_code == 200 and response.json()["ocs"]["data"] == []
    after = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=auth)
    assert after.status_code == 401
    dav = await client.request("PROPFIND", "/remote.php/dav/files/alice/", headers={"Depth": "0"}, auth=auth)
    assert dav.status_code == 401


async def test_rotate_apppassword_replaces_the_secret(client: httpx2.AsyncClient) -> None:
    """``rotateAppPassword``: ``tokenProvider->rotate``: a new 72-character secret, the old one stops working."""
    old = ("alice", ALICE_APP_PASSWORD)
    response = await client.post("/ocs/v2.php/core/apppassword/rotate", headers=OCS_HEADERS, auth=old)
    new = response.json()["ocs"]["data"]["apppassword"]
    assert re.fullmatch(r"[0-9A-Za-z]{72}", new)
    assert (await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=old)).status_code == 401
    assert (await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice", new))).status_code == 200


# --- devices & sessions ----------------------------------------------------------------------------------------


async def _app_tokens(browser: httpx2.AsyncClient) -> tuple[list[dict[str, object]], str]:
    page = await browser.get("/index.php/settings/user/security")
    assert page.status_code == 200
    match = re.search(r'id="initial-state-settings-app_tokens" value="([^"]*)"', page.text)
    assert match is not None
    tokens: list[dict[str, object]] = json.loads(base64.b64decode(unescape(match[1])))
    return tokens, _requesttoken(page.text)


async def test_the_device_list_shows_sessions_and_app_passwords(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``Authtokens::getAppTokens``: ``PublicKeyToken::jsonSerialize`` + ``canDelete``/``canRename``; the current
    session (type 0) is marked ``current`` and cannot be deleted; a login flow's app password is named after the
    client's ``User-Agent``."""
    flow = await _init(client)
    await form_login_flow(str(flow["login"]), *ALICE, transport=_transport(client))
    await _log_in(browser)
    tokens, _ = await _app_tokens(browser)
    by_name = {t["name"]: t for t in tokens}
    assert by_name[DESKTOP_UA]["type"] == 1 and by_name[DESKTOP_UA]["scope"] == {"filesystem": True}
    assert set(by_name[DESKTOP_UA]) == {"id", "name", "lastActivity", "type", "scope", "canDelete", "canRename"}
    assert by_name["App password"]["type"] == 1  # the seeded one
    current = [t for t in tokens if t.get("current")]
    assert len(current) == 1 and current[0]["type"] == 0 and current[0]["canDelete"] is False


async def test_deleting_an_app_password_in_the_settings_revokes_it(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``AuthSettingsController::destroy``: session + ``requesttoken`` (412 without); ``[]``; unknown id 404;
    the app password's next use is 401."""
    auth = ("alice", ALICE_APP_PASSWORD)
    assert (await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=auth)).status_code == 200
    await _log_in(browser)
    tokens, requesttoken = await _app_tokens(browser)
    seeded = next(t for t in tokens if t["name"] == "App password")
    url = f"/index.php/settings/personal/authtokens/{seeded['id']}"
    assert (await browser.delete(url)).status_code == 412
    deleted = await browser.delete(url, headers={"requesttoken": requesttoken})
    assert (deleted.status_code, deleted.json()) == (200, [])
    assert (await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=auth)).status_code == 401
    again = await browser.delete(url, headers={"requesttoken": requesttoken})
    assert (again.status_code, again.json()) == (404, [])
    tokens, _ = await _app_tokens(browser)
    assert all(t["name"] != "App password" for t in tokens)


async def test_other_users_tokens_are_not_found(client: httpx2.AsyncClient, browser: httpx2.AsyncClient) -> None:
    """``findTokenByIdAndUser``: "This token does not belong to you!" -> 404."""
    await _log_in(browser)
    tokens, requesttoken = await _app_tokens(browser)
    seeded = next(t for t in tokens if t["name"] == "App password")
    await browser.get("/index.php/logout", params={"requesttoken": requesttoken})
    await _log_in(browser, "bob@corp", "bob-secret")
    _, bob_token = await _app_tokens(browser)
    response = await browser.delete(
        f"/index.php/settings/personal/authtokens/{seeded['id']}", headers={"requesttoken": bob_token}
    )
    assert response.status_code == 404
    alice = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice", ALICE_APP_PASSWORD))
    assert alice.status_code == 200


async def test_creating_an_app_password_in_the_settings(
    client: httpx2.AsyncClient, browser: httpx2.AsyncClient
) -> None:
    """``AuthSettingsController::create``: ``AbCdE-fGhJk-MnPqR-sTwXy-23456``, ``loginName``, ``deviceToken``."""
    await _log_in(browser)
    _, requesttoken = await _app_tokens(browser)
    response = await browser.post(
        "/index.php/settings/personal/authtokens", data={"name": "MCP"}, headers={"requesttoken": requesttoken}
    )
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"([a-zA-Z2-9]{5}-){4}[a-zA-Z2-9]{5}", body["token"])
    assert body["loginName"] == "alice"
    assert body["deviceToken"]["name"] == "MCP" and body["deviceToken"]["canDelete"] is True
    check = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice", body["token"]))
    assert check.status_code == 200


# --- a real browser --------------------------------------------------------------------------------------------


@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed")
async def test_chromium_completes_the_flow(state: FakeState) -> None:
    """The same flow in Debian Chromium (support.login_flow.chromium_login_flow) against the fake over HTTP."""
    pytest.importorskip("playwright")
    from support.asgi_server import serve

    async with serve(build_app(state)) as base_url, httpx2.AsyncClient(base_url=base_url) as http:
        flow = (await http.post("/index.php/login/v2", headers={"User-Agent": "chromium-test"})).json()
        page = await chromium_login_flow(flow["login"], *ALICE)
        assert DONE_MARKER in page
        creds = (await http.post("/index.php/login/v2/poll", data={"token": flow["poll"]["token"]})).json()
        assert creds["loginName"] == "alice" and creds["server"] == base_url
