"""Login Flow mode end to end: the fake Nextcloud (Login Flow v2, app passwords, devices list), real Redis, three
server replicas that are the OAuth authorization server, and the official SDK client's `OAuthClientProvider`."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx2
import pytest
from cryptography.fernet import Fernet

from e2e import scenarios
from e2e.conftest import USERS
from support.browser_login import chromium_path
from support.form_browser import parse_forms
from support.login_flow import DONE_MARKER, chromium_login_flow, form_login_flow
from support.mcp_helpers import structured
from support.oauth_client import oauth_mcp_client
from support.processes import ManagedProcess, free_port, http_ready
from support.redis_server import redis_binary, start_redis

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.e2e,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
]
KEY = Fernet.generate_key().decode()
CHROMIUM_MISSING = chromium_path() is None
# In CI a missing browser is a failure, never a skip (as tests/stack/_support.py does for its tools).
REQUIRE_CHROMIUM = os.environ.get("CI") == "true"
HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


def login_flow(user: str, *, chromium: bool = False) -> Callable[[str, str], Awaitable[str]]:
    """The person: opens the authorization URL, logs in at Nextcloud and grants access (`form_login_flow`, or
    `chromium_login_flow` in Debian Chromium), comes back to the wait page, which sends the browser on to the
    client's redirect URI (returned)."""

    async def open_url(url: str, stop_prefix: str) -> str:
        async with httpx2.AsyncClient(follow_redirects=False, trust_env=False, timeout=10.0) as mcp_side:
            response = await mcp_side.get(url)
            assert response.status_code == 302, response.text
            wait = urljoin(url, response.headers["location"])
            page = await mcp_side.get(wait)
            assert page.status_code == 200 and "Sign in with Nextcloud" in page.text
            found = re.search(r"id='nextcloud-login' href='([^']+)'", page.text)
            assert found, page.text
            login_url = unescape(found.group(1))
            if chromium:
                done = await chromium_login_flow(login_url, user, USERS[user])
            else:
                done = await form_login_flow(login_url, user, USERS[user])
            assert DONE_MARKER in done
            final = await mcp_side.get(wait)
            assert final.status_code == 302, final.text
            location: str = final.headers["location"]
            assert location.startswith(stop_prefix)
            return location

    return open_url


class LoginFlowStack:
    def __init__(self, run_dir: Path, nextcloud: str, redis_url: str) -> None:
        self.run_dir = run_dir
        self.nextcloud = nextcloud
        self.redis_url = redis_url
        self.control = httpx2.Client(base_url=nextcloud, trust_env=False)
        self.servers: list[ManagedProcess] = []
        self.replicas: list[str] = []
        port = free_port()
        self.public_url = f"http://127.0.0.1:{port}/mcp"
        self._ports = [port]
        self.chromium = False  # `login`: the Nextcloud part in Debian Chromium instead of the form driver

    def start_replicas(self, count: int = 1) -> list[str]:
        for i in range(count):
            port = self._ports[0] if not self.servers else free_port()
            url = f"http://127.0.0.1:{port}"
            proc = ManagedProcess(
                f"mcp-loginflow-{port}-{i}",
                [sys.executable, "-m", "nextcloud_mcp", "--transport", "streamable-http", "--port", str(port)],
                self.run_dir,
                env={
                    "NEXTCLOUD_HOST": self.nextcloud,
                    "MCP_AUTH_MODE": "loginflow",
                    "MCP_LOGINFLOW_KEY": KEY,
                    "MCP_PUBLIC_URL": self.public_url,
                    "REDIS_URL": self.redis_url,
                    "MCP_STATELESS_HTTP": "true",
                    "MCP_JSON_RESPONSE": "true",
                    "MCP_CAPABILITIES_TTL": "0",
                    "MCP_LOG_LEVEL": "DEBUG",
                },
                ready=http_ready(f"{url}/health/live"),
            )
            self.servers.append(proc.start())
            self.replicas.append(url)
        return self.replicas

    @property
    def mcp_url(self) -> str:
        return self.public_url

    @property
    def users(self) -> Mapping[str, str]:
        return USERS

    def login(self, user: str) -> Callable[[str, str], Awaitable[str]]:
        return login_flow(user, chromium=self.chromium)

    def notes_of(self, user: str) -> list[dict[str, Any]]:
        response = self.control.get("/index.php/apps/notes/api/v1/notes", auth=(user, USERS[user]))
        assert response.status_code == 200
        notes: list[dict[str, Any]] = response.json()
        return notes

    def requests(self, path_suffix: str) -> list[dict[str, Any]]:
        log = self.control.get("/__testbed__/requests").json()["requests"]
        return [r for r in log if r["path"].endswith(path_suffix)]

    def stop(self) -> None:
        for proc in self.servers:
            proc.stop()
        self.control.close()

    def logs(self) -> str:
        return "\n".join(proc.output() for proc in self.servers)


