"""The oidc app's authorization-code flow driven like a browser over plain HTTP (cookie jar, html.parser),
then the token used against Nextcloud's APIs through user_oidc."""

from __future__ import annotations

from urllib.parse import unquote, urlencode, urlsplit

import httpx2
import pytest

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.apps.oidc.models import OidcBackend
from support.fake_oidc import (
    AUTHORIZE,
    CALLBACK,
    INTROSPECT,
    REGISTER,
    TOKEN,
    USERINFO,
    Browser,
    auth_params,
    create_client,
    exchange,
    forms,
    parse,
    pkce,
    query_of,
)
from support.fake_support import NOTES

pytestmark = pytest.mark.anyio


async def test_full_code_flow_with_consent_pkce_and_bearer_use(state: FakeState, client: httpx2.AsyncClient) -> None:
    """DCR -> authorize -> login page -> post-login redirect page -> consent -> code -> token (PKCE S256)
    -> userinfo, introspection, OCS and the Notes API with the Bearer token."""
    state.config.set_app_value("oidc", "allow_user_settings", "enabled")
    reg = await client.post(REGISTER, json={"redirect_uris": [CALLBACK], "scope": "openid profile notes:read"})
    assert reg.status_code == 201
    registered = reg.json()
    rs = await create_client(client, name="mcp", resource_url="http://127.0.0.1:9/mcp")
    verifier, challenge = pkce()
    params = auth_params(registered, challenge, scope="openid notes:read", resource="http://127.0.0.1:9/mcp")
    app = build_app(state)
    async with Browser(app) as browser:
        # 1. not logged in: 303 to the login page, redirect_url = the oidc redirect page with every parameter
        first = await browser.request("GET", f"{AUTHORIZE}?{urlencode(params)}")
        assert first.status_code == 303
        login_location = first.headers["location"]
        assert login_location.startswith("/index.php/login?redirect_url=")
        redirect_url = unquote(login_location.split("redirect_url=", 1)[1])
        assert redirect_url.startswith("/index.php/apps/oidc/redirect?client_id=")
        # 2. the login form
        page = await browser.request("GET", login_location)
        [login] = forms(page.text)
        assert (login.method, login.action) == ("POST", "/index.php/login")
        assert login.inputs["user"]["id"] == "user" and login.inputs["password"]["type"] == "password"
        assert {"requesttoken", "timezone", "timezone_offset", "redirect_url"} <= set(login.fields)
        assert login.fields["redirect_url"] == redirect_url
        # 3. log in: 303 to the absolute redirect URL
        after = await browser.submit(login, user="alice", password="secret")
        assert after.status_code == 303
        assert after.headers["location"] == "http://nc.test" + redirect_url
        # 4. the redirect page (JS in real life): data-* attributes and a <noscript> form to /authorize
        page = await browser.request("GET", after.headers["location"])
        assert page.status_code == 200
        parsed = parse(page.text)
        assert parsed.data_attrs["oidc-redirect"]["data-code-challenge"] == challenge
        [cont] = parsed.forms
        assert (cont.method, cont.action) == ("POST", AUTHORIZE)
        # 5. authorize again, now logged in: the consent page
        consent_hop = await browser.submit(cont)
        assert consent_hop.status_code == 303 and consent_hop.headers["location"] == "/index.php/apps/oidc/consent"
        page = await browser.request("GET", "/index.php/apps/oidc/consent")
        grant, deny = forms(page.text)
        assert grant.action == "/index.php/apps/oidc/consent/grant" and deny.action.endswith("/consent/deny")
        assert {n for n in grant.inputs if n.startswith("scope_")} == {"scope_openid", "scope_notes:read"}
        # 6. grant: back to authorize with the granted scope, then to the client
        callback = await browser.follow(await browser.submit(grant))
    assert isinstance(callback, str) and callback.startswith(CALLBACK + "?")
    got = query_of(callback)
    assert list(got) == ["state", "code"]  # no `iss` (RFC 9207 not implemented by H2CK/oidc)
    assert got["state"] == "st-1" and len(got["code"]) == 128
    response = await exchange(client, registered, got["code"], verifier)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert len(token) == 72 and token.isalnum()
    bearer = {"Authorization": f"Bearer {token}"}
    info = await client.get(USERINFO, headers=bearer)
    assert info.json() == {"sub": "alice", "preferred_username": "alice", "scope": "openid notes:read"}
    creds = {"client_id": rs["client_id"], "client_secret": rs["client_secret"], "token": token}
    assert (await client.post(INTROSPECT, data=creds)).json()["active"] is True  # resource == caller's resource_url
    ocs = await client.get("/ocs/v2.php/cloud/user", headers={**bearer, "Accept": "application/json"})
    assert ocs.status_code == 200 and ocs.json()["ocs"]["data"]["id"] == "alice"
    assert (await client.get(f"{NOTES}/notes", headers=bearer)).status_code == 200  # Bearer patch on
    state.config.bearer_patch = False
    notes = await client.get(f"{NOTES}/notes", headers=bearer)
    assert (notes.status_code, notes.json()) == (401, {"message": "CORS requires basic auth"})
    paths = [r["path"] for r in (await client.get("/__testbed__/requests")).json()["requests"]]
    assert paths.count(USERINFO) == 1 and paths.count(INTROSPECT) == 1


