"""The providers under test. Each test runs once per entry of `PROVIDERS`.

The fake Nextcloud's `oidc` app runs the same tests as panva oidc-provider wherever Nextcloud follows the
standard, so the fake cannot drift from it; the features it lacks (as H2CK/oidc does) are left out of its set,
and the tests check H2CK/oidc's documented behaviour instead where it is worth pinning down.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from conformance.providers import FEATURES, FormLoginProvider, IdentityProvider
from support.oidc_provider import RunningOidcProvider, oidc_provider_unavailable, start_oidc_provider
from support.processes import ManagedProcess, free_port, http_ready

PROVIDERS = ["oidc-provider", "fake-nextcloud"]

# Nothing listens on these: they are the resource indicators (RFC 8707) the tokens are issued for.
MCP_RESOURCE = "http://127.0.0.1:18765/mcp"
FAKE_USERS = {"alice": "alice-secret", "bob": "bob-secret"}
USER_EMAIL = "{}@example.org"  # the test accounts' e-mail addresses (as in tests/support/idp/server.mjs)
OPAQUE_RESOURCE = "http://127.0.0.1:18766/mcp"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def need_oidc_provider() -> None:
    """Skip (or, with TESTBED_REQUIRE_IDP set, e.g. in CI, fail) where node/npm cannot run oidc-provider."""
    reason = oidc_provider_unavailable()
    if reason is not None:
        if os.environ.get("TESTBED_REQUIRE_IDP"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def oidc_provider_process(
    need_oidc_provider: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningOidcProvider]:
    """panva oidc-provider as one child process for the whole session, stopped by PID at the end."""
    run_dir = tmp_path_factory.mktemp("oidc-provider")
    idp = start_oidc_provider(run_dir, resource=MCP_RESOURCE, opaque_resources=[OPAQUE_RESOURCE])
    pid = idp.pid
    try:
        yield idp
    finally:
        idp.stop()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # gone (and reaped), not a zombie


def _discovery(url: str) -> dict[str, Any]:
    response = httpx2.get(url, timeout=10.0, trust_env=False)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def _oidc_provider(request: pytest.FixtureRequest) -> IdentityProvider:
    running: RunningOidcProvider = request.getfixturevalue("oidc_provider_process")
    return FormLoginProvider(
        name="oidc-provider",
        issuer=running.issuer,
        discovery=_discovery(running.discovery_url),
        resource=running.resource,
        opaque_resource=running.opaque_resources[0],
        users=running.users,
        features=frozenset(FEATURES),  # it has every optional feature the tests know about
    )


@pytest.fixture(scope="session")
def fake_nextcloud_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`fake-nextcloud` with its oidc app configured like the stack (DCR on), consent page on."""
    port = free_port()
    proc = ManagedProcess(
        "fake-nextcloud-oidc",
        [
            "fake-nextcloud",
            "--port",
            str(port),
            "--consent",
            "--oidc-token-type",
            "jwt",
            *[arg for user, pw in FAKE_USERS.items() for arg in ("--user", f"{user}:{pw}")],
        ],
        tmp_path_factory.mktemp("fake-nextcloud"),
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    with proc:
        base = f"http://127.0.0.1:{port}"
        for user, password in FAKE_USERS.items():  # the same account data as oidc-provider's
            account = {"login": user, "password": password, "email": USER_EMAIL.format(user)}
            response = httpx2.post(f"{base}/__testbed__/users", json=account, timeout=10.0, trust_env=False)
            assert response.status_code == 201, response.text
        yield base


def _fake_nextcloud(request: pytest.FixtureRequest) -> IdentityProvider:
    base: str = request.getfixturevalue("fake_nextcloud_process")
    return FormLoginProvider(
        name="fake-nextcloud",
        issuer=base,
        discovery=_discovery(base + "/index.php/.well-known/openid-configuration"),
        resource=MCP_RESOURCE,
        users=FAKE_USERS,
        # H2CK/oidc 2.0.9 lacks the other features (reference A1; each test cites the source): no RFC 8414
        # document, no RFC 9207 `iss`, no revocation endpoint, refresh tokens only with offline_access, PKCE
        # optional, DCR clients always confidential `client_secret_post` and unvalidated, any `resource`
        # accepted, no `redirect_uri` check at the token endpoint, `openid` added at consent and an ID token
        # always, userinfo errors 400 and no audience check, introspection of access tokens only, by owner or
        # resource, `jti` = the grant's row id. CORS: `Access-Control-Allow-Origin: *` on discovery and JWKS,
        # `OPTIONS` on the token endpoint (lib/Controller/CorsController.php, appinfo/routes.php).
        features=frozenset({"consent_page", "revoke_on_code_reuse", "refresh_rotation", "cors"}),
        # DCR clients get opaque access tokens unless they ask for JWTs with this non-standard metadata
        # (H2CK/oidc:lib/Controller/DynamicRegistrationController.php, `string $token_type = 'opaque'`)
        registration_metadata={"token_type": "jwt"},
    )


FACTORIES: dict[str, Callable[[pytest.FixtureRequest], IdentityProvider]] = {
    "oidc-provider": _oidc_provider,
    "fake-nextcloud": _fake_nextcloud,
}


@pytest.fixture(scope="session", params=PROVIDERS)
def idp(request: pytest.FixtureRequest) -> IdentityProvider:
    return FACTORIES[request.param](request)
