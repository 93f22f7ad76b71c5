"""Login Flow mode in process: its settings, start-up refusals and what `check` reports (the flow itself runs end
to end in tests/e2e/test_loginflow_flow.py)."""

from __future__ import annotations

import httpx2
import pytest
from cryptography.fernet import Fernet

from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.check import check

KEY = Fernet.generate_key().decode()
BASE = {"NEXTCLOUD_HOST": "http://nc.test", "MCP_AUTH_MODE": "loginflow", "MCP_TRANSPORT": "streamable-http"}


def test_a_bad_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={**BASE, "MCP_LOGINFLOW_KEY": "not-a-key-secret"})
    assert "MCP_LOGINFLOW_KEY" in str(caught.value) and "not-a-key-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "needed"),
    [({"REDIS_URL": "redis://127.0.0.1:1/0"}, "MCP_LOGINFLOW_KEY"), ({"MCP_LOGINFLOW_KEY": KEY}, "REDIS_URL")],
)
def test_the_server_refuses_to_start_without_key_or_redis(extra: dict[str, str], needed: str) -> None:
    with pytest.raises(ConfigError, match=needed):
        build_server(load_settings(environ={**BASE, **extra}))


def test_stdio_is_refused() -> None:
    settings = load_settings(
        environ={**BASE, "MCP_TRANSPORT": "stdio", "MCP_LOGINFLOW_KEY": KEY, "REDIS_URL": "redis://x:1/0"}
    )
    with pytest.raises(ConfigError, match="streamable-http"):
        build_server(settings)


@pytest.mark.anyio
async def test_check_reports_the_key_and_login_flow_v2() -> None:
    def nextcloud(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/status.php":
            return httpx2.Response(
                200,
                json={
                    "installed": True,
                    "maintenance": False,
                    "needsDbUpgrade": False,
                    "version": "31.0.0.0",
                    "versionstring": "31.0.0",
                    "edition": "",
                    "productname": "Nextcloud",
                    "extendedSupport": False,
                },
            )
        if request.url.path == "/index.php/login/v2":
            return httpx2.Response(200, json={"poll": {"token": "t", "endpoint": "e"}, "login": "http://nc.test/l"})
        return httpx2.Response(404)

    report = await check(load_settings(environ={**BASE, "MCP_LOGINFLOW_KEY": KEY}), httpx2.MockTransport(nextcloud))
    text = report.render()
    assert "REDIS_URL is not set" in text and "Login Flow v2" in text and KEY not in text
    report = await check(
        load_settings(environ={**BASE, "MCP_LOGINFLOW_KEY": KEY, "REDIS_URL": "redis://127.0.0.1:1/0"}),
        httpx2.MockTransport(nextcloud),
    )
    assert "MCP_LOGINFLOW_KEY is a valid key" in report.render()