async def devices(user: str, nextcloud: str) -> tuple[httpx2.AsyncClient, str, list[dict[str, Any]]]:
    """A browser session of `user` on the security settings page: (client, requesttoken, app tokens)."""
    http = httpx2.AsyncClient(base_url=nextcloud, follow_redirects=False, trust_env=False, timeout=10.0)
    form_page = await http.get("/index.php/login", headers={"Accept": "text/html"})
    [form] = [f for f in parse_forms(form_page.text) if f.password_fields]
    payload = {**form.fields, form.text_fields[0]: user, form.password_fields[0]: USERS[user]}
    logged_in = await http.post(
        urljoin(str(form_page.url), form.action or "/index.php/login"), data=payload, headers={"Origin": nextcloud}
    )
    assert logged_in.is_redirect and "/login" not in logged_in.headers["location"], logged_in.text[:300]
    page = await http.get("/index.php/settings/user/security", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text[:300]
    state = re.search(r'id="initial-state-settings-app_tokens" value="([^"]+)"', page.text)
    token = re.search(r'data-requesttoken="([^"]+)"', page.text)
    assert state and token, page.text[:500]
    return http, token.group(1), json.loads(base64.b64decode(state.group(1)))


def mcp_apps(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in items if d.get("type") == 1 and "MCP" in str(d.get("name"))]


async def call(http: httpx2.AsyncClient, replica: str, token: str, tool: str, args: dict[str, Any]) -> httpx2.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": args}}
    return await http.post(f"{replica}/mcp", json=body, headers={**HEADERS, "Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, port = start_redis(tmp_path_factory.mktemp("redis"))
    yield f"redis://127.0.0.1:{port}/0"
    proc.stop()


@pytest.fixture
def stack(tmp_path: Path, redis: str) -> Iterator[LoginFlowStack]:
    port = free_port()
    users = [arg for login, pw in USERS.items() for arg in ("--user", f"{login}:{pw}")]
    fake = ManagedProcess(
        f"fake-lf-{port}",
        ["fake-nextcloud", "--port", str(port), *users],
        tmp_path,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    ).start()
    stack = LoginFlowStack(tmp_path, f"http://127.0.0.1:{port}", redis)
    try:
        yield stack
        logs = stack.logs()
        for secret in [*USERS.values(), KEY]:
            assert secret not in logs, "a secret leaked into a server log"
        for match in re.findall(r"[A-Za-z0-9]{5}(?:-[A-Za-z0-9]{5}){4}", logs):
            raise AssertionError(f"something shaped like an app password in the logs: {match[:5]}…")
    finally:
        stack.stop()
        fake.stop()


@pytest.mark.skipif(
    CHROMIUM_MISSING and not REQUIRE_CHROMIUM, reason="Debian chromium not installed (apt-get install chromium)"
)
async def test_sdk_client_logs_in_through_login_flow_in_chromium_and_calls_tools_as_alice(
    stack: LoginFlowStack,
) -> None:
    """`OAuthClientProvider` → this server's /authorize → Nextcloud's Login Flow v2, login + grant in Debian
    Chromium → wait page → code → PKCE token → tools as alice."""
    if CHROMIUM_MISSING:  # only reached in CI
        pytest.fail("CI=true, but Debian chromium is not installed (apt-get install chromium)")
    stack.start_replicas(1)
    stack.chromium = True
    assert await scenarios.sdk_login(stack, "alice", "legacy") == "2025-11-25"
    assert stack.notes_of("bob") == []


async def test_alice_and_bob_concurrently_isolated(stack: LoginFlowStack) -> None:
    stack.start_replicas(1)
    await scenarios.two_users_at_once(stack, ("alice", "bob"))


async def test_three_replicas_share_grants_and_mcp_revocation_deletes_the_app_password(
    stack: LoginFlowStack,
) -> None:
    replicas = stack.start_replicas(3)
    async with oauth_mcp_client(stack.mcp_url, login_flow("alice")) as (client, _, storage):
        structured(await client.call_tool("nc_notes_create_note", {"title": "shared"}))
    assert storage.tokens is not None and storage.client is not None
    token = storage.tokens.access_token
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
        for replica in replicas:
            response = await call(http, replica, token, "nc_notes_list_notes", {})
            assert response.status_code == 200 and not response.json()["result"].get("isError"), response.text
            assert "AbCdE" not in response.text
        browser, _, before = await devices("alice", stack.nextcloud)
        await browser.aclose()
        assert len(mcp_apps(before)) == 1
        revoke = await http.post(
            f"{replicas[1]}/revoke",
            data={
                "token": storage.tokens.refresh_token or "",
                "client_id": storage.client.client_id or "",
                "client_secret": storage.client.client_secret or "",
            },
        )
        assert revoke.status_code == 200, revoke.text
        for replica in replicas:
            assert (await call(http, replica, token, "nc_notes_list_notes", {})).status_code == 401
    browser, _, after = await devices("alice", stack.nextcloud)
    await browser.aclose()
    assert mcp_apps(after) == []  # the app password is gone in Nextcloud


async def test_app_password_revoked_in_nextcloud_fails_clearly_and_forces_a_new_login(stack: LoginFlowStack) -> None:
    [replica] = stack.start_replicas(1)
    async with oauth_mcp_client(stack.mcp_url, login_flow("alice")) as (client, _, storage):
        structured(await client.call_tool("nc_notes_list_notes", {}))
    assert storage.tokens is not None
    token = storage.tokens.access_token
    browser, requesttoken, items = await devices("alice", stack.nextcloud)
    [device] = mcp_apps(items)
    deleted = await browser.delete(
        f"{stack.nextcloud}/index.php/settings/personal/authtokens/{device['id']}",
        headers={"requesttoken": requesttoken},
    )
    await browser.aclose()
    assert deleted.status_code == 200, deleted.text
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
        response = await call(http, replica, token, "nc_notes_list_notes", {})
        assert response.status_code == 200
        result = response.json()["result"]
        assert result["isError"] and "revoked" in result["content"][0]["text"]
        assert (await call(http, replica, token, "nc_notes_list_notes", {})).status_code == 401
    # the client's refresh fails too, so the SDK logs in again (a second authorization) and works
    async with oauth_mcp_client(stack.mcp_url, login_flow("alice"), storage=storage) as (client, login, _):
        structured(await client.call_tool("nc_notes_list_notes", {}))
    assert len(login.authorize_urls) == 1


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_grant(stack: LoginFlowStack) -> None:
    [replica] = stack.start_replicas(1)
    async with oauth_mcp_client(stack.mcp_url, login_flow("bob")) as (client, _, storage):
        structured(await client.call_tool("nc_notes_list_notes", {}))
    assert storage.tokens is not None and storage.client is not None
    stolen = storage.tokens.refresh_token
    client_auth = {"client_id": storage.client.client_id or "", "client_secret": storage.client.client_secret or ""}
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
        first = await http.post(
            f"{replica}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": stolen or "",
                "resource": stack.public_url,
                **client_auth,
            },
        )
        assert first.status_code == 200, first.text
        rotated = first.json()
        assert rotated["refresh_token"] != stolen and "appPassword" not in first.text
        assert (await call(http, replica, rotated["access_token"], "nc_notes_list_notes", {})).status_code == 200
        reuse = await http.post(
            f"{replica}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": stolen or "",
                "resource": stack.public_url,
                **client_auth,
            },
        )
        assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
        # the whole grant is gone: the rotated tokens too, and the app password in Nextcloud
        assert (await call(http, replica, rotated["access_token"], "nc_notes_list_notes", {})).status_code == 401
        again = await http.post(
            f"{replica}/token",
            data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"], **client_auth},
        )
        assert again.status_code == 400
    browser, _, items = await devices("bob", stack.nextcloud)
    await browser.aclose()
    assert mcp_apps(items) == []
