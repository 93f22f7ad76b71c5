"""The oidc app's controller arguments (H2CK/oidc 2.0.9 ``lib/Controller/*.php``, bound like nextcloud/server's
``Dispatcher::executeController``; see ``core/signature.py``).

Every route names the method ``appinfo/routes.php`` maps it to. No parameter of these methods is required outside
the URL - ``authorize`` declares its parameters untyped, ``getToken`` its ``$grant_type``, the rest are nullable or
defaulted - so a client omitting any field gets the method's own answer, never a 500; a value of the wrong type (an
array for a ``string``, a string for an ``array``) is PHP's ``TypeError``, and the app has no middleware handling
it: index.php's 500 page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx2
import pytest
from starlette.routing import BaseRoute, Mount, Route

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.core.signature import PhpMethod, signature_of
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
    forms,
)

pytestmark = pytest.mark.anyio
APP = "/index.php/apps/oidc"
WELL_KNOWN = "/index.php/.well-known/{service}"
#: ``appinfo/routes.php`` (2.0.9): verb + URL -> ``Controller::method``; core's ``WellKnown#handle`` for discovery.
ROUTES_PHP = {
    ("GET", "/authorize"): "LoginRedirectorController::authorize",
    ("POST", "/authorize"): "LoginRedirectorController::authorizePost",
    ("OPTIONS", "/authorize"): "CorsController::authorizeCorsResponse",
    ("GET", "/redirect"): "PageController::index",
    ("GET", "/consent"): "ConsentController::show",
    ("POST", "/consent/grant"): "ConsentController::grant",
    ("POST", "/consent/deny"): "ConsentController::deny",
    ("POST", "/token"): "OIDCApiController::getToken",
    ("OPTIONS", "/token"): "CorsController::tokenCorsResponse",
    ("GET", "/userinfo"): "UserInfoController::getInfo",
    ("POST", "/userinfo"): "UserInfoController::getInfoPost",
    ("OPTIONS", "/userinfo"): "CorsController::userInfoCorsResponse",
    ("POST", "/register"): "DynamicRegistrationController::registerClient",
    ("OPTIONS", "/register"): "CorsController::registerCorsResponse",
    ("GET", "/register/{clientId}"): "DynamicRegistrationController::getClientConfiguration",
    ("PUT", "/register/{clientId}"): "DynamicRegistrationController::updateClientConfiguration",
    ("DELETE", "/register/{clientId}"): "DynamicRegistrationController::deleteClientConfiguration",
    ("OPTIONS", "/register/{clientId}"): "CorsController::clientManagementCorsResponse",
    ("GET", "/openid-configuration"): "DiscoveryController::getInfo",
    ("OPTIONS", "/openid-configuration"): "CorsController::discoveryCorsResponse",
    ("GET", "/jwks"): "JwksController::getKeyInfo",
    ("OPTIONS", "/jwks"): "CorsController::jwksCorsResponse",
    ("GET", "/logout"): "LogoutController::logout",
    ("POST", "/logout"): "LogoutController::logoutPost",
    ("OPTIONS", "/logout"): "CorsController::logoutCorsResponse",
    ("POST", "/introspect"): "IntrospectionController::introspectToken",
    ("OPTIONS", "/introspect"): "CorsController::introspectionCorsResponse",
}


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            inner = getattr(route.app, "router", route.app)
            yield from _walk(getattr(inner, "routes", []), prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def _methods() -> dict[tuple[str, str], PhpMethod | None]:
    found: dict[tuple[str, str], PhpMethod | None] = {}
    for path, route in _walk(build_app(FakeState()).routes):
        if path.startswith(APP + "/") or path == WELL_KNOWN:
            for verb in sorted((route.methods or set()) - {"HEAD"}):
                found[(verb, path.removeprefix(APP))] = signature_of(route.endpoint)
    return found


def test_every_route_names_the_method_routes_php_maps_it_to() -> None:
    names = {key: method.qualname if method else None for key, method in _methods().items()}
    assert names == ROUTES_PHP | {("GET", WELL_KNOWN): "WellKnownController::handle"}


def test_no_parameter_is_required_outside_the_url() -> None:
    for (verb, path), method in _methods().items():
        assert method is not None
        in_url = set(re.findall(r"{(\w+)}", path))
        assert [p.name for p in method.required() if p.name not in in_url] == [], f"{verb} {path}"
    register = _methods()[("POST", "/register")]
    assert register is not None
    defaults = {p.name: p.default for p in register.params}
    assert defaults["response_types"] == ["code"] and defaults["id_token_signed_response_alg"] == "RS256"


def _is_500_page(response: httpx2.Response) -> bool:
    return response.status_code == 500 and response.headers["content-type"].startswith("text/html")


async def test_omitted_fields_get_the_methods_own_answers(client: httpx2.AsyncClient) -> None:
    token = await client.post(TOKEN, data={})
    assert (token.status_code, token.json()["error"]) == (400, "invalid_grant")  # $grant_type === null
    missing_code = await client.post(TOKEN, data={"grant_type": "authorization_code"})
    assert (missing_code.status_code, missing_code.json()["error"]) == (400, "invalid_request")
    register = await client.post(REGISTER, json={})
    assert (register.status_code, register.json()["error"]) == (400, "no_redirect_uris_provided")
    assert (await client.post(INTROSPECT, data={})).status_code == 401
    assert (await client.post(USERINFO, data={})).json()["error"] == "invalid_request"
    assert (await client.get("/index.php/apps/oidc/logout")).headers["location"] == "/index.php/login"
    authorize = await client.get(AUTHORIZE)  # untyped parameters: null is fine, the login comes first
    assert authorize.status_code == 303 and authorize.headers["location"].startswith("/index.php/login?")


async def test_registration_defaults_come_from_the_signature(client: httpx2.AsyncClient) -> None:
    data = (await client.post(REGISTER, json={"redirect_uris": [CALLBACK], "token_type": None})).json()
    assert data["id_token_signed_response_alg"] == "RS256" and data["response_types"] == ["code"]
    assert data["application_type"] == "web" and data["token_type"] == "opaque"  # a JSON null is not isset()
    empty = await client.post(REGISTER, json={"redirect_uris": []})
    # `$redirect_uris == null` is true for []: the "at least one" branch after it is never reached
    assert empty.json()["error_description"] == "Dynamic Client Registration requires redirect_uris to be set."


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", TOKEN, {"grant_type": "authorization_code", "code": ["x"]}),
        ("POST", TOKEN, {"grant_type": "refresh_token", "refresh_token": "x", "code_verifier": {"a": 1}}),
        ("POST", REGISTER, {"redirect_uris": CALLBACK}),
        ("POST", REGISTER, {"redirect_uris": [CALLBACK], "response_types": "code"}),
        ("POST", REGISTER, {"redirect_uris": [CALLBACK], "client_name": ["n"]}),
        ("PUT", f"{REGISTER}/abc", {"scope": ["openid"]}),  # bound before the registration token is checked
        ("POST", USERINFO, {"access_token": ["t"]}),
        ("POST", INTROSPECT, {"token": ["t"]}),
        ("POST", INTROSPECT, {"client_id": 5, "client_secret": "s", "token": "t"}),  # getByIdentifier(int)
        ("POST", "/index.php/apps/oidc/logout", {"state": ["s"]}),
        ("GET", "/index.php/apps/oidc/logout", {"id_token_hint": ["h"]}),
    ],
)
async def test_a_value_of_the_wrong_type_is_the_500_page(
    client: httpx2.AsyncClient, method: str, url: str, body: dict[str, Any]
) -> None:
    response = await client.request(method, url, json=body)
    assert _is_500_page(response), (response.status_code, response.text[:200])


async def test_introspection_secret_of_the_wrong_type(client: httpx2.AsyncClient) -> None:
    """``hash_equals($client->getSecret(), $clientSecret)`` with a number: a TypeError for a known client only."""
    registered = await create_client(client)
    body = {"client_id": registered["client_id"], "client_secret": 1, "token": "t"}
    assert _is_500_page(await client.post(INTROSPECT, json=body))
    assert (await client.post(INTROSPECT, json=body | {"client_id": "unknown"})).status_code == 401


async def test_consent_scopes_of_the_wrong_type(state: FakeState, client: httpx2.AsyncClient) -> None:
    """``trim($this->request->getParam('scopes'))`` under ``strict_types``: a number is a TypeError."""
    state.config.set_app_value("oidc", "allow_user_settings", "enabled")
    registered = await create_client(client)
    async with Browser(build_app(state)) as browser:
        page = await browser.follow(await browser.request("GET", f"{AUTHORIZE}?{urlencode(auth_params(registered))}"))
        assert not isinstance(page, str)
        page = await browser.follow(await browser.login("alice", "secret", page))
        assert not isinstance(page, str)
        page = await browser.follow(await browser.submit(forms(page.text)[0]))  # the redirect page's form
        assert not isinstance(page, str)
        grant = forms(page.text)[0]
        assert grant.action.endswith("/consent/grant")
        response = await browser.http.post(
            grant.action, json={**grant.fields, "scopes": 5}, headers={"Origin": browser.base_url}
        )
        assert _is_500_page(response), (response.status_code, response.text[:200])


async def test_well_known_is_cores_controller(state: FakeState, client: httpx2.AsyncClient) -> None:
    """``WellKnownController::handle``: ``X-NEXTCLOUD-WELL-KNOWN: 1`` on every answer, a JSON 404 for a service
    no handler answers (the oidc app's ``OIDCDiscoveryHandler`` only exists while the app is enabled)."""
    discovery = await client.get("/.well-known/openid-configuration")
    assert discovery.status_code == 200 and discovery.headers["x-nextcloud-well-known"] == "1"
    other = await client.get("/index.php/.well-known/nodeinfo")
    assert (other.status_code, other.json()) == (404, {"message": "nodeinfo not supported"})
    assert other.headers["x-nextcloud-well-known"] == "1"
    state.disable_app("oidc")
    gone = await client.get("/index.php/.well-known/openid-configuration")
    assert (gone.status_code, gone.json()) == (404, {"message": "openid-configuration not supported"})
