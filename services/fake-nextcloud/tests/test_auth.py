"""Login and the unauthenticated answers of each route family (quirks named after their source)."""

from __future__ import annotations

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.fake_support import ALICE, ALICE_APP_PASSWORD, BOB, NOTES, OCS_HEADERS

pytestmark = pytest.mark.anyio


async def test_status_php_needs_no_login(client: httpx2.AsyncClient) -> None:
    response = await client.get("/status.php", auth=("alice", "wrong"))
    assert response.status_code == 200
    assert response.json()["installed"] is True


async def test_ocs_v2_unauthenticated_is_997_envelope_with_http_401(client: httpx2.AsyncClient) -> None:
    """OCSMiddleware::afterController turns SecurityMiddleware's NotLoggedIn JSON into OCS 997."""
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS)
    assert response.status_code == 401
    assert response.json()["ocs"]["meta"] == {
        "status": "failure",
        "statuscode": 997,
        "message": "Current user is not logged in",
    }


async def test_ocs_v1_unauthenticated_is_the_one_non_200_status(client: httpx2.AsyncClient) -> None:
    """V1Response::getStatus: everything is HTTP 200 except 997, which is 401."""
    response = await client.get("/ocs/v1.php/cloud/user", headers=OCS_HEADERS)
    assert response.status_code == 401
    meta = response.json()["ocs"]["meta"]
    assert meta["statuscode"] == 997
    assert meta["totalitems"] == ""


async def test_ocs_wrong_password_is_unauthorised_in_xml_unless_format_param(client: httpx2.AsyncClient) -> None:
    """ocs/v1.php catches LoginException: ApiHelper::respond(997, 'Unauthorised') looks only at ?format."""
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice", "wrong"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="Authorisation Required"'
    assert response.headers["content-type"] == "text/xml; charset=UTF-8"
    assert "<statuscode>997</statuscode>" in response.text
    assert "<message>Unauthorised</message>" in response.text

    response = await client.get("/ocs/v2.php/cloud/user?format=json", headers=OCS_HEADERS, auth=("alice", "wrong"))
    assert response.json()["ocs"]["meta"]["message"] == "Unauthorised"


async def test_notes_without_credentials_cors_requires_basic_auth(client: httpx2.AsyncClient) -> None:
    """#[CORS] routes: CORSMiddleware runs before SecurityMiddleware."""
    response = await client.get(f"{NOTES}/notes")
    assert response.status_code == 401
    assert response.json() == {"message": "CORS requires basic auth"}
    assert "x-notes-api-versions" not in response.headers  # never reached the controller


async def test_notes_without_credentials_but_ocs_header_is_not_logged_in(client: httpx2.AsyncClient) -> None:
    """Any OCS-APIRequest header passes Request::passesCSRFCheck, so CORSMiddleware lets the request
    through and SecurityMiddleware reports "Current user is not logged in"."""
    response = await client.get(f"{NOTES}/notes", headers={"OCS-APIRequest": "true"})
    assert response.status_code == 401
    assert response.json() == {"message": "Current user is not logged in"}


async def test_notes_wrong_password_is_login_exception_with_empty_message(client: httpx2.AsyncClient) -> None:
    """Session::tryBasicAuthLogin throws LoginException() -> HttpKernel answers {"message": ""}."""
    response = await client.get(f"{NOTES}/notes", auth=("alice", "wrong"))
    assert response.status_code == 401
    assert response.json() == {"message": ""}


async def test_wrong_password_is_rejected_before_routing(client: httpx2.AsyncClient) -> None:
    response = await client.get("/index.php/apps/unknown/thing", auth=("alice", "wrong"))
    assert response.status_code == 401
    assert "x-fake-nextcloud" not in response.headers


async def test_app_password_works_for_notes_and_ocs(client: httpx2.AsyncClient) -> None:
    auth = ("alice", ALICE_APP_PASSWORD)
    assert (await client.get(f"{NOTES}/notes", auth=auth)).status_code == 200
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=auth)
    assert response.json()["ocs"]["data"]["id"] == "alice"


