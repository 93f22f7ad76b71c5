"""BasicAuth credentials that Nextcloud rejects are found at start, by `/health/ready` and in tool errors, with
BasicAuth advice (not OAuth's); an unreachable Nextcloud at start only warns."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.server import state as state_module
from nextcloud_mcp.server.build import build_http_app, build_server
from nextcloud_mcp.server.run import check_credentials
from support.fixtures import server_env
from support.mcp_helpers import McpFactory, error_text

pytestmark = pytest.mark.anyio
WHOAMI = "GET /ocs/v2.php/cloud/user"


@asynccontextmanager
async def _http(fake: FakeNextcloud, user: str) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client of the server's streamable HTTP app (health routes), acting as `user` at the fake."""
    settings = load_settings(environ=server_env(user, mcp_transport="streamable-http"))
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    app = build_http_app(server, settings)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
        yield http


async def _whoami_count(control: httpx2.AsyncClient) -> int:
    log = (await control.get("/__testbed__/requests")).json()["requests"]
    return sum(f"{r['method']} {r['path']}" == WHOAMI for r in log)


async def test_ready_is_503_while_nextcloud_rejects_the_credentials(fake: FakeNextcloud) -> None:
    """Before: 200 (only status.php was asked), so a container showed healthy while every call failed."""
    async with _http(fake, "mallory") as http:
        ready = await http.get("/health/ready")
    assert ready.status_code == 503, ready.text
    reason = ready.json()["reason"]
    assert "NEXTCLOUD_USERNAME=mallory" in reason and "app password" in reason and "user_oidc" not in reason


async def test_ready_asks_nextcloud_at_most_once_per_interval(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    async with _http(fake, "alice") as http:
        for _ in range(3):
            ready = await http.get("/health/ready")
            assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert await _whoami_count(control) == 1


async def test_ready_notices_a_revoked_password(
    fake: FakeNextcloud, control: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_module, "CREDENTIALS_TTL", 0.0)
    async with _http(fake, "alice") as http:
        assert (await http.get("/health/ready")).status_code == 200
        fake.fake_state.users["alice"].password = "changed"
        assert (await http.get("/health/ready")).status_code == 503
    assert await _whoami_count(control) == 2


async def test_a_tool_error_on_rejected_credentials_gives_basicauth_advice(mcp_as: McpFactory) -> None:
    """Before: the shared 401 message, which also sends BasicAuth users to user_oidc."""
    async with mcp_as("mallory") as client:
        result = await client.call_tool("nc_notes_list_notes", {})
    text = error_text(result)
    assert result.is_error and "rejected the credentials of NEXTCLOUD_USERNAME=mallory" in text
    assert "app password" in text and "user_oidc" not in text and "OAuth" not in text


async def test_other_tool_errors_keep_their_message(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_notes_get_note", {"note_id": 424242})
    assert result.is_error and "NEXTCLOUD_USERNAME" not in error_text(result)


def test_the_server_refuses_to_start_with_rejected_credentials(fake: FakeNextcloud) -> None:
    settings = load_settings(environ=server_env("mallory"))
    with pytest.raises(ConfigError, match="NEXTCLOUD_USERNAME=mallory") as info:
        check_credentials(settings, transport=httpx2.ASGITransport(app=fake))
    assert "user_oidc" not in str(info.value) and "wrong-password" not in str(info.value)


def test_accepted_credentials_start(fake: FakeNextcloud, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="nextcloud_mcp.server.credentials"):
        check_credentials(load_settings(environ=server_env("alice")), transport=httpx2.ASGITransport(app=fake))
    assert "accepts the credentials of user alice" in caplog.text


def test_an_unreachable_nextcloud_only_warns_at_start(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(environ=server_env("alice", host="http://127.0.0.1:9"))
    with caplog.at_level(logging.WARNING, logger="nextcloud_mcp.server.credentials"):
        check_credentials(settings)
    assert "starting anyway" in caplog.text and "alice-secret" not in caplog.text


def test_a_username_without_password_is_refused_naming_the_password() -> None:
    env = server_env("alice")
    del env["NEXTCLOUD_PASSWORD"]
    with pytest.raises(ConfigError, match="NEXTCLOUD_PASSWORD is missing"):
        check_credentials(load_settings(environ=env))