async def test_without_consent_setting_the_login_leads_straight_to_the_client(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    """allow_user_settings=no (default): consent is recorded automatically, no consent page."""
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(auth_params(registered))
    assert "code" in query_of(callback)
    assert not any("consent" in page for page in browser.pages)


async def test_prompt_none_without_session_redirects_with_login_required(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    registered = await create_client(client)
    response = await client.get(f"{AUTHORIZE}?{urlencode(auth_params(registered, prompt='none'))}")
    assert response.status_code == 303
    assert query_of(response.headers["location"]) == {
        "error": "login_required",
        "error_description": "User is not logged in.",
        "state": "st-1",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "nope"}, "Your client is not authorized to connect."),
        ({"redirect_uri": "http://evil.example/cb"}, "The received redirect URI is not accepted"),
    ],
)
async def test_unknown_client_or_redirect_uri_is_an_error_page_with_status_200(
    state: FakeState, client: httpx2.AsyncClient, change: dict[str, str], message: str
) -> None:
    """TemplateResponse('core', '403', ..., 'error') keeps the default HTTP 200 - and never redirects."""
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        await browser.authorize(auth_params(registered))  # logged in now
        response = await browser.request("GET", f"{AUTHORIZE}?{urlencode(auth_params(registered) | change)}")
    assert response.status_code == 200
    assert "location" not in response.headers
    assert message in response.text


async def test_scopes_are_lowercased_and_filtered_by_the_client(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client, allowed_scopes="openid notes:read")
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(auth_params(registered, scope="OpenID Notes:Read notes:write"))
    token = (await exchange(client, registered, query_of(callback)["code"])).json()["access_token"]
    info = await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert info.json()["scope"] == "openid notes:read"


async def test_no_allowed_scope_left_means_the_default_scope(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client, allowed_scopes="notes:read")
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(auth_params(registered, scope="calendar"))
    token = (await exchange(client, registered, query_of(callback)["code"])).json()["access_token"]
    info = (await client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})).json()
    assert info["scope"] == "openid profile email roles"  # Application::DEFAULT_SCOPE
    assert info["email"] == "alice@example.org" and info["roles"] == []