async def test_login_name_differs_from_user_id(client: httpx2.AsyncClient) -> None:
    """LDAP-style account: log in as ``bob@corp``, the user id (and note owner) is ``b0b``."""
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=BOB)
    data = response.json()["ocs"]["data"]
    assert data["id"] == "b0b"
    assert data["displayname"] == data["display-name"] == "Bob"
    created = await client.post(f"{NOTES}/notes", json={"title": "mine"}, auth=BOB)
    assert created.json()["internalPath"] == "/Notes/mine.md"
    # the password also works with the user id (Database backend lookup), …
    assert (await client.get(f"{NOTES}/notes", auth=("b0b", "bob-secret"))).status_code == 200


async def test_app_password_is_bound_to_the_login_name(state: FakeState, client: httpx2.AsyncClient) -> None:
    """…but an app password only with the login name it was created for (Session::validateTokenLoginName)."""
    state.users["b0b"].app_passwords.append("bob-token")
    assert (await client.get(f"{NOTES}/notes", auth=("BOB@corp", "bob-token"))).status_code == 200
    assert (await client.get(f"{NOTES}/notes", auth=("b0b", "bob-token"))).status_code == 401


async def test_email_address_works_as_login(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice@example.org", "secret"))
    assert response.json()["ocs"]["data"]["id"] == "alice"


async def test_password_zero_counts_as_no_credentials(client: httpx2.AsyncClient) -> None:
    """tryBasicAuthLogin uses PHP empty(), which is true for "0": no LoginException, just anonymous."""
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("alice", "0"))
    assert response.json()["ocs"]["meta"]["message"] == "Current user is not logged in"


async def test_bearer_token_is_not_a_login_without_user_oidc(state: FakeState, client: httpx2.AsyncClient) -> None:
    """A stock server (no user_oidc, no Bearer patch): the Bearer header is ignored by the login chain."""
    state.disable_app("user_oidc")
    state.config.bearer_patch = False
    headers = {"Authorization": "Bearer some-token"}
    response = await client.get(f"{NOTES}/notes", headers=headers)
    assert response.json() == {"message": "CORS requires basic auth"}
    response = await client.get("/ocs/v2.php/cloud/user", headers={**headers, "Accept": "application/json"})
    assert response.json()["ocs"]["meta"]["statuscode"] == 997


async def test_alice_can_log_in(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=ALICE)
    assert response.status_code == 200


@pytest.mark.parametrize("password", ["secret", ALICE_APP_PASSWORD])
async def test_a_disabled_account_cannot_log_in_with_basic_auth(
    state: FakeState, client: httpx2.AsyncClient, password: str
) -> None:
    """``Session::completeLogin`` throws ``DisabledUserException("Account disabled")`` (a LoginException) for a
    disabled account, password or app password alike: OCS answers 997, index.php 401 with the message."""
    user = state.user("alice")
    assert user is not None
    user.enabled = False
    ocs = await client.get(
        "/ocs/v2.php/cloud/user", params={"format": "json"}, headers=OCS_HEADERS, auth=("alice", password)
    )
    assert (ocs.status_code, ocs.json()["ocs"]["meta"]["statuscode"]) == (401, 997)
    notes = await client.get(f"{NOTES}/notes", auth=("alice", password), headers={"Accept": "application/json"})
    assert (notes.status_code, notes.json()) == (401, {"message": "Account disabled"})


async def test_login_controller_arguments(client: httpx2.AsyncClient) -> None:
    """``LoginController::tryLogin(Chain $loginChain, ITrustedDomainHelper $trustedDomainHelper, string $user = '',
    …)``: the two services come from the DI container (``Dispatcher::executeController``: ``appContainer->get``
    for a null class-typed argument), so an empty POST reaches the method (no ``Origin``: back to the form); an
    array for ``string $user`` is a ``TypeError`` before the method runs - index.php's 500 page."""
    empty = await client.post("/index.php/login")
    assert empty.status_code == 303 and empty.headers["Location"].startswith("/index.php/login?user=&direct=1")
    array = await client.post("/index.php/login", json={"user": ["alice"], "password": "secret"})
    assert array.status_code == 500 and "text/html" in array.headers["content-type"]
    form = await client.get("/index.php/login", params={"user": "alice"})
    assert form.status_code == 200 and 'value="alice"' in form.text  # showLoginForm(?string $user = null, …)
