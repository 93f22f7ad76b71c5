"""A fake Nextcloud served under a web root (`https://host/nextcloud`), and a server configured for it.

`webroot_app()` builds the fake with `InstanceConfig.webroot` set (everything below `/nextcloud`, hrefs and
redirects carrying it; `/__testbed__` stays at the server root); `connect()` starts the real server in BasicAuth
mode with `NEXTCLOUD_HOST=http://nc.test/nextcloud` and connects the official MCP client to it in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client

from fake_nextcloud.app import FakeNextcloud, build_app
from fake_nextcloud.core.config import InstanceConfig
from fake_nextcloud.core.state import FakeState
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.fixtures import server_env

__all__ = ["HOST", "USERS", "WEBROOT", "connect", "webroot_app"]

HOST = "http://nc.test"
WEBROOT = "/nextcloud"
#: Users of their own: the server caches DAV homes and user ids per login name for the whole process, so names
#: shared with the other suites could hide a wrong path behind a value cached by an earlier test.
USERS = {"wanda": "wanda-secret", "walt": "walt-secret"}


def webroot_app(webroot: str = WEBROOT) -> FakeNextcloud:
    """The fake with `USERS` (e-mail `<name>@example.org`), served under `webroot`."""
    config = InstanceConfig.testbed()
    config.webroot = webroot
    state = FakeState(config=config)
    for login, password in USERS.items():
        state.add_user(login, password, email=f"{login}@example.org")
    return build_app(state)


@asynccontextmanager
async def connect(
    fake: FakeNextcloud, user: str = "wanda", *, host: str | None = None, **env: Any
) -> AsyncIterator[Client]:
    """An MCP client of a server acting as `user`, with `NEXTCLOUD_HOST` = `host` (default: the fake's base URL +
    its web root)."""
    environ = server_env(user, host=host or HOST + fake.fake_state.config.webroot, **env)
    environ["NEXTCLOUD_PASSWORD"] = USERS.get(user, "wrong-password")
    server = build_server(load_settings(environ=environ), transport=httpx2.ASGITransport(app=fake))
    async with Client(server) as client:
        yield client
