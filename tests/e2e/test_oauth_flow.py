"""OAuth mode end to end: real server processes, the fake Nextcloud's oidc + user_oidc apps, real Redis,
the official MCP SDK client doing discovery, DCR and PKCE, and a browser login (scripted and Chromium).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx2
import pytest

from e2e import scenarios
from e2e.conftest import USERS
from support.browser_login import chromium_path
from support.mcp_helpers import structured
from support.oauth_client import MemoryStorage, form_login, oauth_mcp_client
from support.oauth_flow import AuthServerClient
from support.oidc_provider import oidc_provider_unavailable, start_oidc_provider
from support.processes import ManagedProcess, free_port, http_ready
from support.redis_server import redis_binary, start_redis

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.e2e,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
]
DISCOVERY = "/index.php/.well-known/openid-configuration"
STATELESS = {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"}


def start_fake(run_dir: Path, *flags: str) -> tuple[ManagedProcess, str]:
    port = free_port()
    users = [arg for login, pw in USERS.items() for arg in ("--user", f"{login}:{pw}")]
    proc = ManagedProcess(
        f"fake-oidc-{port}",
        ["fake-nextcloud", "--port", str(port), *users, *flags],
        run_dir,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    return proc.start(), f"http://127.0.0.1:{port}"


class Stack:
    """A fake Nextcloud with oidc/user_oidc, Redis, and MCP server replicas in OAuth mode."""

    def __init__(self, run_dir: Path, nextcloud: str, redis_url: str) -> None:
        self.run_dir = run_dir
        self.nextcloud = nextcloud
        self.redis_url = redis_url
        self.control = httpx2.Client(base_url=nextcloud, trust_env=False)
        self.servers: list[ManagedProcess] = []
        self.public_url = ""
        self.client_id = ""
        self.client_secret = ""

    def register_server_client(self, resource: str) -> None:
        """Like `occ oidc:create mcp-server … --resource_url <MCP URL>`: this server's own client."""
        response = self.control.post(
            "/__testbed__/oidc/clients",
            json={
                "name": "mcp-server",
                "redirect_uris": ["http://127.0.0.1:1/unused"],
                "type": "confidential",
                "resource_url": resource,
            },
        )
        assert response.status_code in (200, 201), response.text
        data = response.json()
        self.client_id, self.client_secret = data["client_id"], data["client_secret"]

    def start_server(self, port: int = 0, *, own_client: bool = True, env: dict[str, str] | None = None) -> str:
        port = port or free_port()
        url = f"http://127.0.0.1:{port}"
        if not self.public_url:
            self.public_url = f"{url}/mcp"
            if own_client:
                self.register_server_client(self.public_url)
        proc = ManagedProcess(
            f"mcp-oauth-{port}",
            [sys.executable, "-m", "nextcloud_mcp", "--transport", "streamable-http", "--port", str(port)],
            self.run_dir,
            env={
                "NEXTCLOUD_HOST": self.nextcloud,
                "MCP_PUBLIC_URL": self.public_url,
                **(
                    {"MCP_OIDC_CLIENT_ID": self.client_id, "MCP_OIDC_CLIENT_SECRET": self.client_secret}
                    if self.client_id
                    else {}
                ),
                "REDIS_URL": self.redis_url,
                "MCP_CAPABILITIES_TTL": "0",
                "MCP_LOG_LEVEL": "INFO",
                **(env or {}),
            },
            ready=http_ready(f"{url}/health/live"),
        )
        self.servers.append(proc.start())
        return url

    @property
    def mcp_url(self) -> str:
        return self.public_url

    @property
    def users(self) -> Mapping[str, str]:
        return USERS

    def login(self, user: str) -> Callable[[str, str], Awaitable[str]]:
        return form_login(user, USERS[user])

    def requests(self, path_suffix: str) -> list[dict[str, Any]]:
        log = self.control.get("/__testbed__/requests").json()["requests"]
        return [r for r in log if r["path"].endswith(path_suffix)]

    def notes_of(self, user: str) -> list[dict[str, Any]]:
        response = self.control.get("/index.php/apps/notes/api/v1/notes", auth=(user, USERS[user]))
        assert response.status_code == 200
        notes: list[dict[str, Any]] = response.json()
        return notes

    def stop(self) -> None:
        for proc in self.servers:
            proc.stop()
        self.control.close()
        for proc in self.servers:
            log = proc.output()
            for secret in [*USERS.values(), self.client_secret]:
                assert not secret or secret not in log, f"a secret leaked into {proc.name}'s log"


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ManagedProcess, str]]:
    proc, port = start_redis(tmp_path_factory.mktemp("redis"))
    yield proc, f"redis://127.0.0.1:{port}/0"
    proc.stop()