async def test_consent_deny_redirects_with_access_denied(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.config.set_app_value("oidc", "allow_user_settings", "enabled")
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(auth_params(registered), consent="deny")
    assert callback == f"{CALLBACK}?error=access_denied&error_description=User%20denied%20consent&state=st-1"


async def test_consent_subset_and_when_it_is_asked_again(state: FakeState, client: httpx2.AsyncClient) -> None:
    """The user may untick scopes; the code carries the subset. The same request later needs no new consent
    only if the scope string equals the granted one - a subset approval makes the next request ask again."""
    state.config.set_app_value("oidc", "allow_user_settings", "enabled")
    registered = await create_client(client)
    app = build_app(state)
    params = auth_params(registered, scope="openid profile offline_access")
    async with Browser(app) as browser:
        page = await browser.follow(await browser.request("GET", f"{AUTHORIZE}?{urlencode(params)}"))
        assert not isinstance(page, str)
        page = await browser.follow(await browser.login("alice", "secret", page))
        assert not isinstance(page, str)
        page = await browser.follow(await browser.submit(forms(page.text)[0]))
        assert not isinstance(page, str)
        grant = forms(page.text)[0]
        del grant.fields["scope_offline_access"]  # untick
        callback = await browser.follow(await browser.submit(grant))
        assert isinstance(callback, str)
        body = (await exchange(client, registered, query_of(callback)["code"])).json()
        assert "refresh_token" not in body  # offline_access was not granted
        info = await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert info.json()["scope"] == "openid profile"
        again = await browser.request("GET", f"{AUTHORIZE}?{urlencode(params)}")
        assert again.headers["location"] == "/index.php/apps/oidc/consent"  # granted "openid profile" != requested
        same = await browser.request("GET", f"{AUTHORIZE}?{urlencode(params | {'scope': 'openid profile'})}")
        assert same.headers["location"].startswith(CALLBACK)


async def test_group_restricted_client_refuses_other_users(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client, groups=["admin"])
    async with Browser(build_app(state)) as browser:
        with pytest.raises(AssertionError, match="stuck"):
            await browser.authorize(auth_params(registered))
        assert browser.pages[-1].startswith("POST " + AUTHORIZE)
    async with Browser(build_app(state)) as browser:
        assert "code" in query_of(await browser.authorize(auth_params(registered), "admin", "admin-secret"))


@pytest.mark.parametrize(
    ("extra", "description"),
    [
        ({"code_challenge": "too-short"}, "Invalid code_challenge format"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "S512"}, "Unsupported code_challenge_method"),
    ],
)
async def test_bad_pkce_parameters_redirect_with_invalid_request(
    state: FakeState, client: httpx2.AsyncClient, extra: dict[str, str], description: str
) -> None:
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(auth_params(registered) | extra)
    assert query_of(callback) == {"error": "invalid_request", "error_description": description, "state": "st-1"}


async def test_state_is_always_in_the_redirect(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    params = auth_params(registered)
    del params["state"]
    async with Browser(build_app(state)) as browser:
        callback = await browser.authorize(params)
    assert urlsplit(callback).query.startswith("state=&code=")


async def test_prompt_login_forces_a_new_login(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        await browser.authorize(auth_params(registered))
        browser.pages.clear()
        callback = await browser.authorize(auth_params(registered, prompt="login"))
    assert "code" in query_of(callback)
    assert any(page.startswith("POST /index.php/login") for page in browser.pages)


async def test_response_mode_form_post(state: FakeState, client: httpx2.AsyncClient) -> None:
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        await browser.authorize(auth_params(registered))
        page = await browser.request(
            "GET", f"{AUTHORIZE}?{urlencode(auth_params(registered, response_mode='form_post'))}"
        )
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    [form] = forms(page.text)
    assert form.action == CALLBACK and set(form.fields) == {"state", "code"}


async def test_token_endpoint_rejects_other_grant_types(client: httpx2.AsyncClient) -> None:
    response = await client.post(TOKEN, data={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_consent_loops_when_the_client_may_not_have_openid(state: FakeState, client: httpx2.AsyncClient) -> None:
    """ConsentController::grant always adds `openid` to the granted scopes, but authorize() then filters the
    requested scopes by the client's allowed_scopes: a client registered without `openid` (e.g. DCR with
    scope="notes:read") never matches its consent and is sent back to the consent page forever."""
    state.config.set_app_value("oidc", "allow_user_settings", "enabled")
    registered = (await client.post(REGISTER, json={"redirect_uris": [CALLBACK], "scope": "notes:read"})).json()
    async with Browser(build_app(state)) as browser:
        url = f"{AUTHORIZE}?{urlencode(auth_params(registered, scope='notes:read'))}"
        page = await browser.follow(await browser.request("GET", url))
        assert not isinstance(page, str)
        page = await browser.follow(await browser.login("alice", "secret", page))
        assert not isinstance(page, str)
        page = await browser.follow(await browser.submit(forms(page.text)[0]))  # redirect page -> consent
        for _ in range(3):
            assert not isinstance(page, str) and "/consent/grant" in page.text
            page = await browser.follow(await browser.submit(forms(page.text)[0]))  # grant -> consent again
    [consent] = OidcBackend.of(state).consents.values()
    assert consent.scopes_granted == "openid notes:read"  # vs. the filtered request "notes:read"
