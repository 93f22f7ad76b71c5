"""`nextcloud-mcp-server demo`: start the sandbox Nextcloud, seed it, print how to connect, then run the MCP server
against it, the production server on its production path (BasicAuth as alice, over a loopback port)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
from collections.abc import Mapping
from datetime import date
from types import FrameType
from typing import TYPE_CHECKING, Any

import httpx2

from nextcloud_mcp.config import Settings, load_settings
from nextcloud_mcp.demo.errors import DemoError, DemoUnavailable
from nextcloud_mcp.demo.folder import make_folder
from nextcloud_mcp.demo.guard import sandbox_class
from nextcloud_mcp.demo.guide import executable, guide
from nextcloud_mcp.demo.samples import PEOPLE
from nextcloud_mcp.demo.seed import seed

if TYPE_CHECKING:
    from nextcloud_mcp.demo.sandbox import Sandbox

__all__ = ["demo_settings", "run_demo"]

USER = "alice"
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def run_demo(overrides: Mapping[str, Any]) -> int:
    """Serve MCP over the sandbox until stopped; `overrides` are the CLI's settings (transport, host, port, logs).

    Returns the exit status: 0 after a normal end, 1 when the sandbox fails, 2 without the `demo` extra.
    """
    try:
        sandbox = sandbox_class()(make_folder())
    except DemoUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    stopper = _Stopper(sandbox)
    try:
        passwords = {person.login: secrets.token_urlsafe(18) for person in PEOPLE}
        app_password = "-".join(secrets.token_hex(3)[:5] for _ in range(5))  # Nextcloud's xxxxx-xxxxx-… form
        today = date.today()

        async def seeder(client: httpx2.AsyncClient) -> None:
            await seed(client, passwords, today)

        sandbox.start(PEOPLE, passwords, {USER: app_password}, seeder)
        settings = demo_settings(sandbox.url, app_password, overrides)
        _announce(sandbox, settings)
        from nextcloud_mcp.server.run import run

        run(settings)
    except DemoError as exc:
        print(f"nextcloud-mcp-server demo: {exc}", file=sys.stderr)
        return 1
    finally:
        stopper.restore()
        sandbox.close()
    return 0


def demo_settings(nextcloud_url: str, app_password: str, overrides: Mapping[str, Any]) -> Settings:
    """The settings for the sandbox: BasicAuth as alice; `MCP_*` variables still apply, `NEXTCLOUD_*` ones do not
    (the demo is its own Nextcloud)."""
    environ = {key: value for key, value in os.environ.items() if not key.upper().startswith("NEXTCLOUD_")}
    values = {
        **overrides,
        "nextcloud_host": nextcloud_url,
        "nextcloud_username": USER,
        "nextcloud_password": app_password,
        "mcp_auth_mode": "basic",
    }
    return load_settings(values, environ)


def _announce(sandbox: Sandbox, settings: Settings) -> None:
    if settings.mcp_transport == "stdio":  # stdout carries the protocol
        print(guide(sandbox.url, executable()), file=sys.stderr, flush=True)
    else:
        print(guide(sandbox.url, executable(), settings.resource_url, settings.mcp_host), flush=True)


class _Stopper:
    """On SIGINT, SIGTERM or SIGHUP: delete the sandbox, then end the process at once.

    The server is not unwound: on stdio a worker thread sits in a blocking read of stdin that neither cancellation
    nor an exception interrupts (the server stops when the client closes stdin), so an unwinding demo would hang
    with its sandbox on disk. On HTTP uvicorn takes the signals while it serves, shuts down gracefully and raises
    the signal again, which lands here.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._previous = {sig: signal.signal(sig, self._handle) for sig in _SIGNALS}

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._sandbox.close()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # interrupted mid-write: nothing more to save
                stream.flush()
        os.write(2, b"nextcloud-mcp-server demo: stopped, the sandbox is deleted.\n")
        os._exit(130 if signum == signal.SIGINT else 0)