@pytest.fixture
def stack(tmp_path: Path, redis: tuple[ManagedProcess, str]) -> Iterator[Stack]:
    fake, url = start_fake(tmp_path, "--consent")
    stack = Stack(tmp_path, url, redis[1])
    try:
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            fake.stop()


@pytest.mark.parametrize(("mode", "protocol"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
async def test_sdk_client_discovers_registers_logs_in_and_calls_tools(
    stack: Stack, mode: Literal["auto", "legacy"], protocol: str
) -> None:
    stack.start_server()
    assert await scenarios.sdk_login(stack, "alice", mode) == protocol
    assert stack.notes_of("bob") == []
    assert len(stack.requests("/apps/oidc/register")) == 1


@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium not installed (apt-get install chromium)")
async def test_login_in_real_chromium(stack: Stack, tmp_path: Path) -> None:
    stack.start_server()
    await scenarios.browser_login(stack, "bob", tmp_path)
    shots = [p.name async for p in anyio.Path(tmp_path).iterdir() if p.name.startswith("login-")]
    assert shots, "the login pages were rendered"


async def test_alice_and_bob_concurrently_see_only_their_own_notes(stack: Stack) -> None:
    stack.start_server()
    await scenarios.two_users_at_once(stack, ("alice", "bob"))


async def test_three_replicas_validate_each_token_upstream_once(stack: Stack) -> None:
    replicas = [stack.start_server(env=STATELESS) for _ in range(3)]
    tokens = []
    async with AuthServerClient(stack.nextcloud + DISCOVERY) as auth:
        for user in ("alice", "bob"):
            tokens.append(
                await auth.token(user, USERS[user], scope="openid notes:read notes:write", resource=stack.public_url)
            )
    stack.control.delete("/__testbed__/requests")
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "nc_notes_list_notes", "arguments": {}},
    }
    async with httpx2.AsyncClient(trust_env=False) as http:
        for token in tokens:
            for replica in replicas:
                for _ in range(3):
                    response = await http.post(
                        f"{replica}/mcp",
                        json=body,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Accept": "application/json, text/event-stream",
                            "Content-Type": "application/json",
                            "MCP-Protocol-Version": "2025-11-25",
                        },
                    )
                    assert response.status_code == 200, response.text
                    assert not response.json()["result"].get("isError"), response.text
    introspections = stack.requests("/apps/oidc/introspect")
    assert len(introspections) == len(tokens), introspections  # exactly one upstream validation per token


async def test_token_for_another_audience_is_refused(stack: Stack) -> None:
    base = stack.start_server(env=STATELESS)
    async with AuthServerClient(stack.nextcloud + DISCOVERY) as auth:
        token = await auth.token(
            "alice", USERS["alice"], scope="openid notes:read", resource="https://other.example/mcp"
        )
    async with httpx2.AsyncClient(trust_env=False) as http:
        response = await http.post(
            f"{base}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_expired_token_is_refused(stack: Stack) -> None:
    base = stack.start_server(env=STATELESS)
    stack.control.post("/__testbed__/oidc/config", json={"expire_time": 2})
    async with AuthServerClient(stack.nextcloud + DISCOVERY) as auth:
        token = await auth.token("alice", USERS["alice"], scope="openid notes:read", resource=stack.public_url)
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    statuses = []
    async with httpx2.AsyncClient(trust_env=False) as http:
        with anyio.fail_after(15):
            while 401 not in statuses:
                statuses.append((await http.post(f"{base}/mcp", json=body, headers=headers)).status_code)
                await anyio.sleep(0.25)
    assert statuses[0] != 401 and statuses[-1] == 401


async def test_wrong_verifier_and_expired_client_are_clear_errors(stack: Stack) -> None:
    async with AuthServerClient(stack.nextcloud + DISCOVERY) as auth:
        client = await auth.register("openid notes:read")
        code, _ = await auth.authorize(client, "alice", USERS["alice"], scope="openid notes:read", resource=None)
        wrong = await auth.exchange(client, code, "x" * 50)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        stack.control.post("/__testbed__/oidc/config", json={"client_expire_time": 1})
        old = await auth.register("openid notes:read")
        code, verifier = await auth.authorize(old, "alice", USERS["alice"], scope="openid notes:read", resource=None)
        stack.control.post("/__testbed__/clock", json={"advance": 5})
        expired = await auth.exchange(old, code, verifier)
    assert expired.status_code == 400 and expired.json()["error"] == "expired_client"


async def test_missing_scope_makes_the_sdk_client_step_up(stack: Stack) -> None:
    base = stack.start_server()
    storage = MemoryStorage()
    async with AuthServerClient(stack.nextcloud + DISCOVERY) as auth:
        client = await auth.register("openid notes:read notes:write")
        token = await auth.token(
            "alice", USERS["alice"], scope="openid notes:read", resource=stack.public_url, client=client
        )
    from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

    storage.client = OAuthClientInformationFull.model_validate(client.raw)
    storage.tokens = OAuthToken(access_token=token, token_type="Bearer", expires_in=900, scope="openid notes:read")
    async with oauth_mcp_client(f"{base}/mcp", form_login("alice", USERS["alice"]), storage=storage) as (mcp, login, _):
        names = {t.name for t in (await mcp.list_tools()).tools}
        assert "nc_notes_create_note" not in names and "nc_notes_list_notes" in names  # read-only token
        structured(await mcp.call_tool("nc_notes_create_note", {"title": "after step-up"}))  # 403 → re-authorize
    assert len(login.authorize_urls) == 1 and "notes%3Awrite" in login.authorize_urls[0]


@pytest.mark.parametrize("patched", [True, False])
async def test_bearer_patch_decides_whether_cors_routes_work(
    tmp_path: Path, redis: tuple[ManagedProcess, str], patched: bool
) -> None:
    fake, url = start_fake(tmp_path, *(() if patched else ("--no-bearer-patch",)))
    stack = Stack(tmp_path, url, redis[1])
    try:
        stack.start_server()
        await scenarios.bearer_patch(stack, "alice", patched=patched)
    finally:
        try:
            stack.stop()
        finally:
            fake.stop()


async def test_redis_stopped_mid_run_keeps_serving_without_trusting_unvalidated_tokens(
    tmp_path: Path,
) -> None:
    redis_proc, port = start_redis(tmp_path / "r")
    fake, url = start_fake(tmp_path)
    stack = Stack(tmp_path, url, f"redis://127.0.0.1:{port}/0")
    try:
        base = stack.start_server(env=STATELESS)
        async with AuthServerClient(stack.nextcloud + DISCOVERY) as auth:
            alice = await auth.token("alice", USERS["alice"], scope="openid notes:write", resource=stack.public_url)
            bob = await auth.token("bob", USERS["bob"], scope="openid notes:write", resource=stack.public_url)
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "nc_notes_create_note", "arguments": {"title": "t"}},
        }

        async def call(token: str) -> httpx2.Response:
            async with httpx2.AsyncClient(trust_env=False) as http:
                return await http.post(
                    f"{base}/mcp",
                    json=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Accept": "application/json, text/event-stream",
                        "MCP-Protocol-Version": "2025-11-25",
                    },
                )

        assert (await call(alice)).status_code == 200
        redis_proc.stop()
        assert (await call(alice)).status_code == 200  # served on, from the in-process cache
        assert (await call(bob)).status_code == 200  # validated upstream, not assumed
        assert (await call("forged-" + "x" * 60)).status_code == 401
        log = stack.servers[0].output()
        assert log.count("Redis token cache unavailable") == 1, log
        assert [n["title"] for n in stack.notes_of("bob")] == ["t"]
    finally:
        try:
            stack.stop()
        finally:
            fake.stop()
        redis_proc.stop()


@pytest.mark.skipif(oidc_provider_unavailable() is not None, reason=str(oidc_provider_unavailable()))
async def test_external_idp_issues_jwt_access_tokens_validated_by_jwks(
    tmp_path: Path, redis: tuple[ManagedProcess, str]
) -> None:
    """panva oidc-provider as the IdP; Nextcloud trusts it through user_oidc (`--check-bearer`)."""
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    with start_oidc_provider(tmp_path / "idp", resource=resource, consent="auto") as idp:
        fake, url = start_fake(
            tmp_path,
            "--oidc-provider",
            f"testidp={idp.discovery_url}",
            "--oidc-provider-client-id",
            "nextcloud",
            "--no-oidc-provider-audience-check",
        )
        stack = Stack(tmp_path, url, redis[1])
        try:
            base = stack.start_server(port, own_client=False, env={"MCP_OIDC_ISSUER": idp.issuer})
            assert base + "/mcp" == resource
            async with oauth_mcp_client(resource, form_login("alice", USERS["alice"])) as (client, login, _):
                note = structured(await client.call_tool("nc_notes_create_note", {"title": "External IdP"}))
            assert login.authorize_urls[0].startswith(idp.issuer)
            assert [n["id"] for n in stack.notes_of("alice")] == [note["id"]]
            assert not stack.requests("/apps/oidc/introspect")  # JWTs are checked locally against the JWKS
        finally:
            try:
                stack.stop()
            finally:
                fake.stop()


def test_server_refuses_to_start_when_the_idp_lacks_dcr(tmp_path: Path) -> None:
    fake, url = start_fake(tmp_path, "--no-dcr")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "nextcloud_mcp", "--transport", "streamable-http", "--port", str(free_port())],
            env={**os.environ, "NEXTCLOUD_HOST": url, "MCP_PUBLIC_URL": "http://127.0.0.1:1/mcp"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        fake.stop()
    assert result.returncode == 2
    assert "offers no dynamic client registration" in result.stderr
